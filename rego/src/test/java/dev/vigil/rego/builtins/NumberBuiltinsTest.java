package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NumberBuiltinsTest {

  static Value call(String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(SimpleBuiltinContext.system(), args);
  }

  static Value call(String name, String... jsonArgs) {
    return call(name, Arrays.stream(jsonArgs).map(Json::parse).toArray(Value[]::new));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "plus|1|2|3",
        "plus|18446744073709551617|1|18446744073709551618",
        "plus|1.5|2.5|4",
        "plus|1|2.5|3.5",
        "plus|0.1|0.2|0.3",
        "minus|-18446744073709551617|1|-18446744073709551618",
        "mul|18446744073709551617|2|36893488147419103234",
        "mul|2.5|2|5",
        "div|6|3|2",
        "div|1|2|0.5",
        "div|1|3|0.33333333333333333334",
        "div|2|3|0.6666666666666666667",
        "rem|7|4|3",
        "rem|-7|4|-3",
        "rem|10|18446744073709551616|10",
        "rem|18446744073709551617|18446744073709551616|1",
      })
  void arithmetic_operands_matchOpa(String name, String x, String y, String want) {
    assertThat(call(name, x, y)).isEqualTo(Json.parse(want));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "abs|-10|10",
        "abs|-1.5|1.5",
        "round|2.5|3",
        "round|-2.5|-3",
        "round|2.4|2",
        "ceil|1.01|2",
        "ceil|-1.99999|-1",
        "ceil|2222.2222222222|2223",
        "floor|-1.001|-2",
        "floor|-0.5|0",
        "ceil|-0.5|1",
        "ceil|-1.5|-1",
        "floor|99.99999|99",
        "floor|123456789012345678901234567890|123456789012345678901234567890",
      })
  void rounding_number_matchesOpa(String name, String x, String want) {
    assertThat(call(name, x)).isEqualTo(Json.parse(want));
  }

  @Test
  void div_byZero_failsWithOpaMessage() {
    assertThatThrownBy(() -> call("div", "1", "0"))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("divide by zero");
    assertThatThrownBy(() -> call("div", "1", "0.0")).hasMessage("divide by zero");
  }

  @Test
  void rem_zeroOrFraction_failsWithOpaMessages() {
    assertThatThrownBy(() -> call("rem", "7", "0")).hasMessage("modulo by zero");
    assertThatThrownBy(() -> call("rem", "1.1", "1")).hasMessage("modulo on floating-point number");
  }

  @Test
  void minus_sets_givesDifference() {
    Value a = SetValue.of(Json.parse("1"), Json.parse("2"), Json.parse("3"));
    Value b = SetValue.of(Json.parse("2"));
    assertThat(call("minus", a, b)).isEqualTo(SetValue.of(Json.parse("1"), Json.parse("3")));
  }

  @Test
  void minus_setAndNumber_failsNamingTheExpectedKind() {
    Value set = SetValue.of(Json.parse("1"));
    assertThatThrownBy(() -> call("minus", set, Json.parse("1")))
        .hasMessage("operand 2 must be set but got number");
    assertThatThrownBy(() -> call("minus", Json.parse("1"), set))
        .hasMessage("operand 2 must be number but got set");
  }

  @Test
  void numbersRange_bothDirections_includesEnds() {
    assertThat(call("numbers.range", "-2", "3")).isEqualTo(Json.parse("[-2,-1,0,1,2,3]"));
    assertThat(call("numbers.range", "2", "-1")).isEqualTo(Json.parse("[2,1,0,-1]"));
    assertThat(call("numbers.range_step", "0", "10", "4")).isEqualTo(Json.parse("[0,4,8]"));
    assertThat(call("numbers.range_step", "10", "0", "4")).isEqualTo(Json.parse("[10,6,2]"));
  }

  @Test
  void numbersRange_fraction_isTypeError() {
    assertThatThrownBy(() -> call("numbers.range", "3.14", "4"))
        .hasMessage("operand 1 must be integer number but got floating-point number")
        .extracting(e -> ((BuiltinException) e).code())
        .isEqualTo(BuiltinException.TYPE_ERROR);
    assertThatThrownBy(() -> call("numbers.range_step", "1", "4", "0"))
        .hasMessage("step must be a positive number above zero");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"-42.0\"|-42",
        "false|0",
        "true|1",
        "null|0",
        "100.1|100.1",
        "\"+5\"|5",
        "\".5\"|0.5",
        "\"1e3\"|1000",
        "\"0x1p-2\"|0.25"
      })
  void toNumber_convertible_givesNumber(String in, String want) {
    assertThat(call("to_number", in)).isEqualTo(Json.parse(want));
  }

  @Test
  void toNumber_badStrings_failAsGo() {
    assertThatThrownBy(() -> call("to_number", "\"broken\""))
        .hasMessage("strconv.ParseFloat: parsing \"broken\": invalid syntax");
    assertThatThrownBy(() -> call("to_number", "\"1e400\""))
        .hasMessage("strconv.ParseFloat: parsing \"1e400\": value out of range");
    for (String s : new String[] {"\"nan\"", "\"-Inf\"", "\"Infinity\"", "\"iNf\""}) {
      assertThatThrownBy(() -> call("to_number", s))
          .extracting(e -> ((BuiltinException) e).code())
          .isEqualTo(BuiltinException.TYPE_ERROR);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "bits.and|7|9|1",
        "bits.or|7|9|15",
        "bits.xor|42|3|41",
        "bits.lsh|9223372036854775807|1|18446744073709551614",
        "bits.rsh|8|3|1",
        "bits.rsh|-8|1|-4",
      })
  void bits_integers_matchOpa(String name, String x, String y, String want) {
    assertThat(call(name, x, y)).isEqualTo(Json.parse(want));
  }

  @Test
  void bits_negativeShiftAndFraction_areTypeErrors() {
    assertThat(call("bits.negate", "42")).isEqualTo(Json.parse("-43"));
    assertThatThrownBy(() -> call("bits.lsh", "7", "-1"))
        .hasMessage("operand 2 must be an unsigned integer number but got a negative integer");
    assertThatThrownBy(() -> call("bits.and", "7.2", "42"))
        .hasMessage("operand 1 must be integer number but got floating-point number");
  }

  @Test
  void arithmetic_hugeExponent_isRefusedNotComputed() {
    assertThatThrownBy(() -> call("plus", "1e100000000", "1"))
        .hasMessageContaining("operand 1 has more than 100000 digits");
    assertThatThrownBy(() -> call("format_int", "1e100000000", "10"))
        .hasMessageContaining("more than 100000 digits");
    assertThat(call("plus", "1e400", "1")).isEqualTo(call("minus", "1e400", "-1"));
  }
}
