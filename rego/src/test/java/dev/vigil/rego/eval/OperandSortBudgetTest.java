package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
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
 * Builtins that read a set operand's elements or an object operand's keys in sorted order, as OPA
 * does, charge that sort to the time budget. Regression: {@code net.cidr_contains_matches}, the
 * constraints of {@code io.jwt.decode_verify}, {@code json.match_schema} (an object's keys, a set's
 * elements), a set of paths given to {@code json.filter}, {@code net.cidr_merge} and the patterns
 * of {@code strings.replace_n} were sorted without charging, so an operand of many members ran n
 * log n comparisons past the budget.
 *
 * <p>Counted as {@link OutputSortBudgetTest} counts: readings of a fake clock, first for the query
 * on an operand already sorted, then on an equal one not yet sorted, with a deadline a few readings
 * after the first count. Only the sort's charge can reach it.
 */
class OperandSortBudgetTest {

  static final int N = 20_000;

  /** Readings allowed beyond those of the query on a sorted operand. */
  static final int SLACK = 8;

  private static String address(int i) {
    return "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
  }

  /** N addresses. */
  private static Value set() {
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      xs.add(StringValue.of(address(i)));
    }
    return SetValue.of(xs);
  }

  /** N keys, each naming an address. */
  private static Value object() {
    Map<Value, Value> m = new HashMap<>();
    for (int i = 0; i < N; i++) {
      m.put(StringValue.of("k" + i), StringValue.of(address(i)));
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
        "x := net.cidr_contains_matches(\"10.0.0.0/31\", input.v)            | set    | 1",
        "x := net.cidr_contains_matches(\"10.0.0.0/31\", input.v)            | object | 1",
        "x := io.jwt.decode_verify(\"a.b.c\", input.v)                        | object | 0",
        "x := json.match_schema(input.v, {\"type\": \"object\"})              | object | 1",
        "x := json.match_schema({\"a\": input.v}, {\"properties\": {\"a\": {}}}) | set | 1",
        "x := json.filter({\"a\": 1}, input.v)                              | set    | 1",
        "x := net.cidr_merge(input.v)                                       | set    | 1",
        "x := strings.replace_n(input.v, \"abc\")                           | object | 1",
      })
  void eval_unsortedOperand_stoppedByTheSortsCharge(String query, String kind, int rows) {
    Value fresh = kind.equals("set") ? set() : object();
    Value alreadySorted = sorted(kind.equals("set") ? set() : object());

    AtomicInteger baseline = new AtomicInteger();
    int answered =
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
                        }))
            .rows()
            .size();
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

    assertThat(answered).as("rows of %s on a sorted operand", query).isEqualTo(rows);
    assertThat(e).as("the sort in %s was not charged", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
  }
}
