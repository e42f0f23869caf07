package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Json;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The evaluator puts a builtin's name in front of its error; a builtin that wrote its own name as
 * well was reported as {@code to_number: to_number: number of 20000 characters ...}.
 */
class BuiltinErrorNamesTest {

  private static RegoException strictError(String expression) {
    String module = "package t\n\nr := " + expression + "\n";
    Policy p =
        Policy.compile(List.of(new Source("t.rego", module)), null, CompileOptions.defaults());
    String longDigits = "1".repeat(20_000);
    return catchThrowableOfType(
        RegoException.class,
        () ->
            p.prepare("x := data.t.r")
                .eval(
                    Json.parse("{\"digits\": \"" + longDigits + "\"}"),
                    EvalOptions.defaults().withStrictBuiltinErrors(true)));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "to_number(input.digits) | to_number: number of 20000 characters",
        "units.parse(input.digits) | units.parse: number of 20000 characters",
        "units.parse(\"1 K\") | units.parse: spaces not allowed in resource strings",
        "units.parse(\"1Q\") | units.parse: unit Q not recognized",
        "units.parse_bytes(\"1.2.3kb\") | units.parse_bytes: could not parse byte amount",
        "units.parse_bytes(\"1e1234567\") | units.parse_bytes: exponent too large",
        "time.parse_duration_ns(concat(\"\", [input.digits, \"h\"])) |"
            + " time.parse_duration_ns: number of 20001 characters",
        "numbers.range_step(1, 4, 0) | numbers.range_step: step must be a positive number",
      })
  void eval_failingBuiltin_namesItselfOnce(String expression, String expected) {
    RegoException e = strictError(expression);

    assertThat(e).as("%s answered instead of failing", expression).isNotNull();
    String name = expected.substring(0, expected.indexOf(':'));
    assertThat(e.getMessage()).contains(expected).doesNotContain(name + ": " + name + ":");
  }
}
