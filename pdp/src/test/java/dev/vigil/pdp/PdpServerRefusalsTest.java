package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.api.OpaApi;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.RawHttp2;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: the control plane's REST listener took a request with two Host headers, or a Host
 * folded over two lines (obsolete line folding, RFC 9112 §5.2), which the gateway refuses; and the
 * HTTP/2 streams its codec reset (h2c is served) left no trace. Both are now refused or logged as
 * the gateway does: 400 before any route, and a denied decision under {@value ServerRefusals#PATH}.
 * Raw sockets and raw HTTP/2 frames against a real server and decision log.
 */
class PdpServerRefusalsTest {

  @TempDir static Path tmp;
  static Store store;
  static PdpServer server;

  @BeforeAll
  static void start() {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    server = PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OpaApi.Options.defaults());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    store.close();
  }

  private static String send(String head) throws Exception {
    try (RawHttp c = RawHttp.connect(server.port())) {
      c.send(head);
      return c.readResponse();
    }
  }

  @Test
  void twoHostHeaders_400AndLogged() throws Exception {
    Instant since = Instant.now();

    String r = send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: admin.internal\r\n\r\n");

    assertThat(r).startsWith("400 ").contains("more than one Host header");
    assertThat(awaitRefusals(since, "BAD_HOST").get(0).eventJson())
        .contains("\"listener\":\"pdp\"")
        .contains("\"peer\":\"127.0.0.1\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1\r\n admin.internal", "127.0.0.1\r\n\tx", "<b>", "a b"})
  void hostFoldedOrNoHost_400(String host) throws Exception {
    String r = send("GET /health HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertThat(r).startsWith("400 ").contains("the Host header is not a host name");
  }

  @Test
  void http11WithoutHost_400() throws Exception {
    assertThat(send("GET /health HTTP/1.1\r\n\r\n")).startsWith("400 ").contains("no Host header");
  }

  @Test
  void oneGoodHost_orHttp10WithoutHost_served() throws Exception {
    assertThat(send(RawHttp.get("/health"))).isEqualTo("200 {}");
    assertThat(send("GET /health HTTP/1.1\r\nHost: [::1]:8181\r\n\r\n")).isEqualTo("200 {}");
    assertThat(send("GET /health HTTP/1.0\r\n\r\n")).isEqualTo("200 {}");
  }

  @Test
  void h2cPriorKnowledge_streamTheCodecResets_loggedWithItsCode() throws Exception {
    Instant since = Instant.now();
    Map<Integer, Long> resets;
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      resets =
          RawHttp2.send(
              s,
              List.of(
                  List.of(
                      ":method",
                      "GET",
                      ":scheme",
                      "http",
                      ":path",
                      "/health",
                      ":authority",
                      "127.0.0.1",
                      "transfer-encoding",
                      "chunked")));
    }

    assertThat(resets).containsExactly(Map.entry(1, 1L));
    assertThat(awaitRefusals(since, "HTTP2_PROTOCOL_ERROR").get(0).eventJson())
        .contains("\"stream\":\"1\"")
        .contains("\"listener\":\"pdp\"");
  }

  private static List<DecisionRecord> awaitRefusals(Instant since, String code) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.isEmpty() && System.nanoTime() < giveUp) {
      found =
          reader
              .list(new DecisionFilter(since, true, ServerRefusals.PATH, null, null, 100))
              .stream()
              .filter(r -> r.eventJson().contains("\"refusal\":\"" + code + "\""))
              .toList();
      if (found.isEmpty()) {
        Thread.sleep(50);
      }
    }
    assertThat(found).as(code + " refusals logged since " + since).isNotEmpty();
    return found;
  }
}
