package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file the user named that cannot be read or written is reported with that file and the reason,
 * in every command. The JDK's file exceptions carry only a path as their message, and commands
 * printed it alone: {@code vigil up: /data/session.key}, {@code vigil build:
 * /out/.vigil-build123.tmp}, {@code --api-token-file … cannot be read or made: /x/tok.tmp}.
 */
class CliFileFaultsTest {

  @TempDir Path tmp;

  private static void assertOneClearLine(CliRun r) {
    assertThat(r.status()).isNotZero();
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void eval_missingInput_saysNoSuchFile() {
    Path input = tmp.resolve("input.json");

    CliRun r = CliRun.of("eval", "-i", input.toString(), "true");

    assertOneClearLine(r);
    assertThat(r.err()).contains(input + ": cannot read: no such file or directory");
  }

  @Test
  void pdp_apiTokenFileInMissingFolder_namesTheFolderNotATemporaryFile() {
    Path token = tmp.resolve("gone/api.token");

    CliRun r =
        CliRun.of(
            "pdp",
            "--data-dir",
            tmp.resolve("d").toString(),
            "--addr",
            "127.0.0.1:0",
            "--api-token-file",
            token.toString());

    assertOneClearLine(r);
    assertThat(r.err())
        .contains(
            "--api-token-file " + token + ": folder " + tmp.resolve("gone") + " does not exist")
        .doesNotContain(".tmp");
  }

  @Test
  void build_outputUnderAFile_namesTheOutputAndTheFile() throws Exception {
    Path policy = Files.createDirectory(tmp.resolve("policy"));
    Files.writeString(policy.resolve("p.rego"), "package p\nallow := true\n");
    Path file = Files.writeString(tmp.resolve("afile"), "x");
    Path out = file.resolve("b.tar.gz");

    CliRun r = CliRun.of("build", policy.toString(), "-o", out.toString());

    assertOneClearLine(r);
    assertThat(r.err()).contains("-o " + out + ": " + file + " is a file, not a folder");
  }

  @Test
  void identityFederate_missingBundleFile_namesTheOptionAndTheReason() {
    Path bundle = tmp.resolve("partner.json");

    // The store must exist for federate: make it with a first issue.
    CliRun issue =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--jwt-audience",
            "db",
            "--data-dir",
            tmp.resolve("d").toString(),
            "--insecure-dev");
    assertThat(issue.status()).isZero();
    CliRun r =
        CliRun.of(
            "identity",
            "federate",
            "partner.example",
            "--bundle",
            bundle.toString(),
            "--data-dir",
            tmp.resolve("d").toString(),
            "--insecure-dev");

    assertOneClearLine(r);
    assertThat(r.err()).contains("--bundle " + bundle + ": no such file or directory");
  }

  @Test
  void up_keyFileThatIsADirectory_namesTheFile() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("data"));
    Files.createDirectory(data.resolve("session.key"));
    Path cfg =
        Files.writeString(
            tmp.resolve("vigil.yaml"),
            "control_plane:\n  addr: 127.0.0.1:0\ngateway:\n  addr: 127.0.0.1:0\n"
                + "  tls_addr: 127.0.0.1:0\n");

    CliRun r = CliRun.of("up", "--config", cfg.toString(), "--data-dir", data.toString());

    assertOneClearLine(r);
    assertThat(r.err()).contains(data.resolve("session.key") + ": is a directory");
  }

  @Test
  void identityIssue_failsPartWay_previousSvidLeftWhole() throws Exception {
    // The chain was written before the key and the bundle: a failure after the first file left a
    // new chain beside files of the previous issue, and the command said it had failed.
    Path out = tmp.resolve("web");
    String[] issue = {
      "identity",
      "issue",
      "--spiffe-id",
      "spiffe://prod.example/web",
      "--out",
      out.toString(),
      "--data-dir",
      tmp.resolve("d").toString(),
      "--insecure-dev"
    };
    assertThat(CliRun.of(issue).status()).isZero();
    String chain = Files.readString(out.resolve("svid.pem"));
    String key = Files.readString(out.resolve("svid.key"));
    Files.delete(out.resolve("bundle.pem"));
    Files.writeString(Files.createDirectory(out.resolve("bundle.pem")).resolve("x"), "x");

    CliRun r = CliRun.of(issue);

    assertOneClearLine(r);
    assertThat(r.err()).contains(out.resolve("bundle.pem") + ": is a directory, not a file");
    assertThat(Files.readString(out.resolve("svid.pem"))).isEqualTo(chain);
    assertThat(Files.readString(out.resolve("svid.key"))).isEqualTo(key);
    try (var left = Files.list(out)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("svid.pem", "svid.key", "bundle.pem");
    }
  }

  @Test
  void upDemo_echoPortInUse_saysSoWithoutCallingItAFileFault() throws Exception {
    // Once vigil up described every IOException as a file fault, this read "input/output error:
    // demo upstream ... cannot start: Address already in use".
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String demo =
          Files.readString(Path.of("../examples/demo/vigil.yaml"))
              .replace("127.0.0.1:8181", "127.0.0.1:" + UpProcess.freePort())
              .replace("127.0.0.1:8080", "127.0.0.1:" + UpProcess.freePort())
              .replace("127.0.0.1:8443", "127.0.0.1:" + UpProcess.freePort())
              .replace("127.0.0.1:9001", "127.0.0.1:" + taken.getLocalPort())
              .replace(
                  "bundle: policies",
                  "bundle: " + Path.of("../examples/demo/policies").toAbsolutePath().normalize());
      Path cfg = Files.writeString(tmp.resolve("vigil.yaml"), demo);

      CliRun r =
          CliRun.of(
              "up",
              "--demo",
              "--config",
              cfg.toString(),
              "--data-dir",
              tmp.resolve("data").toString());

      assertOneClearLine(r);
      assertThat(r.err())
          .contains(
              "vigil up: "
                  + cfg
                  + ":"
                  + (demo.lines().takeWhile(l -> !l.contains("upstream:")).count() + 1)
                  + ": routes[0].upstream: demo upstream 127.0.0.1:"
                  + taken.getLocalPort()
                  + " cannot start: address already in use")
          .doesNotContain("input/output error");
    }
  }
}
