package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code vigil totp} takes the secrets a user's {@code totp_secret} takes, and no others. */
class TotpCommandTest {

  /** "vigil totp abc" printed a code for a secret the configuration refuses as too short. */
  @Test
  void totp_secretTheConfigurationRefuses_isRefusedNamingWhy() {
    CliRun r = CliRun.of("totp", "ABC");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("vigil totp: TOTP secret is too short: at least 16 base32");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void totp_secretOf16Characters_printsSixDigits() {
    CliRun r = CliRun.of("totp", "JBSWY3DPEHPK3PXP");

    assertThat(r.status()).isZero();
    assertThat(r.out().strip()).matches("\\d{6}");
  }
}
