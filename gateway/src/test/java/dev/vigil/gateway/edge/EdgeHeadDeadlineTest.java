package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.HeadDeadline;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request head deadline on the gateway's plain and TLS listeners, set to 300 ms: a head sent a
 * byte at a time is cut with 408, kept-alive clients that pause longer than that are served, and
 * HTTP/2 over TLS keeps its connection.
 */
class EdgeHeadDeadlineTest {

  static final long PAUSE = 900;
  static final String SLOW_HEAD =
      "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n";
  static final String GET = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  @TempDir static Path tmp;
  static HttpServer upstream;
  static ServerCertificate serverCert;
  static EdgeGateway gateway;
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    upstream = Fixtures.answering(ex -> "upstream ok");
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
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
    serverCert = ServerCertificate.selfSigned(tmp, Instant.now());
    System.setProperty(HeadDeadline.PROPERTY, "300");
    try {
      gateway =
          EdgeGateway.start(
              EdgeGateway.Settings.of(
                      "127.0.0.1",
                      0,
                      new AtomicReference<>(new RouteTable(List.of(route))),
                      pdp,
                      new IdentityAssertion(
                          "vigil", Duration.ofSeconds(60), InstantSource.system()),
                      InstantSource.system())
                  .withTls(new TlsListener("127.0.0.1", 0, serverCert, null)));
    } finally {
      System.clearProperty(HeadDeadline.PROPERTY);
    }
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    gateway.close();
    upstream.stop(0);
  }

  @Test
  void plain_trickledHead_closedWith408() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      assertThat(trickleUntilClosed(s, SLOW_HEAD)).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void plain_keepAliveWithPausesLongerThanDeadline_everyRequestServed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      for (int i = 0; i < 3; i++) {
        send(s, GET);
        assertThat(readResponse(s)).isEqualTo("200 upstream ok");
        Thread.sleep(PAUSE);
      }
      send(s, GET);
      assertThat(readResponse(s)).isEqualTo("200 upstream ok");
    }
  }

  @Test
  void plain_secondHeadTrickled_closedWith408() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      send(s, GET);
      assertThat(readResponse(s)).isEqualTo("200 upstream ok");
      Thread.sleep(PAUSE);

      assertThat(trickleUntilClosed(s, SLOW_HEAD)).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void tlsHttp1_trickledHead_closedWith408() throws Exception {
    try (SSLSocket s = (SSLSocket) trusting().getSocketFactory().createSocket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.tlsPort()));
      s.startHandshake();

      assertThat(trickleUntilClosed(s, SLOW_HEAD)).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void tlsHttp2_idleLongerThanDeadline_sameConnectionServes() throws Exception {
    HttpClientAgent client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setSsl(true)
                .setUseAlpn(true)
                .setTrustAll(true)
                .setVerifyHost(false));
    try {
      AtomicReference<HttpConnection> first = new AtomicReference<>();
      assertThat(getOverTls(client, first)).isEqualTo("HTTP_2 200 upstream ok");
      Thread.sleep(PAUSE);
      AtomicReference<HttpConnection> second = new AtomicReference<>();
      assertThat(getOverTls(client, second)).isEqualTo("HTTP_2 200 upstream ok");

      assertThat(second.get()).isSameAs(first.get());
    } finally {
      client.close().await();
    }
  }

  private static String getOverTls(HttpClientAgent client, AtomicReference<HttpConnection> conn)
      throws Exception {
    return client
        .request(HttpMethod.GET, gateway.tlsPort(), "127.0.0.1", "/x")
        .compose(
            req -> {
              conn.set(req.connection());
              return req.send()
                  .compose(
                      resp ->
                          resp.body().map(b -> resp.version() + " " + resp.statusCode() + " " + b));
            })
        .await(10, TimeUnit.SECONDS);
  }

  private static SSLContext trusting() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "gateway",
        dev.vigil.access.DeviceCertificates.certificates(serverCert.certificatePem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /** Reads one response with a Content-Length; returns its status code and body. */
  private static String readResponse(Socket s) throws IOException {
    s.setSoTimeout(20_000);
    InputStream in = s.getInputStream();
    String status = readLine(in);
    int length = 0;
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).strip());
      }
    }
    return status.split(" ")[1] + " " + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) {
        throw new IOException("connection closed mid-response");
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.US_ASCII).strip();
  }

  /**
   * Sends {@code text} a byte every 100 ms until the server closes the connection; returns what it
   * sent before closing, or null if all of {@code text} went out and the connection stayed open for
   * 10 s more.
   */
  private static String trickleUntilClosed(Socket s, String text) throws Exception {
    s.setSoTimeout(20_000);
    InputStream in = s.getInputStream();
    CompletableFuture<String> answer =
        CompletableFuture.supplyAsync(
            () -> {
              ByteArrayOutputStream got = new ByteArrayOutputStream();
              byte[] buf = new byte[512];
              try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                  got.write(buf, 0, n);
                }
              } catch (IOException e) {
                // A reset after the close: keep what came before it.
              }
              return got.toString(StandardCharsets.US_ASCII);
            });
    OutputStream out = s.getOutputStream();
    for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
      if (answer.isDone()) {
        break;
      }
      try {
        out.write(b);
        out.flush();
      } catch (IOException e) {
        break; // the server closed
      }
      Thread.sleep(100);
    }
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return null;
    }
  }
}
