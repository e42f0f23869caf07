package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaKeyCipherTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @Test
  void configured_noKeyAnywhere_refusesAndSaysHow() {
    assertThatThrownBy(() -> CaKeyCipher.configured(Map.of(), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("VIGIL_CA_KEY")
        .hasMessageContaining("--insecure-dev");
  }

  @Test
  void configured_shortKey_isRejected() {
    assertThatThrownBy(() -> CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", "abcd"), null))
        .hasMessageContaining("32 bytes");
  }

  @Test
  void configured_keyFile_isUsed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("ca.key");
    Files.writeString(f, HEX + "\n");
    CaKeyCipher c = CaKeyCipher.configured(Map.of(), f);
    String sealed = c.seal(new byte[] {1, 2, 3}, "td/ca/x509");
    assertThat(CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null).open(sealed, "td/ca/x509"))
        .containsExactly(1, 2, 3);
  }

  @Test
  void seal_thenOpen_roundTripsAndHidesPlaintext() {
    CaKeyCipher c = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
    byte[] secret = "private key bytes".getBytes();
    String sealed = c.seal(secret, "a");
    assertThat(sealed)
        .startsWith("v1:")
        .doesNotContain(java.util.Base64.getEncoder().encodeToString(secret));
    assertThat(c.open(sealed, "a")).isEqualTo(secret);
  }

  @Test
  void open_otherCaId_isRefused() {
    CaKeyCipher c = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
    String sealed = c.seal(new byte[] {9}, "prod/1/x509");
    assertThatThrownBy(() -> c.open(sealed, "staging/1/x509"))
        .hasMessageContaining("cannot decrypt the key of CA staging/1/x509");
  }

  @Test
  void open_wrongKey_isRefusedNamingWhereTheKeyCameFrom(@TempDir Path dir) throws Exception {
    String sealed = CaKeyCipher.ofKey(new byte[32]).seal(new byte[] {9}, "a");
    CaKeyCipher fromEnv = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
    Path file = dir.resolve("ca.key");
    Files.writeString(file, HEX);
    CaKeyCipher fromFile = CaKeyCipher.configured(Map.of(), file);

    assertThatThrownBy(() -> fromEnv.open(sealed, "a"))
        .hasMessage(
            "cannot decrypt the key of CA a with VIGIL_CA_KEY: another key sealed it, or the store"
                + " was tampered with");
    assertThatThrownBy(() -> fromFile.open(sealed, "a"))
        .hasMessageContaining("with key file " + file + ": another key sealed it");
  }

  @Test
  void open_plaintextWithKeyConfigured_isRefused() {
    String plain = CaKeyCipher.insecurePlaintext().seal(new byte[] {9}, "a");
    assertThat(plain).startsWith("INSECURE-PLAINTEXT:");
    CaKeyCipher c = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
    assertThatThrownBy(() -> c.open(plain, "a")).hasMessageContaining("stored unencrypted");
  }
}
