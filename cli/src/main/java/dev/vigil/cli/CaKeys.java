package dev.vigil.cli;

import dev.vigil.identity.CaKeyCipher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * Chooses the key that seals the device CA's private key: a key file when one is given, else
 * {@value CaKeyCipher#ENV}, else for an embedded store the file {@value #FILE} in the data
 * directory (the same file {@code vigil up} seals its CAs with), made on first use so that it works
 * with no setup. That last one keeps the CA key encrypted in the database but beside its key;
 * production sets the variable.
 */
final class CaKeys {

  static final String FILE = "ca.key";

  private CaKeys() {}

  /**
   * Returns the cipher for CA keys.
   *
   * @param dataDir the data directory of an embedded store, or null for a shared store
   * @param keyFile a key file given on the command line, or null
   * @throws IllegalStateException when a shared store is used and no key is given
   */
  static CaKeyCipher cipher(Map<String, String> env, Path dataDir, Path keyFile)
      throws IOException {
    String fromEnv = env.get(CaKeyCipher.ENV);
    if (keyFile != null || (fromEnv != null && !fromEnv.isBlank()) || dataDir == null) {
      return CaKeyCipher.configured(env, keyFile);
    }
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      // Only into a data directory that is there: a missing one is a mistyped --data-dir.
      Files.createFile(file);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the key keeps the directory's default permissions.
      }
      Files.writeString(file, HexFormat.of().formatHex(key) + "\n");
    }
    return CaKeyCipher.configured(env, file);
  }
}
