package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ObjectBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"a\": \"b\"}|\"a\"|\"c\"|\"b\"",
        "{\"a\": \"b\"}|\"x\"|\"c\"|\"c\"",
        "{\"a\": 1}|[]|2|{\"a\": 1}",
        "{\"a\": {\"b\": {\"c\": 1}}}|[\"a\", \"b\", \"c\"]|2|1",
        "{\"a\": {\"b\": {\"c\": 1}}}|[\"a\", \"b\", \"a\"]|2|2",
        "{\"a\": {\"b\": [{\"c\": 1}]}}|[\"a\", \"b\", 0, \"c\"]|2|1",
        "{\"a\": {\"b\": [1, 2, 3]}}|[\"a\", \"b\", \"a\"]|2|2",
      })
  void get_keyOrPath_returnsValueOrDefault(String obj, String key, String dflt, String want) {
    assertThat(call("object.get", obj, key, dflt)).isEqualTo(Json.parse(want));
  }

  @Test
  void get_nonObject_isTypeError() {
    assertThatThrownBy(() -> call("object.get", "\"x\"", "[\"a\"]", "2"))
        .hasMessage("operand 1 must be object but got string");
  }

  @Test
  void filterAndRemove_keysOfAnyCollection_selectTopLevelKeys() {
    Value obj = Json.parse("{\"a\": 1, \"b\": 2, \"c\": 3}");
    Value keys = SetValue.of(StringValue.of("a"), StringValue.of("c"));
    assertThat(call("object.filter", obj, keys)).isEqualTo(Json.parse("{\"a\": 1, \"c\": 3}"));
    assertThat(call("object.remove", obj, keys)).isEqualTo(Json.parse("{\"b\": 2}"));
    assertThat(call("object.filter", obj, Json.parse("{\"b\": 0}")))
        .isEqualTo(Json.parse("{\"b\": 2}"));
    assertThatThrownBy(() -> call("object.filter", obj, Json.parse("\"a\"")))
        .hasMessage("operand 2 must be one of {object, set, array} but got string");
  }

  @Test
  void unionN_laterWinsAndMergesNestedObjects() {
    assertThat(
            call(
                "object.union_n",
                "[{\"a\": {\"b\": 2}}, {\"a\": 4}, {\"a\": {\"c\": 3}}, {\"d\": 1}]"))
        .isEqualTo(Json.parse("{\"a\": {\"c\": 3}, \"d\": 1}"));
    assertThat(call("object.union", "{\"a\": {\"b\": 1, \"c\": 2}}", "{\"a\": {\"b\": 9}}"))
        .isEqualTo(Json.parse("{\"a\": {\"b\": 9, \"c\": 2}}"));
    assertThatThrownBy(() -> call("object.union_n", "[{}, \"baz\"]"))
        .hasMessage("operand 1 must be array of objects but got array containing string");
  }

  @Test
  void subset_eachKind_followsOpa() {
    Value sup = Json.parse("{\"a\": \"b\", \"c\": {\"x\": [10, 15, 20, 25], \"y\": \"z\"}}");
    assertThat(call("object.subset", sup, Json.parse("{\"c\": {\"x\": [15, 20]}}")))
        .isEqualTo(Json.parse("true"));
    assertThat(call("object.subset", sup, Json.parse("{\"c\": {\"x\": [10, 20]}}")))
        .isEqualTo(Json.parse("false"));
    assertThat(call("object.subset", Json.parse("[1, 2, 3]"), SetValue.of(Json.parse("3"))))
        .isEqualTo(Json.parse("true"));
    assertThat(call("object.keys", "{\"a\": 1, \"b\": 2}"))
        .isEqualTo(SetValue.of(StringValue.of("a"), StringValue.of("b")));
    assertThatThrownBy(() -> call("object.subset", Json.parse("[1]"), ObjectValue.EMPTY))
        .hasMessageContaining("must be of the same type or array and set");
  }
}
