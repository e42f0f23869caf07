package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TotpTest {

  /** RFC 6238 appendix B vectors (SHA-1), last six digits. */
  @ParameterizedTest
  @CsvSource({
    "59, 287082",
    "1111111109, 081804",
    "1111111111, 050471",
    "1234567890, 005924",
    "2000000000, 279037",
    "20000000000, 353130"
  })
  void code_rfc6238Vectors(long seconds, String want) {
    String secret = Totp.base32("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
    InstantSource at = InstantSource.fixed(Instant.ofEpochSecond(seconds));

    assertThat(Totp.code(secret, at)).isEqualTo(want);
  }

  @Test
  void matchStep_acceptsOneStepOfSkewOnly() {
    String secret = Totp.newSecret();
    InstantSource t0 = InstantSource.fixed(Instant.ofEpochSecond(3_000_000));
    String code = Totp.code(secret, t0);

    assertThat(Totp.matchStep(secret, code, InstantSource.fixed(Instant.ofEpochSecond(3_000_029))))
        .isEqualTo(100_000);
    assertThat(Totp.matchStep(secret, code, InstantSource.fixed(Instant.ofEpochSecond(3_000_030))))
        .isEqualTo(100_000);
    assertThat(Totp.matchStep(secret, code, InstantSource.fixed(Instant.ofEpochSecond(3_000_060))))
        .isEqualTo(-1);
    assertThat(Totp.matchStep(secret, "12345", t0)).isEqualTo(-1);
    assertThat(Totp.matchStep(secret, null, t0)).isEqualTo(-1);
  }

  @Test
  void code_emptySecret_refusedSayingSo() {
    for (String empty : new String[] {"", "  ", "===="}) {
      assertThatThrownBy(() -> Totp.code(empty, InstantSource.system()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("TOTP secret is empty");
    }
  }

  @Test
  void base32_roundTripsAndRefusesOtherCharacters() {
    byte[] b = "any bytes at all".getBytes(StandardCharsets.UTF_8);

    assertThat(Totp.base32Decode(Totp.base32(b))).isEqualTo(b);
    assertThatThrownBy(() -> Totp.base32Decode("ABC1")).hasMessageContaining("'1'");
  }
}
