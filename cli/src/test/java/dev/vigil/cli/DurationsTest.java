package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations given on the command line, the absurd ones included. */
class DurationsTest {

  @Test
  void positive_compoundForm_readAsInTheConfiguration() {
    // Regression: the command line took one number and unit only, while vigil.yaml and access
    // requests took 1h30m.
    assertThat(Durations.positive("--ttl", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.positive("--ttl", "500ms")).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void positive_zeroOrNegative_refusedNamingTheOption() {
    assertThatThrownBy(() -> Durations.positive("--ttl", "0s"))
        .hasMessage("--ttl \"0s\" must be longer than 0");
    assertThatThrownBy(() -> Durations.positive("--ttl", "-5m"))
        .hasMessageStartingWith("--ttl \"-5m\" is negative");
  }

  @Test
  void positive_tooLong_refusedNamingTheOption() {
    assertThatThrownBy(() -> Durations.positive("--refresh", "99999999999999999999h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--refresh \"99999999999999999999h\" is too long: at most 36500d");
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
