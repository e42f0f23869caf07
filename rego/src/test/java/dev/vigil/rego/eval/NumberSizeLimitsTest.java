package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.Values;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Numbers count toward the size limit by the length of their text, arithmetic cannot grow a number
 * past the digits Vigil computes with, and builtins refuse number text too long to parse in
 * reasonable time. Regression: every number counted as size 1, so a list of copies of a number of
 * thousands of digits passed the size limit at a thousandth of its written size; {@code bits.lsh}
 * and {@code x * x} made numbers of hundreds of thousands of digits; and {@code json.unmarshal} of
 * a number of a million digits parsed for about a minute in one uninterruptible step.
 */
class NumberSizeLimitsTest {

  private static final String POLICY =
      """
      package t
      import rego.v1

      digits := concat("", ["9" | some i in numbers.range(1, 9000)])

      n := json.unmarshal(digits)

      copies := [data.t.n | some i in numbers.range(1, 5000)]

      few := [data.t.n | some i in numbers.range(1, 100)]

      long_text := concat("", ["1" | some i in numbers.range(1, 20000)])

      big := bits.lsh(1, 200000)
      """;

  private static Policy policy() {
    return Policy.compile(List.of(new Source("t.rego", POLICY)), null, CompileOptions.defaults());
  }

  private static final EvalOptions STRICT = EvalOptions.defaults().withStrictBuiltinErrors(true);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0",
        "7",
        "-7",
        "1024",
        "-1025",
        "123456789012345678",
        "12.5",
        "-0.05",
        "1e10",
        "1e399",
        "1e400",
        "1.5e-500",
        "-2.25e-400",
        "0.000001",
        "3.14159265358979323846"
      })
  void writtenLength_ofANumber_isTheLengthOfItsText(String text) {
    NumberValue n = NumberValue.parse(text);

    assertThat(n.writtenLength()).as(text).isEqualTo(n.toString().length());
    assertThat(Values.unsharedSize(n)).isEqualTo(n.toString().length());
  }

  /** Past 18 digits the digits are counted from the bit length: exact or one less. */
  @ParameterizedTest
  @ValueSource(ints = {19, 30, 1000, 9000})
  void writtenLength_ofManyDigits_countsThemWithinOne(int digits) {
    NumberValue nines = NumberValue.parse("9".repeat(digits));
    NumberValue low = NumberValue.parse("1" + "0".repeat(digits - 2) + "1");

    assertThat(nines.writtenLength()).isBetween(digits - 1L, (long) digits);
    assertThat(low.writtenLength()).isBetween(digits - 1L, (long) digits);
  }

  @Test
  void eval_copiesOfALongNumber_refusedBySize() {
    Policy p = policy();

    QueryResult few = p.prepare("x := count(data.t.few)").eval(null, EvalOptions.defaults());
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> p.prepare("x := count(data.t.copies)").eval(null, EvalOptions.defaults()));

    assertThat(few.rows().get(0).bindings().get("x").toString()).isEqualTo("100");
    assertThat(e).as("5000 copies of a 9000-digit number passed the size limit").isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("value too large: the array comprehension would be");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x := bits.lsh(1, 1000000) | result has more than 100000 digits",
        "x := data.t.big * data.t.big | result has more than 100000 digits",
        "x := data.t.big + data.t.big * data.t.big | result has more than 100000 digits",
        "x := json.unmarshal(data.t.long_text) | characters at offset 0 is longer than the 10000",
        "x := to_number(concat(\"\", [\"0.\", data.t.long_text])) | longer than the 10000",
        "x := yaml.unmarshal(concat(\"\", [\"!!int \", data.t.long_text])) | longer than the 10000",
        "x := units.parse(data.t.long_text) | longer than the 10000",
        "x := units.parse_bytes(data.t.long_text) | longer than the 10000",
        "x := units.parse(concat(\"\", [data.t.long_text, \"-\"])) | longer than the 10000",
        "x := units.parse_bytes(concat(\"\", [data.t.long_text, \"-\"])) | longer than the 10000"
      })
  void eval_numberPastTheDigitLimit_stopsTheQueryEvenWhenLenient(String query, String message) {
    Policy p = policy();

    RegoException e =
        catchThrowableOfType(
            RegoException.class, () -> p.prepare(query).eval(null, EvalOptions.defaults()));

    assertThat(e).as("%s answered", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains(message);
  }

  @Test
  void eval_numbersWithinTheDigitLimit_answer() {
    Policy p = policy();

    QueryResult r =
        p.prepare("x := count(format_int(data.t.big * 2, 10)); y := json.unmarshal(\"1e9999\")")
            .eval(null, STRICT);

    assertThat(r.rows().get(0).bindings().get("x").toString()).isEqualTo("60207");
    assertThat(r.rows().get(0).bindings().get("y").toString()).isEqualTo("1e+9999");
  }
}
