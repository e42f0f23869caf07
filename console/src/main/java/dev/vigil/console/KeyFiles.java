package dev.vigil.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * Secret keys kept as files in the data directory: created once with random bytes, readable by the
 * owner only, and read back unchanged at every start.
 */
public final class KeyFiles {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFiles() {}

  /**
   * Returns the key in {@code file}, creating it with {@code length} random bytes when missing.
   *
   * @throws IllegalStateException when the file exists with another length (it is left as it is)
   * @throws IOException when it cannot be read or written
   */
  public static byte[] loadOrCreate(Path file, int length) throws IOException {
    if (Files.exists(file)) {
      byte[] k = Files.readAllBytes(file);
      if (k.length != length) {
        throw new IllegalStateException(
            file
                + " is damaged (expected "
                + length
                + " bytes, found "
                + k.length
                + "); restore it from a backup, or remove it to start that key over");
      }
      return k;
    }
    byte[] k = new byte[length];
    RANDOM.nextBytes(k);
    writePrivate(file, k);
    return k;
  }

  /**
   * Writes a file readable by its owner only, whole or not at all (temporary file, then rename).
   */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, content);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the file keeps the default permissions.
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
