package dev.vigil.console;

import dev.vigil.pdp.FileProblems;
import java.io.IOException;
import java.nio.file.FileSystemException;
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
   * @throws IOException when it cannot be read or written; a {@link FileSystemException} that names
   *     the file (reading a directory fails without naming it)
   */
  public static byte[] loadOrCreate(Path file, int length) throws IOException {
    if (Files.exists(file)) {
      byte[] k = read(file);
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

  private static byte[] read(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw new FileSystemException(file.toString(), null, FileProblems.reason(e));
    }
  }

  /**
   * Writes a file readable by its owner only, whole or not at all (temporary file, then rename).
   * The temporary file is made with those permissions, so the secret is never readable by others,
   * not even while it is written.
   */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the file keeps the default permissions.
      Files.createFile(tmp);
    }
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
