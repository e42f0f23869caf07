package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.netty.handler.codec.http2.Http2Error;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request smuggling (RFC 9112 §6): a request whose body two parsers could delimit differently is
 * refused with 400 and its connection closed before anything pipelined after it is read, so the
 * upstream never sees a request the gateway did not decide on. Raw sockets, a real upstream.
 */
class EdgeRequestFramingTest {

  static Vertx upstreamVertx;
  static HttpServer upstream;
  static final List<String> seen = new CopyOnWriteArrayList<>();

  /**
   * An upstream that records the bytes it receives as they come and never answers, served for the
   * host {@code raw.example}: what reaches it is what the gateway wrote, whatever a parser would
   * make of it.
   */
  static java.net.ServerSocket rawUpstream;

  static final StringBuffer rawSeen = new StringBuffer();
  static EdgeGateway gateway;

  /** Where the decision log keeps the refusals, read back as {@code vigil logs} reads them. */
  @TempDir static Path tmp;

  static Store store;

  @BeforeAll
  static void start() throws Exception {
    upstreamVertx = Vertx.vertx();
    upstream =
        upstreamVertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              String body = b.toString(StandardCharsets.UTF_8);
                              String te = req.getHeader("Transfer-Encoding");
                              seen.add(req.method() + " " + req.path() + " " + body);
                              req.response().end("te=" + te + " body=" + body);
                            }))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withDecisionLog(new DecisionLog(store, DecisionLog.Options.defaults())));
    pdp.activate(
        BundleReader.fromFiles(
            "gw",
            Map.of("gw.rego", "package gw\nallow := true\n".getBytes(StandardCharsets.UTF_8))));
    URI up = URI.create("http://127.0.0.1:" + upstream.actualPort());
    rawUpstream = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().start(EdgeRequestFramingTest::recordRaw);
    URI raw = URI.create("http://127.0.0.1:" + rawUpstream.getLocalPort());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(
                    new RouteTable(
                        List.of(
                            new Route(
                                "app", "*", "/", up, "gw/allow", Mode.ENFORCE, Map.of(), null),
                            new Route(
                                "raw",
                                "raw.example",
                                "/",
                                raw,
                                "gw/allow",
                                Mode.ENFORCE,
                                Map.of(),
                                null)))),
                pdp,
                new IdentityAssertion(
                    "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                InstantSource.system()));
  }

  /** Accepts connections to the raw upstream and records what each sends, on its own thread. */
  private static void recordRaw() {
    while (!rawUpstream.isClosed()) {
      try {
        Socket s = rawUpstream.accept();
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  byte[] buf = new byte[4096];
                  try (s) {
                    for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                      rawSeen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    }
                  } catch (IOException e) {
                    // The gateway closed its side: what came is recorded.
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    rawUpstream.close();
    gateway.close();
    upstreamVertx.close().await(10, TimeUnit.SECONDS);
    store.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
    rawSeen.setLength(0);
  }

  /** Writes the bytes on one connection and reads until the gateway closes it. */
  static String exchange(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      // A guard against a hang, not a timing assertion: a kept-open connection fails the test.
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the connection stayed open; read so far: " + got, e);
      } catch (java.net.SocketException e) {
        // A reset after the answer still ends the connection.
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** The status codes of the responses read; the upstream's bodies end without a line break. */
  static List<String> statuses(String responses) {
    Matcher m = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ").matcher(responses);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: app.example\r\n\r\n";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, identity",
        "Transfer-Encoding: identity",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "Content-Length: 5\r\nTransfer-Encoding: chunked",
        "Content-Length: +5",
        "Content-Length: -1",
        "Content-Length: 0x5"
      })
  void ambiguousFraming_refused400_closed_andNothingAfterItReachesTheUpstream(String framing)
      throws Exception {
    String r =
        exchange(
            "POST /x HTTP/1.1\r\nHost: app.example\r\n"
                + framing
                + "\r\n\r\n0\r\n\r\n"
                + SMUGGLED
                + SMUGGLED);

    assertThat(statuses(r)).containsExactly("400");
    assertThat(seen).isEmpty();
    // Logged as a refusal before policy, like a bad path: the answer names its decision.
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
  }

  /**
   * Regression: a field folded over two lines (obsolete line folding, RFC 9112 §5.2) was joined
   * with a space and relayed; an upstream that reads the folded line as a field of its own (here an
   * identity header the gateway had removed) acted on a request no policy decided. Now refused with
   * 400 before policy, logged, the connection closed and nothing relayed, in any field.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Trace: a\r\n X-Vigil-User: admin",
        "X-Trace: a\r\n\tb",
        "Accept: */*\r\n  text/html",
        "Content-Type: text/plain;\r\n charset=utf-8",
        "X-Trace: a\r\n \r\nX-Other: b"
      })
  void obsFold_refused400BeforePolicy_closed_andNothingRelayed(String field) throws Exception {
    String r = exchange("GET /x HTTP/1.1\r\nHost: app.example\r\n" + field + "\r\n\r\n" + SMUGGLED);

    assertThat(statuses(r)).containsExactly("400");
    assertThat(seen).isEmpty();
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
  }

  /** A value with spaces inside, a body holding CRLF SP, and pipelined requests pass as before. */
  @Test
  void noFold_spacesInValuesAndFoldLikeBodies_stillRelayed() throws Exception {
    String body = "a\r\n b";
    String r =
        exchange(
            "POST /x HTTP/1.1\r\nHost: app.example\r\nX-Trace: a  b\r\nContent-Length: "
                + body.length()
                + "\r\n\r\n"
                + body
                + "GET /y HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("200", "200");
    assertThat(seen).hasSize(2);
  }

  @Test
  void transferEncodingInHttp10_refused() throws Exception {
    String r =
        exchange(
            "POST /x HTTP/1.0\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n"
                + SMUGGLED);

    assertThat(statuses(r)).containsExactly("400");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"zz", "-1", "5\r\nhello\r\nzz", "5\r\nhelloXX"})
  void malformedChunk_answered400_andClosed(String chunks) throws Exception {
    String r =
        exchange(
            "POST /x HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunks
                + "\r\n\r\n"
                + SMUGGLED);

    assertThat(statuses(r)).containsExactly("400");
    assertThat(r).contains("chunked framing is malformed");
    // Whatever the upstream got of it, it never got a whole request, nor the one after.
    assertThat(seen).noneMatch(s -> s.startsWith("POST /x hello") || s.contains("smuggled"));
  }

  /**
   * Regression: a request line too long, or one that is not a request line, was answered "the
   * request body's chunked framing is malformed", with no decision logged, since the unreadable
   * head reached the malformed-chunk check. It is answered as the listener answers an unreadable
   * head: 414 or 400, with the decision id of its logged refusal.
   */
  @ParameterizedTest
  @ValueSource(strings = {"long", "garbage", "two-words"})
  void unreadableRequestLine_answeredAsAnUnreadableHead_withItsDecisionId(String kind)
      throws Exception {
    String line =
        switch (kind) {
          case "long" -> "GET /" + "a".repeat(9000) + " HTTP/1.1";
          case "garbage" -> "GARBAGE";
          default -> "GET /x";
        };

    String r = exchange(line + "\r\nHost: app.example\r\n\r\n" + SMUGGLED);

    assertThat(statuses(r)).containsExactly(kind.equals("long") ? "414" : "400");
    assertThat(r).doesNotContain("chunked framing");
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", " chunked "})
  void plainChunkedBody_stillForwardedWithItsBody(String coding) throws Exception {
    String r =
        exchange(
            "POST /x HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding:"
                + coding
                + "\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    assertThat(statuses(r)).containsExactly("200");
    assertThat(r).contains("te=chunked body=hello");
    assertThat(seen).containsExactly("POST /x hello");
  }

  @Test
  void pipelinedRequestsWithPlainFraming_allAnsweredInOrder() throws Exception {
    String r =
        exchange(
            "POST /one HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\none\r\n0\r\n\r\n"
                + "POST /two HTTP/1.1\r\nHost: app.example\r\nContent-Length: 3\r\n\r\ntwo"
                + "GET /three HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("200", "200", "200");
    assertThat(seen).containsExactly("POST /one one", "POST /two two", "GET /three ");
  }

  /**
   * Regression: {@code CONNECT /x} was decided as a write to {@code /x} and relayed to the upstream
   * as a CONNECT. The gateway's upstream connection stops reading HTTP once a CONNECT is answered
   * 2xx (it becomes a tunnel), yet it went back to the pool, so the next request of whoever got it
   * never saw its answer (a stall, then 502). The gateway is no forward proxy: CONNECT, in any
   * form, is refused before policy and goes nowhere.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/x", "app.example:443", "127.0.0.1:80", "*"})
  void connect_inAnyForm_refused400BeforePolicy_andNeverRelayed(String target) throws Exception {
    String r =
        exchange(
            "CONNECT " + target + " HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("400");
    assertThat(r).contains("CONNECT");
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
    assertThat(seen).isEmpty();
  }

  /**
   * Regression: methods are case-sensitive (RFC 9110 §9.1), so {@code delete} was decided as an
   * unknown method ({@code input.action} "write", {@code input.request.method} "delete") and
   * relayed as it came, while frameworks that upper-case the method (Django, Werkzeug) ran it as
   * DELETE: a policy that refused deletes let it through. A method that differs from a standard one
   * only in case is refused before policy.
   */
  @ParameterizedTest
  @ValueSource(strings = {"delete", "Delete", "get", "pOST", "put", "patch", "options", "head"})
  void standardMethodInAnotherCase_refused400BeforePolicy_andNeverRelayed(String method)
      throws Exception {
    String r = exchange(method + " /x HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("400");
    assertThat(r).contains(method.toUpperCase(java.util.Locale.ROOT));
    assertThat(seen).isEmpty();
  }

  @Test
  void customMethod_stillRelayedAsItCame() throws Exception {
    String r = exchange("PURGE /x HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("200");
    assertThat(seen).containsExactly("PURGE /x ");
  }

  /**
   * Regression: control characters were refused in the path but relayed raw in the query, so the
   * upstream got a request line with a NUL or DEL in it (what an upstream parser makes of those is
   * its own) and policy saw them in {@code input.request.query}. Refused as in the path.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\u0000", "\u0001", "\u001f", "\u007f"})
  void controlCharacterInTheQuery_refused400_andNeverRelayed(String control) throws Exception {
    String r =
        exchange(
            "GET /x?a=" + control + "b HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("400");
    assertThat(r).contains("control character");
    assertThat(seen).isEmpty();
  }

  /**
   * Regression: bytes of 0x80 and above sent raw in the request target (not percent-encoded) were
   * read one character each and written upstream in UTF-8, so the app got other bytes than the
   * client sent ({@code C0 AE} became {@code C3 80 C2 AE}) and policy decided on that re-encoded
   * text. Refused with 400, asking for percent-encoding; nothing relayed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/caf\u00e9", "/x?q=\u00e9", "/\u00c0\u00ae\u00c0\u00ae/x"})
  void rawTextThatIsNotAscii_inTheTarget_refused400_andNeverRelayed(String target)
      throws Exception {
    String r =
        exchange("GET " + target + " HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    assertThat(statuses(r)).containsExactly("400");
    assertThat(r).contains("percent-encode");
    assertThat(seen).isEmpty();
  }

  /**
   * Regression: HPACK carries any byte, and the HTTP/2 codec of Netty 4.2.9 let a CR, LF or NUL
   * through in a field value (and in a field name), which the gateway wrote as it was into the
   * HTTP/1.1 head it sent upstream. An anonymous client on h2c or h2 thus added an {@code
   * X-Vigil-User} past header hygiene, and a whole second request, {@code GET /smuggled}, that no
   * policy decided, on the gateway's kept connection to the app (whose answer would then have gone
   * to the next caller given that connection). Such a request is malformed (RFC 9113 §8.2.1). The
   * codec of Netty 4.2.18 finds these itself and resets the stream with {@code PROTOCOL_ERROR}
   * (§8.1.1) before the gateway reads the request: the reset is logged as a refusal before policy
   * ({@code HTTP2_PROTOCOL_ERROR}, with the stream), and not one byte of the request is relayed.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "x-note|a\r\nX-Vigil-User: admin\r\nContent-Length: 0\r\n\r\n"
            + "GET /smuggled HTTP/1.1\r\nHost: y",
        "x-note|a\nX-Vigil-User: admin",
        "x-note|a\rX-Vigil-User: admin",
        "x-note|a\u0000b",
        "x-note|\u007f",
        "x-note| padded",
        "x-note: a\r\nx-vigil-user|admin",
        "x note|a",
        "x-note\u0000|a",
        ":path|/x?a=1 HTTP/1.1\r\nX-Vigil-User: admin\r\n\r\nGET /smuggled?"
      })
  void http2FieldThatWouldBreakTheHttp11Head_resetByTheCodec_loggedAndNothingRelayed(String field)
      throws Exception {
    Instant since = Instant.now();

    Map<Integer, Long> resets = sendHttp2(field);

    assertThat(resets).containsExactly(Map.entry(1, Http2Error.PROTOCOL_ERROR.code()));
    assertThat(awaitRefusal(since, "HTTP2_PROTOCOL_ERROR"))
        .contains("\"http2_error\":\"PROTOCOL_ERROR\"")
        .contains("\"stream\":\"1\"");
    assertThat(rawSeen).isEmpty();
  }

  /**
   * The malformed fields the HTTP/2 codec lets through still never reach the upstream: the gateway
   * answers 400 before policy (no reset) and logs the refusal, with its code: a value ending in
   * HTAB, which RFC 9113 §8.2.1 forbids as it forbids a leading one ({@code BAD_FRAMING}), and a
   * {@code :path} with spaces ({@code BAD_PATH}).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {"'x-note|padded\t'; BAD_FRAMING", "':path|/x HTTP/1.1 /admin'; BAD_PATH"})
  void http2FieldTheCodecPasses_refused400BeforePolicy_loggedAndNothingRelayed(
      String field, String code) throws Exception {
    Instant since = Instant.now();

    Map<Integer, Long> resets = sendHttp2(field);

    assertThat(resets).isEmpty();
    assertThat(awaitRefusal(since, code)).contains("\"method\":\"GET\"");
    assertThat(rawSeen).isEmpty();
  }

  /**
   * Sends one HTTP/2 request for {@code raw.example} with the field {@code name|value} (a {@code
   * :path} replaces the default one) and returns the streams reset. The raw upstream never answers:
   * a request relayed to it would leave the stream unanswered until the client's read times out.
   */
  private static Map<Integer, Long> sendHttp2(String field) throws IOException {
    String name = field.substring(0, field.indexOf('|'));
    String value = field.substring(field.indexOf('|') + 1);
    List<String> fields = new java.util.ArrayList<>();
    fields.addAll(List.of(":method", "GET", ":scheme", "http"));
    if (!name.equals(":path")) {
      fields.addAll(List.of(":path", "/x"));
    }
    fields.addAll(List.of(":authority", "raw.example", name, value));
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      return dev.vigil.testkit.RawHttp2.send(s, List.of(fields));
    }
  }

  /**
   * Waits for the one refusal before policy with {@code code} logged since {@code since} and
   * returns its event; fails when there is none, or more than one.
   */
  private static String awaitRefusal(Instant since, String code) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    String marker = "\"refusal\":\"" + code + "\"";
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.isEmpty() && System.nanoTime() < giveUp) {
      found =
          reader
              .list(new DecisionFilter(since, true, EdgeGateway.REQUEST_LOG_PATH, null, null, 100))
              .stream()
              .filter(r -> r.eventJson().contains(marker))
              .toList();
      if (found.isEmpty()) {
        Thread.sleep(50);
      }
    }
    assertThat(found).as(code + " refusals logged since " + since).hasSize(1);
    assertThat(found.get(0).denied()).isTrue();
    return found.get(0).eventJson();
  }

  @Test
  void http2Body_unaffected() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      var client =
          vertx.createHttpClient(
              new HttpClientOptions()
                  .setProtocolVersion(HttpVersion.HTTP_2)
                  .setHttp2ClearTextUpgrade(false));
      String body =
          client
              .request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost("127.0.0.1")
                      .setPort(gateway.port())
                      .setURI("/h2"))
              .compose(req -> req.send("hello").compose(resp -> resp.body()))
              .await(10, TimeUnit.SECONDS)
              .toString();

      assertThat(body).endsWith(" body=hello");
      assertThat(seen).containsExactly("POST /h2 hello");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
