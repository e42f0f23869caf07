package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.JsonException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One-line descriptions of file failures name the file and do not call a write a read. */
class CliErrorsTest {

  @TempDir Path tmp;

  @Test
  void describe_fileWhereADirectoryIsNeeded_saysSo() throws Exception {
    Path file = Files.writeString(tmp.resolve("out"), "x");

    assertThat(CliErrors.describe(new FileAlreadyExistsException(file.toString())))
        .isEqualTo(file + ": already exists as a file");
  }

  @Test
  void describe_accessDenied_namesTheFile() {
    assertThat(CliErrors.describe(new AccessDeniedException("/etc/x")))
        .isEqualTo("/etc/x: permission denied");
  }

  @Test
  void describe_otherIoFailure_isNotCalledARead() {
    assertThat(CliErrors.describe(new IOException("disk full")))
        .isEqualTo("input/output error: disk full");
  }

  @Test
  void describe_jsonErrorWithoutPlace_givesNoBogusPosition() {
    assertThat(CliErrors.describe(new JsonException("stream ended", 0, 0)))
        .isEqualTo("invalid JSON: stream ended");
    assertThat(CliErrors.describe(new JsonException("bad token", 3, 7)))
        .isEqualTo("invalid JSON at 3:7: bad token");
  }

  @Test
  void identityIssue_outIsAFile_namesIt() throws Exception {
    Path file = Files.writeString(tmp.resolve("afile"), "x");

    CliRun r =
        CliRun.of(
            "identity",
            "issue",
            "--data-dir",
            tmp.resolve("data").toString(),
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--out",
            file.toString(),
            "--insecure-dev");

    assertThat(r.status()).isNotZero();
    assertThat(r.err()).contains(file + ": already exists as a file").doesNotContain("\tat ");
    assertThat(Files.readString(file)).isEqualTo("x");
  }
}
