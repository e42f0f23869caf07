package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: some failures of the identity, agent and device commands printed a bare "vigil:", a
 * Java class name or a mangled argument instead of what was wrong. Each case runs the command as a
 * user does and checks what is printed and the exit status.
 */
class IdentityErrorsTest {

  @TempDir Path dir;
  private Path keyFile;
  private String data;

  @BeforeEach
  void node() throws Exception {
    keyFile = Files.writeString(dir.resolve("ca.key"), "ab".repeat(32));
    data = dir.resolve("data").toString();
    CliRun r =
        CliRun.of(
            "identity",
            "issue",
            "--data-dir",
            data,
            "--ca-key-file",
            keyFile.toString(),
            "--spiffe-id",
            "spiffe://prod.example/setup",
            "--out",
            dir.resolve("setup").toString());
    assertThat(r.status()).as(r.err()).isZero();
  }

  private static void assertClear(CliRun r, int status, String message) {
    assertThat(r.status()).as(r.err()).isEqualTo(status);
    assertThat(r.err())
        .contains(message)
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContainPattern("(?m)^vigil:\\s*$");
  }

  /** A CA key file that cannot be read named java.io.IOException, in every command taking one. */
  @Test
  void caKeyFileIsADirectory_saysWhyWithoutAClassName_inEveryCommand() throws Exception {
    Path notAFile = Files.createDirectory(dir.resolve("key-dir"));
    String expected = "cannot read CA key file " + notAFile + ": is a directory";
    String key = notAFile.toString();

    assertClear(
        CliRun.of("identity", "bundle", "prod.example", "--data-dir", data, "--ca-key-file", key),
        1,
        expected);
    assertClear(
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--out",
            dir.resolve("web").toString(),
            "--data-dir",
            data,
            "--ca-key-file",
            key),
        1,
        expected);
    assertClear(
        CliRun.of(
            "agent",
            "--data-dir",
            data,
            "--ca-key-file",
            key,
            "--socket",
            dir.resolve("a.sock").toString()),
        1,
        expected);
    assertClear(
        CliRun.of("device", "token", "--data-dir", data, "--ca-key-file", key), 1, expected);
  }

  @Test
  void revoke_svidFileIsADirectory_namesTheFile() throws Exception {
    Path notAFile = Files.createDirectory(dir.resolve("svid-dir"));

    assertClear(
        CliRun.of(
            "identity",
            "revoke",
            notAFile.toString(),
            "--data-dir",
            data,
            "--ca-key-file",
            keyFile.toString()),
        Vigil.EXIT_USAGE,
        "vigil identity revoke: " + notAFile + ": is a directory");
  }

  /** An SVID for a SPIFFE ID without a path was refused as an internal failure (exit 1). */
  @Test
  void issue_spiffeIdWithoutAPath_refusedAsBadInput() {
    assertClear(
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example",
            "--out",
            dir.resolve("web").toString(),
            "--data-dir",
            data,
            "--ca-key-file",
            keyFile.toString()),
        Vigil.EXIT_USAGE,
        "vigil identity issue: SPIFFE ID spiffe://prod.example has no path");
  }

  /** A data directory that is a file said "cannot be created: PATH", the path twice, no reason. */
  @Test
  void issue_dataDirIsAFile_saysItIsAFile() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");

    assertClear(
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--out",
            dir.resolve("web").toString(),
            "--data-dir",
            file.toString(),
            "--ca-key-file",
            keyFile.toString()),
        1,
        "data directory " + file + " cannot be created: " + file + " is a file");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  /** A bundle endpoint that cannot be reached was named as a path: "https:/127.0.0.1:N". */
  @Test
  void federate_endpointUnreachable_namesTheUrlAsGiven() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "https://127.0.0.1:" + port + "/";

    assertClear(
        CliRun.of(
            "identity",
            "federate",
            "other.example",
            "--bundle",
            url,
            "--data-dir",
            data,
            "--ca-key-file",
            keyFile.toString()),
        Vigil.EXIT_USAGE,
        "vigil identity federate: --bundle " + url + ": ");
  }

  /** A busy --metrics-addr gave the JDK's "Address already in use" without saying it listens. */
  @Test
  void agent_metricsPortInUse_saysItCannotListen() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String addr = "127.0.0.1:" + taken.getLocalPort();

      assertClear(
          CliRun.of(
              "agent",
              "--data-dir",
              data,
              "--ca-key-file",
              keyFile.toString(),
              "--socket",
              dir.resolve("a.sock").toString(),
              "--metrics-addr",
              addr),
          1,
          "vigil agent: --metrics-addr " + addr + ": cannot listen: address already in use");
    }
  }

  @Test
  void describe_failureWithoutWords_saysWhatHappened() {
    assertThat(CliErrors.describe(new NullPointerException()))
        .startsWith("internal error (NullPointerException without a message)");
    assertThat(CliErrors.describe(new RuntimeException("")))
        .startsWith("internal error (RuntimeException");
    assertThat(CliErrors.describe(new CompletionException(new AccessDeniedException("/x"))))
        .isEqualTo("/x: permission denied");
  }
}
