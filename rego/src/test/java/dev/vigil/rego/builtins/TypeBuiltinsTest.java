package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.SetValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TypeBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "is_number|-42.0|true",
        "is_number|null|false",
        "is_string|\"x\"|true",
        "is_boolean|\"x\"|false",
        "is_array|[]|true",
        "is_object|{}|true",
        "is_null|null|true",
        "is_set|[]|false",
        "type_name|{}|\"object\"",
        "type_name|1.5|\"number\"",
      })
  void typeChecks_value_answerAsOpa(String name, String arg, String want) {
    assertThat(call(name, arg)).isEqualTo(Json.parse(want));
  }

  @Test
  void casts_rightAndWrongKinds() {
    assertThat(call("cast_array", SetValue.of(Json.parse("2"), Json.parse("1"))))
        .isEqualTo(Json.parse("[1, 2]"));
    assertThat(call("cast_set", "[1, 1]")).isEqualTo(SetValue.of(Json.parse("1")));
    assertThatThrownBy(() -> call("cast_array", "\"hello\""))
        .hasMessage("operand 1 must be one of {array, set} but got string");
    assertThatThrownBy(() -> call("cast_string", "[1]"))
        .hasMessage("operand 1 must be string but got array");
    assertThat(call("type_name", SetValue.EMPTY)).isEqualTo(Json.parse("\"set\""));
  }
}
