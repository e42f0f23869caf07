package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builtins that write a set or an object out as text sort its members or keys first, and charge
 * that sort to the time budget as {@code sort} and iteration do. Regression: {@code json.marshal},
 * {@code yaml.marshal}, {@code sprintf}, templates and {@code urlquery.encode_object} sorted
 * without charging, so a query that wrote out a large set ran n log n comparisons past its budget.
 *
 * <p>The budget is counted in readings of a fake clock, one every {@link
 * dev.vigil.rego.builtins.TimeBudget#CHECK_EVERY} units charged: each query is first run on a value
 * already sorted, to count the readings it takes without a sort, then on an equal value not yet
 * sorted, with a deadline a few readings later. Only the sort's charge can reach it.
 */
class OutputSortBudgetTest {

  static final int N = 20_000;

  /** Readings allowed beyond those of the query on a sorted value. */
  static final int SLACK = 8;

  private static Value set() {
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      xs.add(StringValue.of("e" + i));
    }
    return SetValue.of(xs);
  }

  private static Value object() {
    Map<Value, Value> m = new HashMap<>();
    for (int i = 0; i < N; i++) {
      m.put(StringValue.of("k" + i), StringValue.of("v" + i));
    }
    return ObjectValue.wrap(m);
  }

  private static Value sorted(Value v) {
    switch (v) {
      case SetValue s -> s.elements();
      case ObjectValue o -> o.keys();
      default -> throw new IllegalArgumentException(v.toString());
    }
    return v;
  }

  private static Value input(Value v) {
    return ObjectValue.of(StringValue.of("v"), v);
  }

  private static final Policy POLICY = Policy.compile(List.of(), null, CompileOptions.defaults());

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x := json.marshal(input.v)                                  | set",
        "x := json.marshal(input.v)                                  | object",
        "x := json.marshal_with_options(input.v, {\"indent\": \" \"}) | set",
        "x := yaml.marshal(input.v)                                  | set",
        "x := yaml.marshal(input.v)                                  | object",
        "x := sprintf(\"%v\", [input.v])                              | set",
        "x := sprintf(\"%v\", [input.v])                              | object",
        "x := strings.render_template(\"{{.v}}\", input)              | set",
        "x := urlquery.encode_object({\"q\": input.v})                | set",
        "x := urlquery.encode_object(input.v)                        | object",
        "x := $\"{input.v}\"                                          | set",
        "x := $\"{input.v}\"                                          | object",
        "print(input.v)                                              | set",
      })
  void eval_writerOfAnUnsortedCollection_stoppedByTheSortsCharge(String query, String kind) {
    Value fresh = kind.equals("set") ? set() : object();
    Value alreadySorted = sorted(kind.equals("set") ? set() : object());

    AtomicInteger baseline = new AtomicInteger();
    QueryResult unsortedCost =
        POLICY
            .prepare(query)
            .eval(
                input(alreadySorted),
                EvalOptions.defaults()
                    .withTimeout(Duration.ofSeconds(1))
                    .withNanoClock(
                        () -> {
                          baseline.incrementAndGet();
                          return 0;
                        }));
    int allowed = baseline.get() + SLACK;
    AtomicInteger reads = new AtomicInteger();
    long hour = Duration.ofHours(1).toNanos();
    EvalOptions budget =
        EvalOptions.defaults()
            .withTimeout(Duration.ofSeconds(1))
            .withNanoClock(() -> reads.incrementAndGet() <= allowed ? 0 : hour);

    RegoException e =
        catchThrowableOfType(
            RegoException.class, () -> POLICY.prepare(query).eval(input(fresh), budget));

    assertThat(unsortedCost.rows()).hasSize(1);
    assertThat(e).as("the sort in %s was not charged", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
  }
}
