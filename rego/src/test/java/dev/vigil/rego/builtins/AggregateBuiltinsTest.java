package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.SetValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AggregateBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "count|\"åäö\"|3",
        "count|\"\uD83D\uDE00x\"|2",
        "count|{\"a\": 1}|1",
        "sum|[1, 2, 3]|6",
        "sum|[9223372036854775807, 1]|9223372036854775808",
        "sum|[1.5, 2.5]|4",
        "sum|[0.1, 0.2]|0.3",
        "product|[2, 3, 4]|24",
        "product|[]|1",
        "max|[1, \"a\", null]|\"a\"",
        "min|[3, 1, 2]|1",
        "sort|[3, \"a\", 1, null]|[null, 1, 3, \"a\"]",
        "all|[true, true]|true",
        "all|[{}, true]|false",
        "any|[false, true]|true",
        "any|[]|false",
      })
  void aggregate_collection_matchesOpa(String name, String arg, String want) {
    assertThat(call(name, arg)).isEqualTo(Json.parse(want));
  }

  @Test
  void maxMin_empty_areUndefined() {
    assertThat(call("max", "[]")).isNull();
    assertThat(call("min", SetValue.EMPTY)).isNull();
  }

  @Test
  void sum_nonNumberElement_namesTheElementKind() {
    assertThatThrownBy(() -> call("sum", "[1, \"a\"]"))
        .hasMessage("operand 1 must be array of numbers but got array containing string");
    assertThatThrownBy(() -> call("count", "1"))
        .hasMessage("operand 1 must be one of {array, object, set, string} but got number");
  }
}
