package dev.vigil.identity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's Prometheus endpoint over a real socket, and the binder another process registers. */
class MetricsEndpointTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @TempDir Path dir;
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");

  private static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    assertThat(m.find()).as("series %s in%n%s", series, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void scrape_afterIssuingAndOneFailure_showsCountsAndRootExpiry() throws Exception {
    try (Store st = Store.open(StoreLocation.embedded(dir));
        HttpClient http = HttpClient.newHttpClient()) {
      Identities ids =
          new Identities(
              st,
              CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
              InstantSource.system(),
              CaConfig.defaults());
      ids.issueX509(web, List.of(), null);
      SimpleMeterRegistry alsoBound = new SimpleMeterRegistry();
      ids.meterBinder().bindTo(alsoBound);
      try (MetricsEndpoint endpoint =
          MetricsEndpoint.start(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ids.meterBinder())) {
        ids.issueX509(web, List.of(), null);
        ids.issueX509(web, List.of(), null);
        assertThatThrownBy(() -> ids.issueJwt(web, List.of(), null))
            .isInstanceOf(IllegalArgumentException.class);

        HttpResponse<String> resp =
            http.send(
                HttpRequest.newBuilder(endpoint.uri()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(resp.statusCode()).isEqualTo(200);
        String body = resp.body();
        String td = "trust_domain=\"prod.example\"";
        assertThat(
                sample(body, "vigil_identity_credentials_issued_total{" + td + ",type=\"x509\"}"))
            .isEqualTo(2.0);
        assertThat(
                sample(body, "vigil_identity_credentials_failures_total{" + td + ",type=\"jwt\"}"))
            .isEqualTo(1.0);
        double expiry = sample(body, "vigil_identity_root_earliest_expiry_seconds{" + td + "}");
        assertThat(expiry)
            .isPositive()
            .isLessThanOrEqualTo(CaConfig.defaults().caTtl().toSeconds());
        assertThat(alsoBound.get("vigil.identity.credentials.issued").counter().count())
            .isEqualTo(2.0);
      }
    }
  }

  /**
   * Regression: served by the JDK's HTTP server, the metrics took a field folded over two lines
   * (obsolete line folding, RFC 9112 §5.2), where every other Vigil listener refuses it with 400.
   * Raw bytes over a real socket: the folded head is refused, the plain one served.
   */
  @Test
  void scrape_foldedField_refused400_plainHeadServed() throws Exception {
    try (MetricsEndpoint m =
        MetricsEndpoint.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new SimpleBinder())) {
      int port = m.uri().getPort();

      String folded = raw(port, "GET /metrics HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n");
      String bareLf = raw(port, "GET /metrics HTTP/1.1\nHost: a\n\n");
      String plain = raw(port, "GET /metrics HTTP/1.1\r\nHost: a\r\nX-A: 1 2\r\n\r\n");

      assertThat(folded).startsWith("HTTP/1.1 400 ").contains("obsolete line folding");
      assertThat(bareLf).startsWith("HTTP/1.1 400 ");
      assertThat(plain).startsWith("HTTP/1.1 200 ").contains("vigil_test_gauge");
    }
  }

  /** Binds one gauge, so that a scrape has a line of its own to look for. */
  private static final class SimpleBinder
      implements io.micrometer.core.instrument.binder.MeterBinder {
    @Override
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
      io.micrometer.core.instrument.Gauge.builder("vigil.test.gauge", () -> 1).register(registry);
    }
  }

  private static String raw(int port, String head) throws Exception {
    try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
