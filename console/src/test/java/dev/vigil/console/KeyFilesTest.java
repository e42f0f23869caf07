package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's key files: made private, read back, and named when they cannot be. */
class KeyFilesTest {

  @TempDir Path tmp;

  @Test
  void loadOrCreate_directoryWhereTheKeyShouldBe_failureNamesTheFile() throws Exception {
    // Reading a directory fails with "Is a directory" alone; vigil up printed
    // "input/output error: Is a directory" without saying which of its files.
    Path key = Files.createDirectory(tmp.resolve("session.key"));

    assertThatThrownBy(() -> KeyFiles.loadOrCreate(key, 32))
        .isInstanceOfSatisfying(
            FileSystemException.class, e -> assertThat(e.getFile()).isEqualTo(key.toString()));
  }

  @Test
  void loadOrCreate_missing_madeOwnerOnlyAndReadBack() throws Exception {
    Path key = tmp.resolve("console.key");

    byte[] made = KeyFiles.loadOrCreate(key, 32);

    assertThat(Files.getPosixFilePermissions(key))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(KeyFiles.loadOrCreate(key, 32)).isEqualTo(made);
    assertThat(tmp.resolve("console.key.tmp")).doesNotExist();
  }
}
