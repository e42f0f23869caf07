package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between two workloads with the SDK's context, each with an SVID from a real {@code
 * vigil agent} over its Unix socket; rotation is followed without building a new context.
 */
class SvidSslContextTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final String SERVER = "spiffe://prod.example/orders";
  private static final String CLIENT = "spiffe://prod.example/web";

  @TempDir static Path tmp;
  static Store store;
  static Identities ids;
  static WorkloadAgent serverAgent;
  static WorkloadAgent clientAgent;
  static SvidSslContext serverTls;
  static SvidSslContext clientTls;
  static SSLServerSocket server;
  static final List<BigInteger> clientSerialsSeen = new CopyOnWriteArrayList<>();
  static Thread acceptor;

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    ids.createEntry(
        SpiffeId.parse(SERVER), List.of(Selector.parse("label:orders")), null, List.of());
    ids.createEntry(SpiffeId.parse(CLIENT), List.of(Selector.parse("label:web")), null, List.of());
    serverAgent = agent("orders.sock", "orders");
    clientAgent = agent("web.sock", "web");
    serverTls =
        SvidSslContext.connect(
            "unix:" + serverAgent.socket(), Duration.ofSeconds(20), SvidSslContext.only(CLIENT));
    clientTls =
        SvidSslContext.connect(
            "unix:" + clientAgent.socket(), Duration.ofSeconds(20), SvidSslContext.only(SERVER));
    server =
        (SSLServerSocket)
            serverTls
                .sslContext()
                .getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    acceptor = new Thread(SvidSslContextTest::serve, "orders");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private static WorkloadAgent agent(String socket, String label) throws Exception {
    Set<Selector> shown = Set.of(Selector.parse("label:" + label));
    return WorkloadAgent.start(
        tmp.resolve(socket),
        ids,
        (pid, uid, gid) -> shown,
        InstantSource.system(),
        Duration.ofMillis(200));
  }

  /** The orders workload: answers one line per connection with the caller's SPIFFE ID. */
  private static void serve() {
    while (!server.isClosed()) {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
        clientSerialsSeen.add(peer.getSerialNumber());
        String line =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)
            .println(line + " from " + peer.getSubjectAlternativeNames().iterator().next().get(1));
      } catch (Exception e) {
        // A refused handshake; the client side asserts it.
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    serverTls.close();
    clientTls.close();
    serverAgent.close();
    clientAgent.close();
    store.close();
  }

  private static String call(SvidSslContext tls) throws Exception {
    try (SSLSocket s =
        (SSLSocket)
            tls.sslContext()
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8).println("hello");
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  @Test
  void handshake_bothSidesAccepted_serverSeesTheClientSpiffeId() throws Exception {
    assertThat(call(clientTls)).isEqualTo("hello from " + CLIENT);
    assertThat(clientTls.spiffeId()).isEqualTo(CLIENT);
  }

  @Test
  void javaHttpClient_overHttpsWithBothContexts_noHostnameNeeded() throws Exception {
    var https =
        com.sun.net.httpserver.HttpsServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(
        new com.sun.net.httpserver.HttpsConfigurator(serverTls.sslContext()) {
          @Override
          public void configure(com.sun.net.httpserver.HttpsParameters p) {
            p.setNeedClientAuth(true);
          }
        });
    https.createContext(
        "/",
        ex -> {
          var peer =
              (X509Certificate)
                  ((com.sun.net.httpserver.HttpsExchange) ex)
                      .getSSLSession()
                      .getPeerCertificates()[0];
          byte[] body = ("orders saw " + peer.getSerialNumber()).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    https.start();
    try {
      var http = java.net.http.HttpClient.newBuilder().sslContext(clientTls.sslContext()).build();
      var resp =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(
                          "https://127.0.0.1:" + https.getAddress().getPort() + "/orders/7"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());

      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.body()).startsWith("orders saw ");
    } finally {
      https.stop(0);
    }
  }

  @Test
  void handshake_serverIsNotTheExpectedWorkload_refusedByTheClient() throws Exception {
    try (SvidSslContext wrong =
        SvidSslContext.connect(
            "unix:" + clientAgent.socket(),
            Duration.ofSeconds(20),
            SvidSslContext.only("spiffe://prod.example/billing"))) {
      assertThatThrownBy(() -> call(wrong))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("spiffe://prod.example/orders is not accepted");
    }
  }

  @Test
  void handshake_afterRotation_presentsTheNewSvidWithTheSameContext() throws Exception {
    call(clientTls);
    BigInteger before = clientSerialsSeen.getLast();

    ids.revoke(
        SpiffeId.parse(CLIENT).trustDomain(), before, java.time.Instant.now().plusSeconds(3600));
    BigInteger after = before;
    for (int i = 0; i < 200 && after.equals(before); i++) {
      Thread.sleep(50);
      call(clientTls);
      after = clientSerialsSeen.getLast();
    }

    assertThat(after).isNotEqualTo(before);
    assertThat(call(clientTls)).isEqualTo("hello from " + CLIENT);
  }

  @Test
  void connect_noSocketAtThePath_refusedAtOnceNamingIt() {
    // Regression: java-spiffe retried until the timeout, printing a stack trace per attempt, and
    // the error ended in "Error creating X.509 source".
    Path absent = tmp.resolve("absent.sock");
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                SvidSslContext.connect(
                    "unix:" + absent, Duration.ofSeconds(20), SvidSslContext.only(SERVER)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Workload API at unix:" + absent)
        .hasMessageContaining("no socket at " + absent);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void connect_agentIssuesNothingToThisWorkload_saysWhatTheAgentAnswered() throws Exception {
    WorkloadAgent nobody = agent("nobody.sock", "nobody");
    try {
      assertThatThrownBy(
              () ->
                  SvidSslContext.connect(
                      "unix:" + nobody.socket(),
                      Duration.ofSeconds(2),
                      SvidSslContext.only(SERVER)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Workload API at unix:" + nobody.socket())
          .hasMessageContaining("PERMISSION_DENIED");
    } finally {
      nobody.close();
    }
  }

  @Test
  void connect_relativeOrSchemelessSocketPath_readFromTheWorkingDirectory() throws Exception {
    // Regression: "unix:data/agent.sock", which vigil sidecar takes, was refused as "opaque".
    Path relative = Path.of("").toAbsolutePath().relativize(clientAgent.socket());
    for (String address : List.of("unix:" + relative, clientAgent.socket().toString())) {
      try (SvidSslContext tls =
          SvidSslContext.connect(address, Duration.ofSeconds(20), SvidSslContext.only(SERVER))) {
        assertThat(tls.spiffeId()).isEqualTo(CLIENT);
      }
    }
  }

  @Test
  void only_notAWorkloadsSpiffeId_refusedQuotingIt() {
    for (String id :
        List.of(
            "spiffe://prod.example", "spiffe://prod.example/orders/", "https://prod.example/a")) {
      assertThatThrownBy(() -> SvidSslContext.only(id))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + id + "\"");
    }
  }
}
