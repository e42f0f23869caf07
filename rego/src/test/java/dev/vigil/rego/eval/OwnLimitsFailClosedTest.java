package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.builtins.Type;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A limit Vigil sets where OPA computes a value stops the query, whether builtin errors are strict
 * or not. Regression: such limits were lenient builtin errors, so the call was undefined; a policy
 * allowing unless a check holds ({@code allow if not too_long}) then allowed the very input that
 * went past the limit: {@code numbers.range(1, input.n)} with n of a hundred million, or {@code
 * to_number(input.amount)} of twenty thousand digits, which OPA reads and denies.
 */
class OwnLimitsFailClosedTest {

  private static final String POLICY =
      """
      package t
      import rego.v1

      default allow := false

      allow if not too_long

      too_long if count(numbers.range(1, input.n)) > 1000
      too_long if count(numbers.range_step(1, input.n, 1)) > 1000
      too_long if bits.lsh(1, input.n) > 1000
      too_long if to_number(input.amount) > 1000
      too_long if json.unmarshal(input.amount) > 1000
      too_long if yaml.unmarshal(concat("", ["!!int ", input.amount])) > 1000
      too_long if not json.is_valid(input.amount)
      """;

  private static Policy policy() {
    return Policy.compile(List.of(new Source("t.rego", POLICY)), null, CompileOptions.defaults());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"n\": 100000000, \"amount\": \"1\"} | numbers.range: range of 100000000 numbers",
        "{\"n\": 2000000, \"amount\": \"1\"} | bits.lsh: shift of 2000000 bits",
        "{\"n\": 5, \"amount\": \"LONG\"} | number of 20000 characters"
      })
  void eval_inputPastOwnLimit_stopsTheQueryWithLenientErrors(String input, String message) {
    Policy p = policy();
    String longText = "1".repeat(20000);

    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () ->
                p.prepare("data.t.allow")
                    .eval(Json.parse(input.replace("LONG", longText)), EvalOptions.defaults()));

    assertThat(e).as("%s answered instead of failing", input).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains(message);
  }

  /**
   * Regression: a builtin that failed on its own fault (a NullPointerException, a bad cast) was a
   * lenient builtin error, so the call was undefined and {@code allow if not blocked} allowed.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"null", "cast", "index", "state"})
  void eval_builtinFailingOnItsOwnFault_stopsTheQueryWithLenientErrors(String fault) {
    BuiltinRegistry registry = new BuiltinRegistry();
    registry.register(
        "broken",
        List.of(Type.ANY),
        Type.BOOLEAN,
        "Fails as a builtin with a bug would.",
        (c, a) -> {
          switch (fault) {
            case "null" -> throw new NullPointerException("x is null");
            case "cast" -> throw new ClassCastException("not a string");
            case "index" -> throw new IndexOutOfBoundsException(3);
            default -> throw new IllegalStateException("closed");
          }
        });
    Policy p =
        Policy.compile(
            List.of(
                new Source(
                    "t.rego",
                    "package t\ndefault allow := false\nallow if not blocked\n"
                        + "blocked if broken(input)\n")),
            null,
            new CompileOptions(false, false, registry));

    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> p.prepare("data.t.allow").eval(Json.parse("{}"), EvalOptions.defaults()));

    assertThat(e).as("%s answered instead of failing", fault).isNotNull();
    assertThat(e.getMessage()).contains("t.rego:4").contains("broken: internal error");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"{\"n\": 5, \"amount\": \"1\"} | true", "{\"n\": 5000, \"amount\": \"1\"} | false"})
  void eval_inputWithinTheLimits_decides(String input, boolean allowed) {
    QueryResult r =
        policy()
            .prepare("x := data.t.allow")
            .eval(Json.parse(input), EvalOptions.defaults().withTimeout(null));

    assertThat(r.rows().get(0).bindings().get("x")).isEqualTo(BooleanValue.of(allowed));
  }
}
