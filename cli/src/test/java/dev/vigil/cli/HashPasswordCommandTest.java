package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code vigil hash-password} refuses what the console's password page refuses. */
class HashPasswordCommandTest {

  private static CliRun hash(String stdin) {
    return hash(stdin.getBytes(StandardCharsets.UTF_8));
  }

  private static CliRun hash(byte[] stdin) {
    InputStream before = System.in;
    System.setIn(new ByteArrayInputStream(stdin));
    try {
      return CliRun.of("hash-password");
    } finally {
      System.setIn(before);
    }
  }

  @Test
  void hashPassword_spacesOnly_isRefusedNamingTheInput() {
    CliRun r = hash(" ".repeat(12) + "\n");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("the password on standard input must not be blank or only spaces");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void hashPassword_fewDifferentCharacters_isRefused() {
    CliRun r = hash("aaaaaaaaaaaa\n");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("at least 6 different characters, not 1");
  }

  /**
   * Regression: Latin-1 bytes were read as U+FFFD and hashed, so "pässwörd" typed in a Latin-1
   * terminal made a hash no browser's UTF-8 password matches, the same hash as "püsswérd".
   */
  @Test
  void hashPassword_notUtf8_isRefusedNamingTheEncoding() {
    CliRun r = hash("p\u00e4ssw\u00f6rd123\n".getBytes(StandardCharsets.ISO_8859_1));

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("the password on standard input is not UTF-8 text");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void hashPassword_utf8OutsideAscii_isHashed() {
    CliRun r = hash("p\u00e4ssw\u00f6rd123\n");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("$argon2id$");
  }

  @Test
  void hashPassword_goodPassword_printsAnArgon2idHash() {
    CliRun r = hash("correct horse battery\n");

    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("$argon2id$");
  }
}
