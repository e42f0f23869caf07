package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.BundleSource;
import dev.vigil.identity.RevocationList;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509SvidValidator;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil agent} as its own process: it joins with a one-time token, holds and stores its own
 * SVID, serves metrics, resumes after a restart without the token, and refuses the token a second
 * time.
 */
class AgentProcessTest {

  @TempDir Path tmp;

  private String data() {
    return tmp.resolve("data").toString();
  }

  private Path keyFile() throws Exception {
    Path k = tmp.resolve("ca.key");
    if (!Files.exists(k)) {
      Files.writeString(k, "cd".repeat(32));
    }
    return k;
  }

  private static int freePort() throws Exception {
    return dev.vigil.testkit.FreePorts.next();
  }

  private Process agent(String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "agent",
                "--data-dir",
                data(),
                "--ca-key-file",
                keyFile().toString(),
                "--socket",
                tmp.resolve("agent.sock").toString()));
    cmd.addAll(List.of(extra));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads the process's output until a line starts with {@code prefix}; returns that line. */
  private static String awaitLine(Process p, String prefix) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    p.destroyForcibly();
    throw new AssertionError("no line starting with \"" + prefix + "\" in:\n" + seen);
  }

  private static void stop(Process p) throws Exception {
    p.destroy();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  private X509Certificate storedLeaf() throws Exception {
    byte[] pem = Files.readAllBytes(tmp.resolve("data/agent/svid.pem"));
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
  }

  @Test
  void agent_joinsHoldsItsSvidResumesAndRefusesTheTokenTwice() throws Exception {
    // A join token goes into an existing node's store; the first issue creates this one.
    CliRun node =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/setup",
            "--out",
            tmp.resolve("setup").toString(),
            "--data-dir",
            data(),
            "--ca-key-file",
            keyFile().toString());
    assertThat(node.status()).as(node.err()).isZero();
    CliRun created =
        CliRun.of(
            "identity",
            "join-token",
            "create",
            "--trust-domain",
            "prod.example",
            "--data-dir",
            data(),
            "--ca-key-file",
            keyFile().toString());
    assertThat(created.status()).as(created.err()).isZero();
    String token = created.out().strip();
    int metricsPort = freePort();

    Process first = agent("--join-token", token, "--metrics-addr", "127.0.0.1:" + metricsPort);
    String agentId;
    try {
      String holding = awaitLine(first, "vigil agent: holding ");
      agentId = holding.split(" ")[3];
      assertThat(agentId).startsWith("spiffe://prod.example/vigil/agent/");
      awaitLine(first, "vigil agent: metrics on ");
      String scrape =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(scrape)
          .contains("vigil_identity_root_earliest_expiry_seconds{trust_domain=\"prod.example\"}");
    } finally {
      stop(first);
    }
    String bundleJson =
        CliRun.of(
                "identity",
                "bundle",
                "prod.example",
                "--data-dir",
                data(),
                "--ca-key-file",
                keyFile().toString())
            .out();
    TrustBundle bundle = TrustBundle.parse(new TrustDomain("prod.example"), bundleJson);
    X509SvidValidator validator =
        new X509SvidValidator(BundleSource.of(bundle), RevocationList.NONE, InstantSource.system());
    X509Certificate joined = storedLeaf();
    assertThat(validator.validate(List.of(joined))).isEqualTo(SpiffeId.parse(agentId));

    Process resumed = agent();
    try {
      assertThat(awaitLine(resumed, "vigil agent: holding ")).contains(agentId);
    } finally {
      stop(resumed);
    }
    assertThat(storedLeaf().getSerialNumber()).isNotEqualTo(joined.getSerialNumber());

    Process reused = agent("--join-token", token);
    String refusal = awaitLine(reused, "vigil agent: ");
    assertThat(reused.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(reused.exitValue()).isEqualTo(1);
    assertThat(refusal).contains("was already used").doesNotContain(token);
  }
}
