package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.pdp.ServerTls;
import dev.vigil.testkit.OpensslCerts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil up} with {@code control_plane.tls_cert} and {@code tls_key}: OPA's API, the console
 * and the external-authorization endpoints are served over TLS only, the banner says so, and {@code
 * vigil insight drift} reaches the node over TLS by trusting the node's own certificate. The key
 * file is SEC 1, as {@code openssl ec} writes it.
 */
class UpControlPlaneTlsTest {

  @TempDir static Path tmp;
  private static UpProcess up;
  private static List<String> banner;
  private static HttpClient trusting;

  @BeforeAll
  static void start() throws Exception {
    up = new UpProcess(tmp);
    Path pair = Files.createDirectories(tmp.resolve("tls"));
    ServerCertificate.selfSigned(pair, Instant.now());
    Path cert = pair.resolve(ServerCertificate.CERT_FILE);
    // The key as `openssl ec` writes it (SEC 1): once refused here, though gateway.tls_key took it.
    new OpensslCerts(pair).openssl("ec", "-in", ServerCertificate.KEY_FILE, "-out", "sec1.key");
    String addr = "  addr: 127.0.0.1:" + up.controlPlane + "\n";
    // The file names the data directory --data-dir gives the node, for drift to find its token.
    Files.writeString(
        up.config,
        Files.readString(up.config)
            .replaceFirst("(?m)^data_dir: .*$", "data_dir: " + up.dataDir)
            .replace(
                addr,
                addr + "  tls_cert: " + cert + "\n  tls_key: " + pair.resolve("sec1.key") + "\n"));
    banner = up.start();
    trusting =
        HttpClient.newBuilder().sslContext(ServerTls.trusting(cert, "the test's cert")).build();
  }

  @AfterAll
  static void stop() throws Exception {
    up.close();
  }

  private static String controlPlane(String scheme) {
    return scheme + "://127.0.0.1:" + up.controlPlane;
  }

  @Test
  void banner_namesTheHttpsUrl() {
    assertThat(banner)
        .anySatisfy(
            l -> assertThat(l).startsWith("vigil up: control plane   " + controlPlane("https")))
        .anySatisfy(
            l ->
                assertThat(l)
                    .isEqualTo("vigil up: console         " + controlPlane("https") + "/console/"));
  }

  @Test
  void api_overTls_answers() throws Exception {
    HttpResponse<String> health = health(trusting, "https");

    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  /** Asks for /health with {@code client} over {@code scheme}. */
  private static HttpResponse<String> health(HttpClient client, String scheme) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(controlPlane(scheme) + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void api_plainHttp_isNotServed() {
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(() -> health(plain, "http")).isInstanceOf(IOException.class);
  }

  @Test
  void api_clientThatDoesNotTrustTheCertificate_isRefusedAtTheHandshake() {
    HttpClient jdkDefaults = HttpClient.newHttpClient();

    assertThatThrownBy(() -> health(jdkDefaults, "https")).isInstanceOf(IOException.class);
  }

  /**
   * drift asks the node for what was written through the OPA API: over TLS, with the node's own
   * certificate from the configuration as its only trust. A node it could not ask would be named in
   * a note.
   */
  @Test
  void insightDrift_asksTheNodeOverTls() {
    CliRun drift = CliRun.of("insight", "drift", "--config", up.config.toString());

    assertThat(drift.status()).as(drift.out() + drift.err()).isEqualTo(0);
    assertThat(drift.out()).contains(": 0 findings").doesNotContain("note:");
  }

  @Test
  void insightCerts_listsTheControlPlaneCertificate() {
    CliRun certs = CliRun.of("insight", "certs", "--config", up.config.toString());

    assertThat(certs.out())
        .as(certs.err())
        .containsPattern("ok +\\d+d +tls +control_plane.tls_cert\\[0\\] +leaf");
  }
}
