package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A value that shares its parts is cheap to build and huge to write out: {@code x1 := [x0, x0]},
 * forty times over, is forty steps of evaluation and 2^40 values for any builtin that serialises,
 * copies, walks or compares it. Regression: each query below ran on for hours, or ended in an
 * OutOfMemoryError, whatever its time budget, because the budget was charged for the forty steps
 * and not for the 2^40 values. Now such a value is refused where it is built.
 */
class SharedValueLimitsTest {

  static final int STEPS = 40;

  /** Rules that double a value STEPS times by sharing: arrays, objects, sets, and by a builtin. */
  private static Policy doubling() {
    StringBuilder sb = new StringBuilder("package t\nimport rego.v1\n\n");
    sb.append("x0 := [1]\ny0 := [1]\no0 := {\"a\": 1}\ns0 := {1}\nc0 := [1]\n");
    for (int i = 1; i <= STEPS; i++) {
      int j = i - 1;
      sb.append("x").append(i).append(" := [x").append(j).append(", x").append(j).append("]\n");
      sb.append("y").append(i).append(" := [y").append(j).append(", y").append(j).append("]\n");
      sb.append("o").append(i).append(" := {\"a\": o").append(j).append(", \"b\": o");
      sb.append(j).append("}\n");
      sb.append("s").append(i).append(" := {s").append(j).append(", [s").append(j).append("]}\n");
      sb.append("c").append(i).append(" := array.concat([c").append(j).append("], [c");
      sb.append(j).append("])\n");
    }
    sb.append("xs := [x | some i in numbers.range(1, 100); x := x23]\n");
    return Policy.compile(
        List.of(new Source("t.rego", sb.toString())), null, CompileOptions.defaults());
  }

  private static final EvalOptions BUDGET =
      EvalOptions.defaults().withTimeout(Duration.ofSeconds(2));

  /** No time budget: only the size limit can stop these queries, on a machine of any speed. */
  private static final EvalOptions NO_TIMEOUT = EvalOptions.defaults().withTimeout(null);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "json.marshal(data.t.x40)",
        "sprintf(\"%v\", [data.t.x40])",
        "data.t.x40 == data.t.y40",
        "data.t.x40 < data.t.y40",
        "sort([data.t.x40, data.t.y40])",
        "{data.t.x40, data.t.y40}",
        "object.union(data.t.o40, data.t.o40)",
        "count(walk(data.t.x40))",
        "concat(\",\", [json.marshal(data.t.x40)])",
        "yaml.marshal(data.t.s40)",
        "json.marshal(data.t.c40)",
        "json.marshal(data.t.xs)",
        "x := data.t.x40",
        "data.t"
      })
  void eval_valueDoubledBySharing_refusedWithinTheBudget(String query) {
    Policy p = doubling();

    RegoException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () ->
                catchThrowableOfType(
                    RegoException.class, () -> p.prepare(query).eval(null, BUDGET)));

    assertThat(e).as("%s answered instead of failing", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("value too large");
  }

  /** A clock at 0 when the budget starts, and an hour later whenever it is read again. */
  private static EvalOptions clockJumpsPastTheDeadline() {
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    long hour = Duration.ofHours(1).toNanos();
    return EvalOptions.defaults()
        .withTimeout(Duration.ofSeconds(1))
        .withNanoClock(() -> reads.getAndIncrement() == 0 ? 0 : hour);
  }

  /**
   * Equal values built apart are compared element by element wherever a set, an object or a rule
   * meets both: 2^15 comparisons here, for each query, in a few dozen steps of evaluation.
   * Regression: no such comparison was charged, so each query answered without a look at the clock.
   * The clock here jumps an hour at its second reading, so a query fails exactly when a comparison
   * is charged.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "data.u.set_comprehension",
        "data.u.object_comprehension_values",
        "data.u.object_comprehension_keys",
        "count(data.u.s)",
        "data.u.same",
        "count(data.u.o)"
      })
  void eval_equalValuesBuiltApartCompared_chargedToTheBudget(String query) {
    StringBuilder sb = new StringBuilder("package u\nimport rego.v1\n\nf(i) := x if {\n");
    sb.append("  x0 := [i - i]\n");
    for (int k = 1; k <= 15; k++) {
      sb.append("  x").append(k).append(" := [x").append(k - 1).append(", x").append(k - 1);
      sb.append("]\n");
    }
    sb.append("  x := x15\n}\n");
    sb.append("s contains f(i) if some i in numbers.range(1, 3)\n");
    sb.append("o[\"k\"] := f(i) if some i in numbers.range(1, 3)\n");
    sb.append("same := f(1) if true\nsame := f(2) if true\n");
    sb.append("set_comprehension := count({f(i) | some i in numbers.range(1, 3)})\n");
    sb.append("object_comprehension_values := count({\"k\": f(i) | some i in [1, 2]})\n");
    sb.append("object_comprehension_keys := count({f(i): 1 | some i in numbers.range(1, 3)})\n");
    Policy p =
        Policy.compile(
            List.of(new Source("u.rego", sb.toString())), null, CompileOptions.defaults());

    QueryResult within = p.prepare(query).eval(null, EvalOptions.defaults());
    RegoException e =
        catchThrowableOfType(
            RegoException.class, () -> p.prepare(query).eval(null, clockJumpsPastTheDeadline()));

    assertThat(within.rows()).hasSize(1);
    assertThat(e).as("no budget check on the comparisons of %s", query).isNotNull();
    assertThat(e.getMessage()).contains("eval_cancel_error").contains("timeout exceeded");
  }

  /**
   * A comprehension or partial set of large shared values is refused as soon as it passes the
   * limit. Regression: it was checked only once it was complete, so one that collected a
   * thousand-character string 25 million times took the query's whole budget, and the memory of
   * millions of elements, before it failed.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "data.g.array_comprehension",
        "data.g.set_comprehension",
        "data.g.object_comprehension",
        "count(data.g.s)"
      })
  void eval_collectionPassingTheLimit_refusedAsItGrows(String query) {
    String rego =
        """
        package g
        import rego.v1

        text := concat("", ["x" | some i in numbers.range(1, 1000)])
        n := numbers.range(1, 5000)
        array_comprehension := count([text | some i in n; some j in n])
        set_comprehension := count({[i, j, text] | some i in n; some j in n})
        object_comprehension := count({[i, j]: text | some i in n; some j in n})
        s contains [i, j, text] if {
          some i in n
          some j in n
        }
        """;
    Policy p = Policy.compile(List.of(new Source("g.rego", rego)), null, CompileOptions.defaults());

    RegoException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                catchThrowableOfType(
                    RegoException.class, () -> p.prepare(query).eval(null, BUDGET)));

    assertThat(e).as("%s answered instead of failing", query).isNotNull();
    assertThat(e.getMessage()).contains("eval_cancel_error").contains("value too large");
  }

  /**
   * A value under the limit whose text is over it: the text is refused as it passes the limit, not
   * once it is written out in full. Regression: {@code json.marshal} of x22 wrote 25 million
   * characters and {@code yaml.marshal} 200 million, for seconds past the budget, before the size
   * of their result was checked.
   */
  @ParameterizedTest
  @ValueSource(strings = {"json.marshal", "yaml.marshal"})
  void eval_textOfASharedValuePassingTheLimit_refusedAsItIsWritten(String builtin) {
    Policy p = doubling();

    RegoException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () ->
                catchThrowableOfType(
                    RegoException.class,
                    () -> p.prepare(builtin + "(data.t.x22)").eval(null, NO_TIMEOUT)));

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("value too large: the result of " + builtin);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("would be (\\d+) values").matcher(e.getMessage());
    assertThat(m.find()).isTrue();
    assertThat(Long.parseLong(m.group(1)))
        .as("the size at which the text was refused")
        .isLessThan(dev.vigil.rego.builtins.SizeLimit.FLOOR + 1_000);
  }

  @Test
  void eval_sharedValueUnderTheLimit_answers() {
    Policy p = doubling();

    QueryResult r = p.prepare("count(json.marshal(data.t.x10))").eval(null, BUDGET);

    // [[..]] 2^10 times [1]: 3 characters per leaf, 2^10 - 1 commas, two brackets per inner array.
    long leaves = 1 << 10;
    long expected = 3 * leaves + (leaves - 1) + 2 * (leaves - 1);
    assertThat(r.rows().get(0).expressions().get(0)).isEqualTo(NumberValue.of(expected));
  }

  /** The limit grows with the documents, so that a policy may copy large data a few times. */
  @Test
  void eval_documentsLargerThanTheFloor_mayBeCopiedTwice() {
    int n = 10_000_000;
    List<Value> big = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      big.add(NumberValue.of(i % 100));
    }
    Value data = ObjectValue.of(dev.vigil.rego.value.StringValue.of("big"), ArrayValue.of(big));
    Policy p =
        Policy.compile(
            List.of(new Source("t.rego", "package t\ntwice := [data.big, data.big]\n")),
            data,
            CompileOptions.defaults());

    QueryResult r = p.prepare("count(data.t.twice[1])").eval(null, EvalOptions.defaults());

    assertThat(r.rows().get(0).expressions().get(0)).isEqualTo(NumberValue.of(n));
  }
}
