package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations given on the command line, the absurd ones included. */
class DurationsTest {

  @Test
  void parse_usualForms_read() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("90m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("36500d")).isEqualTo(Duration.ofDays(36500));
  }

  @Test
  void parse_digitsBeyondALong_refusedNamingTheValue() {
    assertThatThrownBy(() -> Durations.parse("99999999999999999999h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"99999999999999999999h\" is too long: at most 36500d");
  }

  @Test
  void parse_overflowOnConversion_refusedNamingTheValue() {
    assertThatThrownBy(() -> Durations.parse("9999999999999999d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"9999999999999999d\" is too long: at most 36500d");
  }

  @Test
  void parse_justOverTheLimit_refused() {
    assertThatThrownBy(() -> Durations.parse("36501d"))
        .hasMessage("\"36501d\" is too long: at most 36500d");
  }

  @Test
  void logsSince_tooLong_refusedNamingTheOption() {
    CliRun r = CliRun.of("logs", "--since", "99999999999999999999h");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil logs: --since \"99999999999999999999h\" is too long")
        .doesNotContain("\tat ");
  }
}
