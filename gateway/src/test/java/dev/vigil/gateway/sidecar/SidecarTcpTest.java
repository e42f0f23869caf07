package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SidecarConfig.Protocol;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.X509Svid;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionRecord;
import dev.vigil.testkit.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP through two sidecars ({@code protocol: tcp}), with SVIDs from real agents: a PostgreSQL
 * client (the JDBC driver) connects to A's outbound TCP listener, which opens mutual TLS to B's TCP
 * inbound listener, which decides once per connection and relays the bytes to the real PostgreSQL
 * on 127.0.0.1:5432. A policy denial, a caller from another trust domain and a caller without a
 * certificate are closed before a byte reaches the app, and logged; a byte echo app shows
 * half-close and a transfer of several megabytes crossing exactly.
 */
class SidecarTcpTest {

  private static final SpiffeId A = TwoWorkloads.A;
  private static final SpiffeId B = TwoWorkloads.B;

  static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := false

      allow if {
        input.request.protocol == "tcp"
        input.subject.spiffe_id == "spiffe://prod.example/a"
        not input.resource.route in {"b-db-denied", "b-db-monitor", "b-guarded"}
      }
      """;

  /** Where the test's PostgreSQL listens (trust auth, database {@code test}). */
  private static final int POSTGRES_PORT = 5432;

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static ServerSocket echo;

  /** An app behind a listener whose policy denies A, and how many connections it accepted. */
  static ServerSocket guarded;

  static final AtomicInteger guardedAccepted = new AtomicInteger();
  static Sidecar sidecarA;
  static Sidecar sidecarB;

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    echo = echoApp();
    guarded = new ServerSocket();
    guarded.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread.ofVirtual()
        .start(
            () -> {
              while (!guarded.isClosed()) {
                try (Socket c = guarded.accept()) {
                  guardedAccepted.incrementAndGet();
                } catch (IOException e) {
                  return;
                }
              }
            });
    DecisionPoint pdp = workloads.decisionPoint(POLICY);
    URI db = URI.create("tcp://127.0.0.1:" + POSTGRES_PORT);
    URI echoApp = URI.create("tcp://127.0.0.1:" + echo.getLocalPort());
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    tcp("b-db", db, Mode.ENFORCE),
                    tcp("b-db-denied", db, Mode.ENFORCE),
                    tcp("b-db-monitor", db, Mode.MONITOR),
                    tcp("b-echo", echoApp, Mode.ENFORCE),
                    tcp(
                        "b-guarded",
                        URI.create("tcp://127.0.0.1:" + guarded.getLocalPort()),
                        Mode.ENFORCE),
                    // Nothing listens there: the app is down.
                    tcp("b-gone", URI.create("tcp://127.0.0.1:" + FreePorts.next()), Mode.ENFORCE)),
                List.of()),
            workloads.credsB,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
    sidecarA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    toB("to-db", "b-db", B),
                    toB("to-db-denied", "b-db-denied", B),
                    toB("to-db-monitor", "b-db-monitor", B),
                    toB("to-db-as-c", "b-db", SpiffeId.parse("spiffe://prod.example/c")),
                    toB("to-echo", "b-echo", B),
                    toB("to-gone", "b-gone", B),
                    toB("to-guarded", "b-guarded", B))),
            workloads.credsA,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
  }

  private static Inbound tcp(String name, URI app, Mode mode) {
    Route route =
        new Route(name, "*", "/", app, "sidecar/allow", mode, Map.of("service", "db"), null);
    return new Inbound("127.0.0.1", 0, PeerMode.STRICT, route, AppProtocol.HTTP1, Protocol.TCP);
  }

  private static Outbound toB(String name, String inbound, SpiffeId expect) {
    return new Outbound(
        name, "127.0.0.1", 0, "127.0.0.1", sidecarB.port(inbound), expect, Protocol.TCP);
  }

  /**
   * An app that sends back every byte it reads, as it reads it, and once its caller has shut down
   * its output, {@code "\nbye"}, then closes: the answer after the caller's end shows that the
   * half-close crossed both sidecars and the way back stayed open.
   */
  static ServerSocket echoApp() throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread.ofVirtual()
        .start(
            () -> {
              while (!s.isClosed()) {
                try {
                  Socket c = s.accept();
                  Thread.ofVirtual().start(() -> echo(c));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return s;
  }

  private static void echo(Socket c) {
    try (c) {
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
      }
      out.write("\nbye".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      // The caller went away: nothing to answer.
    }
  }

  @AfterAll
  static void stop() throws Exception {
    sidecarA.close();
    sidecarB.close();
    echo.close();
    guarded.close();
    workloads.close();
  }

  private static Connection postgres(int port) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:"
            + port
            + "/test?sslmode=disable&connectTimeout=10&socketTimeout=10");
  }

  @Test
  void postgres_throughTwoTcpSidecars_selectOneAnswersAndTheConnectionIsLogged() throws Exception {
    try (Connection c = postgres(sidecarA.port("to-db"));
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }

    DecisionRecord d = workloads.logged("sidecar/allow", "b-db", A.toString());
    assertThat(d.allowed()).isTrue();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson())
        .contains("\"workload\":\"" + B + "\"")
        .contains("\"transport\":\"mtls\"")
        .contains("\"protocol\":\"tcp\"")
        .contains("\"action\":\"write\"")
        .doesNotContain("\"method\"")
        .doesNotContain("\"path\":\"/");
  }

  @Test
  void postgres_policyDeniesTheCaller_connectFailsAndTheDenialIsLoggedWithItsReason()
      throws Exception {
    assertThatThrownBy(() -> postgres(sidecarA.port("to-db-denied")).close())
        .isInstanceOf(SQLException.class);

    DecisionRecord d = workloads.logged("sidecar/allow", "b-db-denied", A.toString());
    assertThat(d.allowed()).isFalse();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson())
        .contains("\"workload\":\"" + B + "\"")
        .contains("\"explanation\"")
        .contains("b-db-denied");
  }

  @Test
  void postgres_monitorMode_wouldBeDenialLetThroughAndMarked() throws Exception {
    try (Connection c = postgres(sidecarA.port("to-db-monitor"));
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT 2")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }

    DecisionRecord d = workloads.logged("sidecar/allow", "b-db-monitor", A.toString());
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"mode\":\"monitor\"").contains("\"enforced\":false");
  }

  @Test
  void outbound_serverHasAnotherSpiffeId_connectFailsAndTheRefusalIsLogged() throws Exception {
    assertThatThrownBy(() -> postgres(sidecarA.port("to-db-as-c")).close())
        .isInstanceOf(SQLException.class);

    DecisionRecord d = workloads.logged(RefusalLog.PATH, "to-db-as-c", "UNEXPECTED_ID");
    assertThat(d.eventJson()).contains("peer is spiffe://prod.example/b");
  }

  @Test
  void inbound_callerFromAnotherTrustDomain_refusedBeforePolicyAndLogged() throws Exception {
    X509Svid staging =
        workloads.ids.issueX509(SpiffeId.parse("spiffe://staging.example/a"), List.of(), null);

    assertClosedWithoutAByte(() -> SidecarTest.tls(sidecarB.port("b-db"), staging));

    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-db", "staging.example");
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"refusal\":\"NO_BUNDLE\"");
  }

  @Test
  void inbound_callerWithoutACertificate_refusedBeforePolicyAndLogged() throws Exception {
    assertClosedWithoutAByte(() -> SidecarTest.tls(sidecarB.port("b-db"), null));

    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-db", "NO_CLIENT_CERTIFICATE");
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("mutual TLS is required");
  }

  @Test
  void inbound_policyDenies_callerClosedAndTheAppNeverConnectedTo() throws Exception {
    assertClosedWithoutAByte(() -> new Socket("127.0.0.1", sidecarA.port("to-guarded")));

    DecisionRecord d = workloads.logged("sidecar/allow", "b-guarded", A.toString());
    assertThat(d.allowed()).isFalse();
    assertThat(guardedAccepted).hasValue(0);
  }

  @Test
  void inbound_appDownAfterAnAllow_callerClosedWithoutAByte() throws Exception {
    assertClosedWithoutAByte(() -> new Socket("127.0.0.1", sidecarA.port("to-gone")));

    DecisionRecord d = workloads.logged("sidecar/allow", "b-gone", A.toString());
    assertThat(d.allowed()).isTrue();
  }

  @Test
  void echo_clientShutsDownItsOutput_appSeesTheEndAndItsAnswerStillComesBack() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sidecarA.port("to-echo"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();

      byte[] answer = s.getInputStream().readAllBytes();

      assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("ping\nbye");
    }
  }

  @Test
  void echo_eightMegabytesBothWays_everyByteComesBackInOrder() throws Exception {
    assertEchoedWhole(7);
  }

  /**
   * Connections at once, each sending all its bytes and its end while the way back is still busy:
   * the relay pauses them for backpressure as their ends arrive. Ends held during a pause were once
   * left unhandled (the connection stalled), and on the epoll transport a connection paused at its
   * end was closed with part of its answer unsent.
   */
  @Test
  void echo_threeConnectionsAtOnceOfEightMegabytes_everyByteOfEachComesBackInOrder()
      throws Exception {
    for (int round = 0; round < 5; round++) {
      List<CompletableFuture<Void>> echoes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int seed = 100 * round + i;
        echoes.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    assertEchoedWhole(seed);
                  } catch (Exception e) {
                    throw new IllegalStateException("echo " + seed + ": " + e, e);
                  }
                },
                Thread::startVirtualThread));
      }
      for (CompletableFuture<Void> echo : echoes) {
        echo.get(2, TimeUnit.MINUTES);
      }
    }
  }

  /**
   * Sends 8 MiB of random bytes from {@code seed} through A's {@code to-echo} listener while
   * reading the echo, then its end, and asserts that every byte comes back in order, then {@code
   * "\nbye"}.
   */
  private static void assertEchoedWhole(long seed) throws Exception {
    byte[] sent = new byte[8 * 1024 * 1024];
    new Random(seed).nextBytes(sent);
    try (Socket s = new Socket("127.0.0.1", sidecarA.port("to-echo"))) {
      s.setSoTimeout(30_000);
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  OutputStream out = s.getOutputStream();
                  for (int off = 0; off < sent.length; off += 100_000) {
                    out.write(sent, off, Math.min(100_000, sent.length - off));
                  }
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              Thread::startVirtualThread);

      byte[] back = s.getInputStream().readAllBytes();
      writer.get(30, TimeUnit.SECONDS);

      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(sent);
      expected.write("\nbye".getBytes(StandardCharsets.US_ASCII));
      assertThat(back.length).isEqualTo(sent.length + 4);
      assertThat(back).isEqualTo(expected.toByteArray());
    }
  }

  /** A connection opener that may fail its handshake. */
  private interface Opener {
    Socket open() throws Exception;
  }

  /**
   * Asserts that the connection {@code opener} makes fails, or is closed by the sidecar, without a
   * byte from the app.
   */
  private static void assertClosedWithoutAByte(Opener opener) {
    try (Socket s = opener.open()) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("SELECT".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    } catch (Exception e) {
      assertThat(e).isInstanceOf(IOException.class);
    }
  }
}
