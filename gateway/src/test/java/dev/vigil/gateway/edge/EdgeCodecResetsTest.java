package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.RawHttp2;
import io.netty.handler.codec.http2.Http2Error;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Regression: HTTP/2 requests that the codec resets before the gateway reads them (a
 * connection-specific or upper-case field name, an unknown pseudo-header, a TE other than trailers;
 * RFC 9113 section 8.1.1) left no event in the decision log, where an unreadable HTTP/1.1 head is
 * logged as a refusal. Each reset stream is now a denied decision under {@value
 * EdgeGateway#REQUEST_LOG_PATH} with its code, written off the event loop. Raw HTTP/2 frames over
 * TLS (ALPN h2) and h2c (prior knowledge and upgrade), a real upstream that must see nothing of
 * them, and the decision log read back through the store as {@code vigil logs} reads it.
 */
class EdgeCodecResetsTest {

  @TempDir static Path tmp;
  static HttpServer upstream;
  static final List<String> seen = new CopyOnWriteArrayList<>();
  static Store store;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream =
        Fixtures.answering(
            ex -> {
              seen.add(ex.getRequestURI().getRawPath());
              return "upstream ok";
            });
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "open", Map.of("open.rego", "package open\nallow := true\n".getBytes())));
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "open/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion(
                        "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                    InstantSource.system())
                .withTls(
                    new TlsListener(
                        "127.0.0.1", 0, ServerCertificate.selfSigned(tmp, Instant.now()), null)));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.stop(0);
    store.close();
  }

  /** A request's fields, {@code extra} after the four pseudo-headers. */
  static List<String> request(String scheme, String path, String... extra) {
    List<String> fields =
        new ArrayList<>(
            List.of(":method", "GET", ":scheme", scheme, ":path", path, ":authority", "app.test"));
    fields.addAll(List.of(extra));
    return fields;
  }

  @Test
  void tlsH2_malformedRequests_eachResetStreamLoggedWithItsCodeOffTheEventLoop() throws Exception {
    Instant since = Instant.now();
    seen.clear();
    Map<Integer, Long> resets;
    List<ILoggingEvent> events;
    ListAppender<ILoggingEvent> appender = listen();
    try (SSLSocket s = tlsH2()) {
      resets =
          RawHttp2.send(
              s,
              List.of(
                  request("https", "/one", "connection", "keep-alive"),
                  request("https", "/two", "X-Upper", "1"),
                  request("https", "/three", ":bogus", "1"),
                  request("https", "/four", "te", "gzip"),
                  request("https", "/fine")));
      awaitRefusals(since, 4);
    } finally {
      events = stopListening(appender);
    }

    // RST_STREAM PROTOCOL_ERROR (1) for the four malformed ones; the last one is answered.
    assertThat(resets)
        .containsExactly(Map.entry(1, 1L), Map.entry(3, 1L), Map.entry(5, 1L), Map.entry(7, 1L));
    assertThat(seen).containsExactly("/fine");
    List<DecisionRecord> refusals = awaitRefusals(since, 4);
    assertThat(refusals).allMatch(DecisionRecord::denied);
    assertThat(refusals).extracting(DecisionRecord::route).containsOnly("edge");
    assertThat(refusals)
        .extracting(DecisionRecord::eventJson)
        .allMatch(e -> e.contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\""))
        .allMatch(e -> e.contains("\"http2_error\":\"PROTOCOL_ERROR\""))
        .allMatch(e -> e.contains("\"peer\":\"127.0.0.1\""))
        .allMatch(e -> e.contains("its method, target and route are not known"))
        .anyMatch(e -> e.contains("\"stream\":\"1\""))
        .anyMatch(e -> e.contains("\"stream\":\"3\""))
        .anyMatch(e -> e.contains("\"stream\":\"5\""))
        .anyMatch(e -> e.contains("\"stream\":\"7\""));
    List<ILoggingEvent> lines =
        events.stream()
            .filter(e -> e.getFormattedMessage().contains("code=HTTP2_PROTOCOL_ERROR"))
            .toList();
    assertThat(lines).hasSize(4);
    assertThat(lines).allMatch(e -> !e.getThreadName().startsWith("vert.x-eventloop"));
  }

  /**
   * Regression: an HTTP/2 request with neither {@code :authority} nor Host was held open until the
   * client closed the connection. On every HTTP/2 listener of the edge (h2 by ALPN, h2c by prior
   * knowledge and after an upgrade) it is refused with 400 {@code NO_HOST} and logged, and nothing
   * of it is relayed.
   */
  @Test
  void http2WithoutAnyHost_onEveryListener_400NoHostAndLogged() throws Exception {
    seen.clear();
    List<String> noHost = List.of(":method", "GET", ":scheme", "https", ":path", "/nohost");
    List<String> noHostPlain = List.of(":method", "GET", ":scheme", "http", ":path", "/nohost");
    RawHttp2.Outcome tls;
    RawHttp2.Outcome priorKnowledge;
    Instant since = Instant.now();
    try (SSLSocket s = tlsH2()) {
      tls = RawHttp2.exchange(s, List.of(noHost));
    }
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      priorKnowledge = RawHttp2.exchange(s, List.of(noHostPlain));
    }

    assertThat(tls.statuses()).containsExactly(Map.entry(1, 400));
    assertThat(priorKnowledge.statuses()).containsExactly(Map.entry(1, 400));
    assertThat(seen).isEmpty();
    assertThat(awaitNoHost(since, 2))
        .allMatch(e -> e.contains("neither :authority nor a Host header"));
  }

  /**
   * Regression: an HTTP/1.1 request without Host asking for an upgrade to h2c was answered {@code
   * 101 Switching Protocols}, after which Vert.x could not make its HTTP/2 stream (it copies the
   * absent Host into {@code :authority}): the request reached no handler, was never answered and
   * left no trace. It is refused with 400 {@code NO_HOST} before the upgrade, and logged.
   */
  @Test
  void h2cUpgradeWithoutHost_400NoHostAndLogged_neverUpgraded() throws Exception {
    Instant since = Instant.now();
    seen.clear();
    String head;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /upgraded HTTP/1.1\r\n"
                      + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                      + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      head = head(s.getInputStream());
    }

    assertThat(head).startsWith("HTTP/1.1 400");
    assertThat(seen).isEmpty();
    assertThat(awaitNoHost(since, 1))
        .allMatch(e -> e.contains("asks for an upgrade to h2c and has no Host header"));
  }

  private static List<String> awaitNoHost(Instant since, int count) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<String> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.size() < count && System.nanoTime() < giveUp) {
      found =
          reader
              .list(new DecisionFilter(since, true, EdgeGateway.REQUEST_LOG_PATH, null, null, 100))
              .stream()
              .map(DecisionRecord::eventJson)
              .filter(e -> e.contains("\"refusal\":\"NO_HOST\""))
              .toList();
      Thread.sleep(50);
    }
    assertThat(found).hasSize(count);
    return found;
  }

  @Test
  void h2cPriorKnowledge_malformedRequest_resetAndLogged() throws Exception {
    Instant since = Instant.now();
    seen.clear();
    Map<Integer, Long> resets;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      resets = RawHttp2.send(s, List.of(request("http", "/h2c", "transfer-encoding", "chunked")));
    }

    assertThat(resets).containsExactly(Map.entry(1, 1L));
    assertThat(seen).isEmpty();
    assertThat(awaitRefusals(since, 1).get(0).eventJson())
        .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
        .contains("\"stream\":\"1\"");
  }

  @Test
  void h2cUpgrade_malformedRequestAfterTheUpgrade_resetAndLogged() throws Exception {
    Instant since = Instant.now();
    seen.clear();
    Map<Integer, Long> resets;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /upgraded HTTP/1.1\r\nHost: app.test\r\n"
                      + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                      + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(head(s.getInputStream())).startsWith("HTTP/1.1 101");
      resets = RawHttp2.send(s, 3, List.of(request("http", "/after", "keep-alive", "1")));
    }

    assertThat(resets).containsExactly(Map.entry(3, 1L));
    assertThat(seen).containsExactly("/upgraded");
    assertThat(awaitRefusals(since, 1).get(0).eventJson())
        .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
        .contains("\"stream\":\"3\"");
  }

  /**
   * Regression: a connection the codec closed for the client's fault (GOAWAY) left no event. A
   * first frame other than SETTINGS after the h2c preface is one refusal of the connection, with
   * the codec's message, off the event loop.
   */
  @Test
  void h2c_firstFrameNotSettings_connectionClosedAndLoggedOnce() throws Exception {
    Instant since = Instant.now();
    ListAppender<ILoggingEvent> appender = listen();
    RawHttp2.Ending ending;
    List<ILoggingEvent> lines;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      ending = RawHttp2.sendRaw(s, concat(RawHttp2.preface(), RawHttp2.frame(0x6, 0, 0, ping())));
      awaitConnectionRefusals(since, 1);
    } finally {
      lines = stopListening(appender);
    }

    assertThat(ending.goAwayError()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    String event = awaitConnectionRefusals(since, 1).get(0).eventJson();
    assertThat(event)
        .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
        .contains("\"scope\":\"connection\"")
        .contains("\"peer\":\"127.0.0.1\"")
        .contains("\"listener\":\"edge\"")
        .contains("closed the connection with GOAWAY PROTOCOL_ERROR")
        .contains("\"http2_message\":\"" + ending.debug().substring(0, 20));
    assertThat(lines)
        .filteredOn(e -> e.getFormattedMessage().contains("code=HTTP2_PROTOCOL_ERROR"))
        .singleElement()
        .matches(e -> !e.getThreadName().startsWith("vert.x-eventloop"));
  }

  @Test
  void h2c_settingsFrameOfAWrongSize_loggedWithFrameSizeError() throws Exception {
    Instant since = Instant.now();
    RawHttp2.Ending ending;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      ending =
          RawHttp2.sendRaw(s, concat(RawHttp2.preface(), RawHttp2.frame(0x4, 0, 0, new byte[5])));
    }

    assertThat(ending.goAwayError()).isEqualTo(Http2Error.FRAME_SIZE_ERROR.code());
    assertThat(awaitConnectionRefusals(since, 1).get(0).eventJson())
        .contains("\"refusal\":\"HTTP2_FRAME_SIZE_ERROR\"");
  }

  @Test
  void tlsH2_http1RequestInsteadOfThePreface_loggedOnce() throws Exception {
    Instant since = Instant.now();
    RawHttp2.Ending ending;
    try (SSLSocket s = tlsH2()) {
      ending =
          RawHttp2.sendRaw(
              s, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    assertThat(ending.goAwayError()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    assertThat(awaitConnectionRefusals(since, 1).get(0).eventJson())
        .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
        .contains("\"scope\":\"connection\"");
  }

  /**
   * A client that opens and cancels streams faster than the listener allows (the HTTP/2 rapid reset
   * attack, CVE-2023-44487) is shut out with ENHANCE_YOUR_CALM: one event for the connection.
   */
  @Test
  void h2c_rapidResetFlood_connectionLoggedOnceWithEnhanceYourCalm() throws Exception {
    Instant since = Instant.now();
    ByteArrayOutputStream flood = new ByteArrayOutputStream();
    flood.writeBytes(RawHttp2.preface());
    flood.writeBytes(RawHttp2.frame(0x4, 0, 0, new byte[0]));
    for (int stream = 1; stream < 2 * 1_000; stream += 2) {
      flood.writeBytes(RawHttp2.request(stream, request("http", "/flood")));
      flood.writeBytes(RawHttp2.frame(0x3, 0, stream, new byte[] {0, 0, 0, 8}));
    }
    RawHttp2.Ending ending;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      ending = RawHttp2.sendRaw(s, flood.toByteArray());
    }

    assertThat(ending.goAwayError()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    assertThat(awaitConnectionRefusals(since, 1).get(0).eventJson())
        .contains("\"refusal\":\"HTTP2_ENHANCE_YOUR_CALM\"");
    // The streams opened before the cut reach the upstream a little later: not in other tests.
    for (int before = -1; before != seen.size(); Thread.sleep(300)) {
      before = seen.size();
    }
    seen.removeIf("/flood"::equals);
  }

  /**
   * A client that disconnects, after a whole preface or half of one, or that fails the TLS
   * handshake, did nothing the codec refuses: no GOAWAY, no event. (A TLS handshake that fails
   * never reaches the HTTP/2 codec; the edge logs no refusal for it.)
   */
  @Test
  void disconnectsAndFailedHandshakes_noConnectionRefusal() throws Exception {
    Instant since = Instant.now();
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.getOutputStream().write(concat(RawHttp2.preface(), RawHttp2.frame(0x4, 0, 0, new byte[0])));
      s.getOutputStream().flush();
      Thread.sleep(100);
    }
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.getOutputStream().write(Arrays.copyOf(RawHttp2.preface(), 10));
    }
    try (Socket s = new Socket("127.0.0.1", gateway.tlsPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(concat(RawHttp2.preface(), RawHttp2.preface()));
      assertThat(s.getInputStream().readAllBytes()).doesNotContain((byte) 0x07);
    }
    try (SSLSocket s = tlsH2()) {
      s.getOutputStream().write(RawHttp2.preface());
      s.getOutputStream().flush();
    }
    // Then a connection that is refused: once its event is there, the others' would be too.
    Thread.sleep(300);
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      RawHttp2.sendRaw(s, concat(RawHttp2.preface(), RawHttp2.frame(0x6, 0, 0, ping())));
    }
    Thread.sleep(300);

    assertThat(awaitConnectionRefusals(since, 1)).hasSize(1);
  }

  private static byte[] ping() {
    return new byte[8];
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /**
   * Waits up to 10 s for {@code count} refusals of whole connections logged since {@code since},
   * and returns them.
   */
  private static List<DecisionRecord> awaitConnectionRefusals(Instant since, int count)
      throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.size() < count && System.nanoTime() < giveUp) {
      found =
          reader
              .list(new DecisionFilter(since, true, EdgeGateway.REQUEST_LOG_PATH, null, null, 100))
              .stream()
              .filter(r -> r.eventJson().contains("\"scope\":\"connection\""))
              .toList();
      if (found.size() < count) {
        Thread.sleep(50);
      }
    }
    assertThat(found).as("connection refusals logged since " + since).hasSize(count);
    return found;
  }

  /** Reads an HTTP/1.1 response head, up to its empty line, one byte at a time. */
  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (!got.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      got.write(b);
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  /**
   * Waits up to 10 s for {@code count} codec-reset refusals logged since {@code since}, as {@code
   * vigil logs --path vigil/gateway/request} lists them, and returns them.
   */
  private static List<DecisionRecord> awaitRefusals(Instant since, int count) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.size() < count && System.nanoTime() < giveUp) {
      found =
          reader
              .list(new DecisionFilter(since, true, EdgeGateway.REQUEST_LOG_PATH, null, null, 100))
              .stream()
              .filter(r -> r.eventJson().contains("\"refusal\":\"HTTP2_"))
              .toList();
      if (found.size() < count) {
        Thread.sleep(50);
      }
    }
    assertThat(found).as("codec-reset refusals logged since " + since).hasSize(count);
    return found;
  }

  private static ListAppender<ILoggingEvent> listen() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(RefusalLog.class)).addAppender(appender);
    return appender;
  }

  private static List<ILoggingEvent> stopListening(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(RefusalLog.class)).detachAppender(appender);
    return List.copyOf(appender.list);
  }

  /** A TLS connection to the gateway that negotiated ALPN h2; the server is not checked. */
  private static SSLSocket tlsH2() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    TrustManager anyServer =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] c, String a) {}

          @Override
          public void checkServerTrusted(X509Certificate[] c, String a) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    ctx.init(null, new TrustManager[] {anyServer}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", gateway.tlsPort());
    var params = s.getSSLParameters();
    params.setApplicationProtocols(new String[] {"h2"});
    s.setSSLParameters(params);
    s.startHandshake();
    assertThat(s.getApplicationProtocol()).isEqualTo("h2");
    return s;
  }
}
