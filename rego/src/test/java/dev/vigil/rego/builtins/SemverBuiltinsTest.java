package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SemverBuiltinsTest {

  @ParameterizedTest
  @CsvSource({
    "1.0.0, 2.0.0, -1",
    "2.0.0, 1.0.0, 1",
    "1.0.0, 1.0.0, 0",
    "1.0.0-alpha, 1.0.0, -1",
    "1.0.0-alpha.1, 1.0.0-alpha.beta, -1",
    "1.0.0-beta.11, 1.0.0-beta.2, 1",
    "1.0.0-rc.1, 1.0.0-rc.1.1, -1",
    "1.0.0+build.1, 1.0.0+build.2, 0",
    "1.10.0, 1.9.0, 1",
  })
  void compare_versions_followSemverPrecedence(String a, String b, int want) {
    assertThat(call("semver.compare", StringValue.of(a), StringValue.of(b)))
        .isEqualTo(NumberValue.of(want));
  }

  @ParameterizedTest
  @CsvSource({
    "1.0.0, true",
    "1, false",
    "1.0, false",
    "1.0.0-, true",
    "1.0.0-a..b, false",
    "v1.0.0, false",
    "1.0.0+meta-data.1, true",
  })
  void isValid_strings_followOpaParser(String v, boolean want) {
    assertThat(call("semver.is_valid", StringValue.of(v))).isEqualTo(BooleanValue.of(want));
  }

  @Test
  void compare_invalid_namesOperand() {
    assertThat(call("semver.is_valid", "1")).isEqualTo(Json.parse("false"));
    assertThatThrownBy(() -> call("semver.compare", "\"1\"", "\"1.0.0\""))
        .hasMessage("operand 1: string \"1\" is not a valid SemVer");
    assertThatThrownBy(() -> call("semver.compare", "\"1.0.0\"", "\"1\""))
        .hasMessage("operand 2: string \"1\" is not a valid SemVer");
  }
}
