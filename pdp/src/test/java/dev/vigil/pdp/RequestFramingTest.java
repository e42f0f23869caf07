package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The framing rules, and a server made by {@link HeadDeadline#createHttpServer} applying them over
 * plain HTTP and over TLS (where the decoder is in place before the first byte, unlike on the h2c
 * port); the gateway's own tests cover its listener end to end.
 */
class RequestFramingTest {

  static Vertx vertx;
  static HttpServer plain;
  static HttpServer tls;
  static final List<String> handled = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    plain = listen(options());
    tls =
        listen(
            options()
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(
                    List.of(
                        io.vertx.core.http.HttpVersion.HTTP_2,
                        io.vertx.core.http.HttpVersion.HTTP_1_1))
                .setKeyCertOptions(certificate.keyCertOptions()));
  }

  static HttpServerOptions options() {
    return new HttpServerOptions()
        .setHost("127.0.0.1")
        .setPort(0)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  static HttpServer listen(HttpServerOptions options) throws Exception {
    return HeadDeadline.createHttpServer(vertx, options)
        .requestHandler(
            req -> {
              handled.add(req.path());
              req.body().onSuccess(b -> req.response().end("ok " + b.length()));
            })
        .listen()
        .await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String exchange(Socket s, String raw) throws Exception {
    try (s) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  static Socket tlsSocket(int port) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters p = s.getSSLParameters();
    p.setApplicationProtocols(new String[] {"http/1.1"});
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void server_smuggledRequestAfterAnUnknownCoding_neverHandled(boolean overTls) throws Exception {
    handled.clear();
    Socket s = overTls ? tlsSocket(tls.actualPort()) : new Socket("127.0.0.1", plain.actualPort());
    String answer =
        exchange(
            s,
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"
                + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 400 ").doesNotContain("ok ");
    assertThat(handled).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void server_plainChunkedBody_handled(boolean overTls) throws Exception {
    handled.clear();
    Socket s = overTls ? tlsSocket(tls.actualPort()) : new Socket("127.0.0.1", plain.actualPort());
    String answer =
        exchange(
            s,
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("ok 5");
    assertThat(handled).containsExactly("/x");
  }

  /**
   * Regression: a request whose {@code Connection} listed {@code close} beside another option was
   * answered with the connection kept open, and a request pipelined after it was read and handled.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void server_closeListedWithOtherOptions_connectionClosedAfterTheAnswer(boolean overTls)
      throws Exception {
    handled.clear();
    Socket s = overTls ? tlsSocket(tls.actualPort()) : new Socket("127.0.0.1", plain.actualPort());
    String answer =
        exchange(
            s,
            "GET /last HTTP/1.1\r\nHost: a\r\nConnection: X-Trace, close\r\nX-Trace: 1\r\n\r\n"
                + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("ok 0");
    assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("\r\nconnection: close\r\n");
    assertThat(handled).containsExactly("/last");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Connection: close, X-Trace",
        "Connection: X-Trace ,CLOSE",
        "Connection: keep-alive|Connection: X-Trace, Close"
      })
  void markClose_closeAmongOtherOptions_addsAFieldOfItsOwn(String lines) {
    HttpHeaders h = headers(lines.split("\\|"));
    int fields = h.getAll("Connection").size();

    RequestFraming.markClose(h);

    assertThat(h.getAll("Connection")).hasSize(fields + 1).endsWith("close");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Connection: close",
        "Connection: X-Trace|Connection: close",
        "Connection: keep-alive, X-Trace",
        "Connection: X-Close, closed",
        "X-Other: close"
      })
  void markClose_closeAloneOrNotListed_leavesTheHead(String lines) {
    HttpHeaders h = headers(lines.split("\\|"));
    List<String> before = h.getAll("Connection");

    RequestFraming.markClose(h);

    assertThat(h.getAll("Connection")).isEqualTo(before);
  }

  static HttpHeaders headers(String... lines) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (String line : lines) {
      int colon = line.indexOf(':');
      h.add(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    return h;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: chunked|Transfer-Encoding: chunked",
        "Transfer-Encoding: chunked|Content-Length: 3",
        "Content-Length: +3",
        "Content-Length: 3 3",
        "Content-Length: "
      })
  void refusal_ambiguousHttp11Framing_named(String lines) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_1, headers(lines.split("\\|"))))
        .isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"Transfer-Encoding: chunked", "Transfer-Encoding: CHUNKED", "Content-Length: 12"})
  void refusal_plainFraming_none(String line) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_1, headers(line))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Transfer-Encoding: chunked"})
  void refusal_transferEncodingInHttp10_named(String line) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_0, headers(line))).contains("HTTP/1.0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade"})
  void http2Refusal_connectionSpecificField_named(String name) {
    Map<String, String> h = Map.of(name, "x", "content-type", "text/plain");
    assertThat(RequestFraming.http2Refusal(h.keySet(), h::get)).contains(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"trailers", "gzip"})
  void http2Refusal_te_onlyTrailers(String te) {
    Map<String, String> h = Map.of("te", te);
    assertThat(RequestFraming.http2Refusal(List.of("te"), h::get) == null)
        .isEqualTo(te.equals("trailers"));
  }

  /** RFC 9113 §8.2.1: what HPACK can carry but an HTTP/1.1 line cannot. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "x-a|a\r\nx-vigil-user: admin",
        "x-a|a\nb",
        "x-a|a\rb",
        "x-a|a\u0000b",
        "x-a|a\u0001b",
        "x-a|\u007f",
        "x-a| a",
        "x-a|a\t",
        "x-a: b\r\nx-b|c",
        "x a|b",
        "|b",
        "x-a\u0000|b",
        "x(a)|b"
      })
  void http2FieldRefusal_malformedField_refused(String field) {
    int bar = field.indexOf('|');
    Map<String, String> h =
        Map.of("accept", "*/*", field.substring(0, bar), field.substring(bar + 1));

    assertThat(RequestFraming.http2FieldRefusal(h.entrySet())).isNotNull().doesNotContain("admin");
  }

  @Test
  void http2FieldRefusal_ordinaryFields_pass() {
    Map<String, String> h =
        Map.of(
            "accept", "text/html, */*;q=0.1",
            "x-tabs", "a\tb",
            "x-empty", "",
            "x-latin", "caf\u00e9",
            "x-token!#$%&'*+-.^_`|~09", "v");

    assertThat(RequestFraming.http2FieldRefusal(h.entrySet())).isNull();
  }
}
