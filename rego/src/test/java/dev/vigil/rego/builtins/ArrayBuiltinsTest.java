package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArrayBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[1, 2, 3, 4]|1|3|[2, 3]",
        "[1, 2, 3, 4]|-5|2|[1, 2]",
        "[1, 2, 3, 4]|3|1|[]",
        "[1, 2, 3, 4]|2|100|[3, 4]",
      })
  void slice_indices_clampAsOpa(String arr, String start, String stop, String want) {
    assertThat(call("array.slice", arr, start, stop)).isEqualTo(Json.parse(want));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"[1, 2]|[3]|[1, 2, 3]", "[]|[]|[]"})
  void concat_twoArrays_joins(String x, String y, String want) {
    assertThat(call("array.concat", x, y)).isEqualTo(Json.parse(want));
    assertThat(call("array.reverse", "[1, 2, 3]")).isEqualTo(Json.parse("[3, 2, 1]"));
  }
}
