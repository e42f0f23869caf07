package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File faults read as a reason and the file the user named, never a bare path or class name. */
class FileProblemsTest {

  @TempDir Path tmp;

  @Test
  void reason_jdkExceptionsWhoseMessageIsOnlyThePath_givesTheReason() {
    assertThat(FileProblems.reason(new NoSuchFileException("/a/b")))
        .isEqualTo("no such file or directory");
    assertThat(FileProblems.reason(new AccessDeniedException("/a/b")))
        .isEqualTo("permission denied");
    assertThat(FileProblems.reason(new FileSystemException("/a/b", null, "Read-only file system")))
        .isEqualTo("read-only file system");
    assertThat(FileProblems.reason(new IOException("Is a directory"))).isEqualTo("is a directory");
  }

  @Test
  void describe_temporaryFileInAMissingFolder_namesTheTargetAndTheFolder() {
    Path target = tmp.resolve("gone/token");

    String d = FileProblems.describe(target, new NoSuchFileException(target + ".tmp"));

    assertThat(d).isEqualTo(target + ": folder " + tmp.resolve("gone") + " does not exist");
  }

  @Test
  void describe_temporaryFileBesideTheTarget_namesTheTargetNotTheTemporaryFile() {
    Path target = tmp.resolve("b.tar.gz");

    String d =
        FileProblems.describe(
            target, new AccessDeniedException(tmp.resolve(".x123.tmp").toString()));

    assertThat(d).isEqualTo(target + ": cannot write in folder " + tmp + ": permission denied");
  }

  @Test
  void describe_folderThatIsAFile_saysSo() throws Exception {
    Path file = Files.writeString(tmp.resolve("afile"), "x");
    Path target = file.resolve("b.tar.gz");

    String d =
        FileProblems.describe(
            target, new java.nio.file.FileAlreadyExistsException(file.toString()));

    assertThat(d).isEqualTo(target + ": " + file + " is a file, not a folder");
  }

  @Test
  void describe_faultOnTheTargetItself_givesItsReason() {
    Path target = tmp.resolve("x.json");

    assertThat(FileProblems.describe(target, new NoSuchFileException(target.toString())))
        .isEqualTo(target + ": no such file or directory");
  }
}
