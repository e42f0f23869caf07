package dev.vigil.httpkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationTextTest {

  @ParameterizedTest
  @CsvSource({
    "1h30m, 5400000",
    "90s, 90000",
    "2h, 7200000",
    "500ms, 500",
    "1d2h3m4s5ms, 93784005",
    "1h90m, 9000000",
    "' 30m ', 1800000",
    "0s, 0",
    "007m, 420000",
    "36500d, 3153600000000"
  })
  void parse_goCompoundForms_read(String text, long millis) {
    assertThat(DurationText.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-5m | \"-5m\" is negative",
        "1.5h | \"1.5h\" has a fraction; write whole units, like 1h30m",
        "30 | \"30\" has no unit after 30",
        "soon | \"soon\" is not a duration; write a number and a unit (d, h, m, s, ms)",
        "1H | \"1H\" is not a duration",
        "10us | \"10us\" is not a duration",
        "30m1h | \"30m1h\" repeats a unit or puts a smaller one first",
        "1h1h | \"1h1h\" repeats a unit",
        "1h 30m | \"1h 30m\" is not a duration",
        "+1h | \"+1h\" is not a duration",
        "36501d | \"36501d\" is too long: at most 36500d",
        "36500d1ms | \"36500d1ms\" is too long: at most 36500d",
        "99999999999999999999h | \"99999999999999999999h\" is too long: at most 36500d",
        "9999999999999999d | \"9999999999999999d\" is too long"
      })
  void parse_badText_refusedQuotingIt(String text, String message) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void parse_emptyOrNull_refused() {
    assertThatThrownBy(() -> DurationText.parse("  ")).hasMessageStartingWith("\"\" is not");
    assertThatThrownBy(() -> DurationText.parse(null)).hasMessageStartingWith("\"\" is not");
  }

  @Test
  void positive_zero_refused() {
    assertThatThrownBy(() -> DurationText.positive("0m"))
        .hasMessage("\"0m\" must be longer than 0");
    assertThat(DurationText.positive("1ms")).isEqualTo(Duration.ofMillis(1));
  }

  @ParameterizedTest
  @CsvSource({"5400000, 1h30m", "86400000, 24h", "0, 0s", "1500, 1s500ms", "864000000, 10d"})
  void format_largestUnitsFirst_readsBack(long millis, String text) {
    assertThat(DurationText.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(DurationText.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
