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
  @ValueSource(strings = {"<b>", "a b"})
  void hostNotAHost_400(String host) throws Exception {
    String r = send("GET /health HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertThat(r).startsWith("400 ").contains("the Host header is not a host name");
  }

  /** A Host folded over two lines is refused as any folded field is, before its value is read. */
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1\r\n admin.internal", "127.0.0.1\r\n\tx"})
  void hostFolded_400(String host) throws Exception {
    Instant since = Instant.now();

    String r = send("GET /health HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertThat(r).startsWith("400 ");
    assertThat(awaitRefusals(since, "BAD_FRAMING").get(0).eventJson())
        .contains("folds field host over more than one line");
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

  private static RawHttp2.Outcome h2(List<String> extra) throws Exception {
    List<String> fields = new java.util.ArrayList<>();
    fields.addAll(List.of(":method", "GET", ":scheme", "http", ":path", "/health"));
    fields.addAll(extra);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      return RawHttp2.exchange(s, List.of(fields));
    }
  }

  /**
   * Regression: over HTTP/2 the Host check looked only at Host fields, so an {@code :authority}
   * that is no host (Vert.x takes any RFC 3986 reg-name: empty labels, sub-delims,
   * percent-escapes), or none at all, reached the API, where HTTP/1.1's Host was refused.
   */
  @ParameterizedTest
  @ValueSource(strings = {"a..b", "admin!internal", ".a"})
  void h2cAuthorityNotAHost_400AndLogged(String authority) throws Exception {
    Instant since = Instant.now();

    RawHttp2.Outcome o = h2(List.of(":authority", authority));

    assertThat(o.statuses()).containsExactly(Map.entry(1, 400));
    assertThat(awaitRefusals(since, "BAD_HOST").get(0).eventJson())
        .contains("the :authority is not a host name")
        .contains("\"version\":\"h2\"");
  }

  /**
   * Regression: an HTTP/2 request with neither {@code :authority} nor Host was held open until the
   * client closed the connection, where HTTP/1.1 without Host is refused. It is refused with 400
   * {@code NO_HOST} and logged.
   */
  @Test
  void h2cNeitherAuthorityNorHost_400AndLogged() throws Exception {
    Instant since = Instant.now();

    RawHttp2.Outcome o = h2(List.of());

    assertThat(o.statuses()).containsExactly(Map.entry(1, 400));
    assertThat(awaitRefusals(since, "NO_HOST").get(0).eventJson())
        .contains("neither :authority nor a Host header")
        .contains("\"version\":\"h2\"")
        .contains("\"listener\":\"pdp\"");
  }

  /**
   * Regression: an HTTP/1.1 request without Host asking for an upgrade to h2c was answered {@code
   * 101 Switching Protocols} and then never answered (Vert.x could not make its HTTP/2 stream
   * without a host). It is refused with 400 {@code NO_HOST} before the upgrade, and logged.
   */
  @Test
  void h2cUpgradeWithoutHost_400NoHostAndLogged() throws Exception {
    Instant since = Instant.now();

    String r =
        send(
            "GET /health HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");

    assertThat(r).startsWith("400 ");
    assertThat(awaitRefusals(since, "NO_HOST").get(0).eventJson())
        .contains("asks for an upgrade to h2c and has no Host header")
        .contains("\"listener\":\"pdp\"");
  }

  /**
   * A head refused for its framing is never upgraded to h2c either: Vert.x's upgrade handler does
   * not look at the decoder's verdict, and switched protocols for a folded upgrade request.
   */
  @Test
  void h2cUpgradeWithAFoldedField_400BadFraming_notUpgraded() throws Exception {
    Instant since = Instant.now();

    String r =
        send(
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: 1\r\n 2\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");

    assertThat(r).startsWith("400 ");
    assertThat(awaitRefusals(since, "BAD_FRAMING")).isNotEmpty();
  }

  /** A Host beside the :authority must name the same host, or the request is refused. */
  @ParameterizedTest
  @ValueSource(strings = {"admin.internal", "<b>", "127.0.0.1:1"})
  void h2cAuthorityAndHostDisagreeing_refused(String host) throws Exception {
    RawHttp2.Outcome o = h2(List.of(":authority", "127.0.0.1", "host", host));

    // Vert.x resets some such streams itself (a Host it parses that differs in spelling); the
    // others are answered 400 by the control plane's own check. Either way none is served.
    assertThat(o.statuses()).doesNotContainValue(200);
    assertThat(o.resets().size() + o.statuses().size()).isEqualTo(1);
  }

  @Test
  void h2cAuthorityAndHostAgreeing_orAuthorityAlone_served() throws Exception {
    assertThat(h2(List.of(":authority", "127.0.0.1")).statuses())
        .containsExactly(Map.entry(1, 200));
    assertThat(h2(List.of(":authority", "localhost:1", "host", "localhost:1")).statuses())
        .containsExactly(Map.entry(1, 200));
    // Without :authority, Vert.x gives the Host field as the request's authority.
    assertThat(h2(List.of("host", "127.0.0.1")).statuses()).containsExactly(Map.entry(1, 200));
  }

  /**
   * Regression: a field folded over two lines (obsolete line folding, RFC 9112 §5.2) in any field
   * but Host was joined with a space and served; a server behind may read the folded line as a
   * field of its own. It is refused with 400 before any route, and logged.
   */
  @ParameterizedTest
  @ValueSource(strings = {"X-Trace: a\r\n b", "X-Trace: a\r\n\tb", "Accept: */*\r\n  ,x/y"})
  void obsFold_400AndLogged(String field) throws Exception {
    Instant since = Instant.now();

    String r = send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + field + "\r\n\r\n");

    assertThat(r).startsWith("400 ");
    assertThat(awaitRefusals(since, "BAD_FRAMING").get(0).eventJson())
        .contains("obsolete line folding")
        .contains("\"listener\":\"pdp\"");
  }

  /**
   * A line starting with a blank right after the request line is refused too (RFC 9112 §2.2);
   * Netty's decoder refuses it already, as a field name with a space.
   */
  @Test
  void blankLineStartAfterRequestLine_400() throws Exception {
    String r = send("GET /health HTTP/1.1\r\n X-Trace: a\r\nHost: 127.0.0.1\r\n\r\n");

    assertThat(r).startsWith("400 ");
  }

  /**
   * The scan follows the requests of a connection: a folded field in the second of two pipelined
   * requests (the first with a body holding what would look like a fold in a head) is refused, and
   * the first is served.
   */
  @Test
  void obsFold_inSecondPipelinedRequest_onlyItRefused() throws Exception {
    String first =
        "POST /v1/data HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 13\r\n\r\n{\"input\":\n 1}";
    String second = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: 1\r\n 2\r\n\r\n";
    try (RawHttp c = RawHttp.connect(server.port())) {
      c.send(first + second);

      assertThat(c.readResponse()).startsWith("200 ");
      assertThat(c.readResponse()).startsWith("400 ");
    }
  }

  @Test
  void noFold_spaceInsideAValue_served() throws Exception {
    assertThat(send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trace: a  b\r\n\r\n"))
        .isEqualTo("200 {}");
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
