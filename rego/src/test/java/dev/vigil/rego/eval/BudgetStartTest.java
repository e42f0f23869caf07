package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.Json;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A caller that works for a query before evaluating it (the decision point reading the request's
 * input) counts that work against the query's budget: the budget may start at an earlier reading of
 * the clock, and the JSON parser charges a budget as it reads. Both on a fake clock.
 */
class BudgetStartTest {

  private static final Policy POLICY = Policy.compile(List.of(), null, CompileOptions.defaults());

  /** A query of some thousands of units: the clock is read during it. */
  private static final String QUERY = "x := count(numbers.range(1, 5000))";

  @Test
  void eval_budgetStartedBeforeAnEarlierStep_spentByIt() {
    AtomicLong now = new AtomicLong();
    EvalOptions opts =
        EvalOptions.defaults().withTimeout(Duration.ofSeconds(1)).withNanoClock(now::get);
    EvalOptions fromZero = opts.withBudgetStart(0);
    now.set(Duration.ofSeconds(2).toNanos());

    RegoException e =
        catchThrowableOfType(RegoException.class, () -> POLICY.prepare(QUERY).eval(null, fromZero));

    assertThat(POLICY.prepare(QUERY).eval(null, opts).rows()).hasSize(1);
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
  }

  @Test
  void parse_chargedToASpentBudget_stopsWithTheTimeout() {
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < 20_000; i++) {
      text.append(i > 0 ? "," : "").append("{\"k\": \"v\"}");
    }
    String json = text.append(']').toString();
    AtomicLong now = new AtomicLong();
    EvalOptions opts =
        EvalOptions.defaults()
            .withTimeout(Duration.ofSeconds(1))
            .withNanoClock(now::get)
            .withBudgetStart(0);
    now.set(Duration.ofSeconds(2).toNanos());
    AtomicLong charged = new AtomicLong();

    RegoException e =
        catchThrowableOfType(
            RegoException.class, () -> Json.parse(json, opts.startBudget()::charge));
    Json.parse(json, charged::addAndGet);

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(charged.get()).as("a unit per value read").isGreaterThanOrEqualTo(60_000);
  }
}
