package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.BooleanValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ComparisonBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "equal|1|1.0|true",
        "equal|[1]|[1.0]|true",
        "equal|{\"x\": [1, {\"b\": 3.0}]}|{\"x\": [1, {\"b\": 3}]}|true",
        "equal|1|\"1\"|false",
        "neq|28857836529306024611913|28857836529306024611912|true",
        "lt|-1|0|true",
        "lt|null|false|true",
        "lt|\"a\"|[]|true",
        "gt|{}|[]|true",
        "lte|1|1|true",
        "gte|1|2|false",
      })
  void compare_values_followsOpaOrdering(String name, String x, String y, boolean want) {
    assertThat(NumberBuiltinsTest.call(name, x, y)).isEqualTo(BooleanValue.of(want));
  }
}
