package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request head deadline over real sockets, on a plain server (which also takes h2c) and a TLS
 * server offering HTTP/2 and HTTP/1.1 by ALPN, both with a 300 ms deadline and a 60 s idle timeout.
 */
class HeadDeadlineTest {

  static final Duration DEADLINE = Duration.ofMillis(300);
  static final long PAUSE = 3 * DEADLINE.toMillis();
  static final String SLOW_HEAD =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n";

  static Vertx vertx;
  static SelfSignedCertificate certificate;
  static HttpServer plain;
  static HttpServer tls;

  /** One flag per connection opened by the current test, set when the connection closes. */
  static final Queue<AtomicBoolean> connections = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    certificate = SelfSignedCertificate.create("localhost");
    plain = listen(options());
    tls =
        listen(
            options()
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
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
    HttpServer server = HeadDeadline.createHttpServer(vertx, options, DEADLINE);
    server.connectionHandler(
        c -> {
          AtomicBoolean closed = new AtomicBoolean();
          connections.add(closed);
          c.closeHandler(v -> closed.set(true));
        });
    server.webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage));
    server.requestHandler(
        req -> {
          if (req.path().equals("/slow")) {
            vertx.setTimer(PAUSE, t -> req.response().end("late"));
          } else {
            req.body().onSuccess(b -> req.response().end("ok " + b.length()));
          }
        });
    return server.listen().await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @BeforeEach
  void forgetConnections() {
    connections.clear();
  }

  @Test
  void trickledFirstHead_connectionClosedWith408() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      String answer = c.trickleUntilClosed(SLOW_HEAD, 100);

      assertThat(answer).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void silentConnection_closedWithoutAnswer() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      assertThat(c.closedSilentlyWithin(10_000)).isTrue();
    }
  }

  @Test
  void keepAlive_pausesLongerThanDeadline_everyRequestServed() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      for (int i = 0; i < 3; i++) {
        c.send(RawHttp.get("/"));
        assertThat(c.readResponse()).isEqualTo("200 ok 0");
        Thread.sleep(PAUSE);
      }
      c.send(RawHttp.get("/"));
      assertThat(c.readResponse()).isEqualTo("200 ok 0");
    }
    assertThat(connections).hasSize(1);
  }

  @Test
  void keepAlive_secondHeadTrickled_connectionClosedWith408() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      c.send(RawHttp.get("/"));
      assertThat(c.readResponse()).isEqualTo("200 ok 0");
      Thread.sleep(PAUSE);

      String answer = c.trickleUntilClosed(SLOW_HEAD, 100);

      assertThat(answer).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void bodySlowerThanDeadline_served() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      c.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6\r\n\r\n");

      c.trickle("abcdef", 150);

      assertThat(c.readResponse()).isEqualTo("200 ok 6");
    }
  }

  @Test
  void responseSlowerThanDeadline_served() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      c.send(RawHttp.get("/slow"));

      assertThat(c.readResponse()).isEqualTo("200 late");
    }
  }

  @Test
  void pipelinedRequests_allServed() throws Exception {
    try (RawHttp c = RawHttp.connect(plain.actualPort())) {
      c.send(RawHttp.get("/slow") + RawHttp.get("/") + RawHttp.get("/slow"));

      assertThat(c.readResponse()).isEqualTo("200 late");
      assertThat(c.readResponse()).isEqualTo("200 ok 0");
      assertThat(c.readResponse()).isEqualTo("200 late");
    }
  }

  @Test
  void tlsHttp1_trickledHead_connectionClosedWith408() throws Exception {
    try (RawHttp c = new RawHttp(tlsSocket())) {
      c.send(RawHttp.get("/"));
      assertThat(c.readResponse()).isEqualTo("200 ok 0");
      Thread.sleep(PAUSE);

      String answer = c.trickleUntilClosed(SLOW_HEAD, 100);

      assertThat(answer).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void http2ByAlpn_idleLongerThanDeadline_connectionKept() throws Exception {
    assertHttp2ConnectionKept(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setSsl(true)
            .setUseAlpn(true)
            .setTrustAll(true)
            .setVerifyHost(false),
        tls.actualPort());
  }

  @Test
  void h2cPriorKnowledge_idleLongerThanDeadline_connectionKept() throws Exception {
    assertHttp2ConnectionKept(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false),
        plain.actualPort());
  }

  @Test
  void h2cUpgrade_idleLongerThanDeadline_connectionKept() throws Exception {
    assertHttp2ConnectionKept(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(true),
        plain.actualPort());
  }

  @Test
  void webSocket_quietLongerThanDeadline_stillEchoes() throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws =
          client.connect(plain.actualPort(), "127.0.0.1", "/ws").await(10, TimeUnit.SECONDS);
      Thread.sleep(PAUSE);
      CompletableFuture<String> echo = new CompletableFuture<>();
      ws.textMessageHandler(echo::complete);

      ws.writeTextMessage("still here");

      assertThat(echo.get(10, TimeUnit.SECONDS)).isEqualTo("still here");
    } finally {
      client.close().await();
    }
  }

  @Test
  void createHttpServer_noIdleTimeout_refused() {
    assertThatThrownBy(
            () ->
                HeadDeadline.createHttpServer(
                    vertx, new HttpServerOptions().setIdleTimeout(0), DEADLINE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idle timeout");
  }

  @Test
  void configured_badProperty_namesPropertyAndValue() {
    System.setProperty(HeadDeadline.PROPERTY, "ten");
    try {
      assertThatThrownBy(HeadDeadline::configured)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(HeadDeadline.PROPERTY)
          .hasMessageContaining("'ten'");
    } finally {
      System.clearProperty(HeadDeadline.PROPERTY);
    }
    assertThat(HeadDeadline.configured()).isEqualTo(HeadDeadline.DEFAULT);
  }

  private static void assertHttp2ConnectionKept(HttpClientOptions options, int port)
      throws Exception {
    HttpClientAgent client = vertx.createHttpClient(options);
    try {
      assertThat(get(client, port)).isEqualTo("HTTP_2 200 ok 0");
      Thread.sleep(PAUSE);
      assertThat(get(client, port)).isEqualTo("HTTP_2 200 ok 0");
      assertThat(connections).hasSize(1);
      assertThat(connections.peek()).isFalse();
    } finally {
      client.close().await();
    }
  }

  private static String get(HttpClientAgent client, int port) throws Exception {
    Future<String> f =
        client
            .request(HttpMethod.GET, port, "127.0.0.1", "/")
            .compose(
                req ->
                    req.send()
                        .compose(
                            resp ->
                                resp.body()
                                    .map(
                                        b ->
                                            resp.version()
                                                + " "
                                                + resp.statusCode()
                                                + " "
                                                + b.toString())));
    return f.await(10, TimeUnit.SECONDS);
  }

  private static SSLSocket tlsSocket() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream pem = new FileInputStream(certificate.certificatePath())) {
      trust.setCertificateEntry(
          "server", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", tls.actualPort());
    s.startHandshake();
    return s;
  }
}
