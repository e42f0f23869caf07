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
import dev.vigil.rego.value.StringValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builtins whose result can be the product of their operands' sizes check the query's size limit
 * before they allocate. Regression: replacing every position of a string of a hundred thousand
 * characters by another such string asked for ten gigabytes, and each query below ended in an
 * OutOfMemoryError that could strike any thread of the process.
 */
class BuiltinOutputLimitsTest {

  private static final String POLICY =
      """
      package t
      import rego.v1

      big := concat("", ["a" | some i in numbers.range(1, 100000)])
      """;

  private static Policy policy() {
    return Policy.compile(List.of(new Source("t.rego", POLICY)), null, CompileOptions.defaults());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "replace(data.t.big, \"\", data.t.big) | replace",
        "strings.replace_n({\"\": data.t.big}, data.t.big) | strings.replace_n",
        "regex.replace(data.t.big, \"\", data.t.big) | regex.replace",
        "json.marshal_with_options(numbers.range(1, 100000), {\"prefix\": data.t.big})"
            + " | json.marshal_with_options",
        "json.marshal_with_options([[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]], {\"indent\": data.t.big})"
            + " | json.marshal_with_options"
      })
  void eval_resultTheProductOfItsOperands_refusedBeforeItIsBuilt(String query, String builtin) {
    Policy p = policy();

    RegoException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () ->
                catchThrowableOfType(
                    RegoException.class,
                    () -> p.prepare(query).eval(null, EvalOptions.defaults())));

    assertThat(e).as("%s answered instead of failing", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("value too large: the result of " + builtin);
  }

  @Test
  void eval_replacementsWithinTheLimit_answer() {
    Policy p = policy();

    QueryResult r =
        p.prepare("x := count(replace(data.t.big, \"a\", \"bc\"))")
            .eval(null, EvalOptions.defaults());
    QueryResult empty = p.prepare("x := replace(\"abc\", \"\", \"-\")").eval(null, null);

    assertThat(r.rows().get(0).bindings().get("x").toString()).isEqualTo("200000");
    assertThat(empty.rows().get(0).bindings().get("x")).isEqualTo(StringValue.of("-a-b-c-"));
  }
}
