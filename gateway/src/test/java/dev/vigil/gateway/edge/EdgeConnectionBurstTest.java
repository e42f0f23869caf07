package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.LoopListeners;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import io.vertx.core.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many connections opened at once, each with one request, all get their answer, on the gateway's
 * default transport (io_uring where the kernel allows it), with Java's assertions on, as Surefire
 * sets them for every package. Regression: Netty 4.2.9 (the version Vert.x 5.0.7 brings) has an
 * assertion in its io_uring transport that fails, wrongly, whenever two connections of one event
 * loop write several buffers before the loop submits its queue (netty/netty#16705, fixed in Netty
 * 4.2.13), and the failed write shut the connection with no answer: a quarter of 40 plain refusals,
 * nearly all refusals over TLS. The build now takes Netty 4.2.18, and neither the tests nor the
 * launcher turn those assertions off any more. The gateways, the upstream and the clients are real,
 * on loopback.
 */
class EdgeConnectionBurstTest {

  static final String POLICY =
      """
      package burst
      import rego.v1

      default allow := true
      """;

  /** Connections opened together per case: 40 lost some on 4.2.9 within one round. */
  static final int BURST = 200;

  @TempDir static Path tmp;
  static HttpServer upstream;
  static ExecutorService upstreamThreads;
  static ServerCertificate serverCert;
  static SSLContext client;
  static EdgeGateway defaultLoops;
  static EdgeGateway threeLoops;

  @BeforeAll
  static void start() throws Exception {
    upstreamThreads = Executors.newFixedThreadPool(16);
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    upstream.setExecutor(upstreamThreads);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body = "up".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    serverCert = ServerCertificate.selfSigned(tmp, Instant.now());
    client = trusting(serverCert);
    defaultLoops = gateway(null);
    // Several servers sharing one port, each on its own event loop, as on a larger machine.
    threeLoops = gateway("3");
  }

  private static EdgeGateway gateway(String loops) throws Exception {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "burst", Map.of("burst.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    Route app = new Route("app", "*", "/app", up, "burst/allow", Mode.ENFORCE, Map.of(), null);
    InstantSource clock = InstantSource.system();
    String before = System.getProperty(LoopListeners.PROPERTY);
    if (loops != null) {
      System.setProperty(LoopListeners.PROPERTY, loops);
    }
    try {
      return EdgeGateway.start(
          EdgeGateway.Settings.of(
                  "127.0.0.1",
                  0,
                  new AtomicReference<>(new RouteTable(List.of(app))),
                  pdp,
                  new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                  clock)
              .withTls(new TlsListener("127.0.0.1", Fixtures.freePort(), serverCert, null)));
    } finally {
      if (before == null) {
        System.clearProperty(LoopListeners.PROPERTY);
      } else {
        System.setProperty(LoopListeners.PROPERTY, before);
      }
    }
  }

  @AfterAll
  static void stop() {
    defaultLoops.close();
    threeLoops.close();
    upstream.stop(0);
    upstreamThreads.shutdownNow();
  }

  @Test
  void defaultTransport_isIoUringWhereTheKernelAllowsIt() {
    assertThat(EdgeGateway.transport())
        .isEqualTo(
            Transport.IO_URING.available()
                ? Transport.IO_URING
                : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO);
  }

  @ParameterizedTest(name = "{0} loops, tls={1}, {2}")
  @CsvSource({
    "default, false, /scan, 404",
    "default, false, /app, 200",
    "default, true, /scan, 404",
    "default, true, /app, 200",
    "three, false, /scan, 404",
    "three, false, /app, 200",
    "three, true, /scan, 404",
    "three, true, /app, 200",
  })
  void burstOfConnections_everyOneGetsItsAnswer(
      String loops, boolean tls, String path, String status) throws Exception {
    EdgeGateway gw = loops.equals("default") ? defaultLoops : threeLoops;
    int port = tls ? gw.tlsPort() : gw.port();

    Map<String, Integer> outcomes = burst(port, tls, path);

    assertThat(outcomes)
        .as("outcomes of %d connections on %s", BURST, EdgeGateway.transport())
        .containsExactly(Map.entry("answer " + status, BURST));
  }

  /** Opens {@link #BURST} connections at once, one request each; counts what each one got. */
  private static Map<String, Integer> burst(int port, boolean tls, String path) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> sent = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < BURST; i++) {
        String target = path + "/" + i;
        sent.add(
            clients.submit(
                () -> {
                  go.await();
                  return exchange(port, tls, target);
                }));
      }
      go.countDown();
      Map<String, Integer> outcomes = new TreeMap<>();
      for (Future<String> f : sent) {
        outcomes.merge(f.get(30, TimeUnit.SECONDS), 1, Integer::sum);
      }
      return outcomes;
    }
  }

  /** One connection, one request: "answer STATUS", "closed with no answer" or the failure. */
  private static String exchange(int port, boolean tls, String target) {
    try (Socket s =
        tls
            ? client.getSocketFactory().createSocket("127.0.0.1", port)
            : new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      if (s instanceof SSLSocket ssl) {
        ssl.startHandshake();
      }
      s.getOutputStream()
          .write(
              ("GET " + target + " HTTP/1.1\r\nHost: burst.example\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      in.transferTo(got);
      String answer = got.toString(StandardCharsets.ISO_8859_1);
      if (answer.isEmpty()) {
        return "closed with no answer";
      }
      String[] status = answer.split(" ", 3);
      return status.length > 1 && status[0].equals("HTTP/1.1")
          ? "answer " + status[1]
          : "not HTTP: " + answer.substring(0, Math.min(40, answer.length()));
    } catch (SocketException e) {
      return "reset or refused: " + e.getMessage();
    } catch (Exception e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static SSLContext trusting(ServerCertificate cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "gateway", dev.vigil.access.DeviceCertificates.certificates(cert.certificatePem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }
}
