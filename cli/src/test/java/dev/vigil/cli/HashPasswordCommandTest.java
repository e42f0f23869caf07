package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code vigil hash-password} refuses what the console's password page refuses. */
class HashPasswordCommandTest {

  private static CliRun hash(String stdin) {
    InputStream before = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
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

  @Test
  void hashPassword_goodPassword_printsAnArgon2idHash() {
    CliRun r = hash("correct horse battery\n");

    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("$argon2id$");
  }
}
