package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitsBuiltinsTest {

  @ParameterizedTest
  @CsvSource({
    "10K, 10000",
    "10k, 10000",
    "1Ki, 1024",
    "1KI, 1024",
    "4M, 4000000",
    "1500m, 1.5",
    "1m, 0.001",
    "0.5Gi, 536870912",
    "1e3, 1000",
    "2, 2",
    "1.5E, 1500000000000000000",
    "\"\"\"100TI\"\"\", 109951162777600",
    ".0, 0",
    "1.1Ki, 1126.4",
    "500m, 0.5",
    "0.0005K, 0.5",
    "0.0000005M, 0.5",
    "10e, 10000000000000000000",
    "10Ei, 11529215046068469760",
  })
  void parse_amounts_matchOpa(String s, String want) {
    assertThat(call("units.parse", StringValue.of(s))).isEqualTo(Json.parse(want));
  }

  @ParameterizedTest
  @CsvSource({
    "10GB, 10000000000",
    "5K, 5000",
    "4mb, 4000000",
    "1.5KiB, 1536",
    "1Mi, 1048576",
    "100, 100",
    "\"\"\"12\"\"\", 12",
  })
  void parseBytes_amounts_matchOpa(String s, String want) {
    assertThat(call("units.parse_bytes", StringValue.of(s))).isEqualTo(Json.parse(want));
  }

  @Test
  void parse_badInputs_failWithOpaMessagesLessTheName() {
    assertThatThrownBy(() -> call("units.parse", StringValue.of("1 K")))
        .hasMessage("spaces not allowed in resource strings");
    assertThatThrownBy(() -> call("units.parse", StringValue.of("K")))
        .hasMessage("no amount provided");
    assertThatThrownBy(() -> call("units.parse", StringValue.of("foo")))
        .hasMessage("no amount provided");
    assertThatThrownBy(() -> call("units.parse", StringValue.of(".5.2")))
        .hasMessage("could not parse amount to a number");
    assertThatThrownBy(() -> call("units.parse", StringValue.of("1Q")))
        .hasMessage("unit Q not recognized");
    assertThatThrownBy(() -> call("units.parse_bytes", StringValue.of("1.2.3kb")))
        .hasMessage("could not parse byte amount to a number");
    assertThatThrownBy(() -> call("units.parse_bytes", StringValue.of("1e1234567")))
        .hasMessage("exponent too large");
  }
}
