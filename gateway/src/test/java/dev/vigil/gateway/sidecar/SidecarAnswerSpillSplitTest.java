package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: bytes a next hop sent past the end of its answer that did not yet make a whole answer
 * head were not seen, and the pooled connection went to the next caller, whose request the rest of
 * that head then answered ({@code forged}, with the next hop's {@code Set-Cookie}). Two ways: the
 * first bytes of the head come in the same write as the answer (the outbound listener's Vert.x pool
 * missed them), or in a later write while the connection waits idle in its pool (both pools missed
 * them). Either way the connection must be closed, not given to another caller.
 *
 * <p>Both next hops are raw sockets: the app on loopback behind an inbound listener ({@code
 * DirectUpstream}), and a mutual TLS server presenting workload B's SVID behind an outbound
 * listener (Vert.x's pool with {@code AnswerSpillGuard}). Each answers {@code /first} with {@code
 * ok} and the first bytes of a forged answer, and writes its rest only if another request comes on
 * that connection; it notes when the sidecar closes the connection instead.
 */
class SidecarAnswerSpillSplitTest {

  private static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := true
      """;

  static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  static final String SPILL_HEAD = "HTTP/1.1 200 OK\r\nSet-Cookie: evil=1\r\n";
  static final String SPILL_REST = "Content-Length: 6\r\n\r\nforged";

  @org.junit.jupiter.api.io.TempDir static Path tmp;
  static TwoWorkloads workloads;
  static DecisionPoint pdp;
  RawNextHop app;
  RawNextHop peer;
  Sidecar sidecar;

  @BeforeAll
  static void startWorkloads() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    pdp = workloads.decisionPoint(POLICY);
  }

  @AfterAll
  static void stopWorkloads() {
    pdp.close();
    workloads.close();
  }

  @BeforeEach
  void start() throws Exception {
    app = new RawNextHop(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(
        new KeyManager[] {new SvidKeyManager(workloads.credsB::svid)},
        new TrustManager[] {
          new PeerVerifier("raw-peer", workloads.ids.x509Validator(), TwoWorkloads.A, null)
        },
        null);
    SSLServerSocket tlsServer =
        (SSLServerSocket)
            tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    tlsServer.setNeedClientAuth(true);
    peer = new RawNextHop(tlsServer);
    sidecar =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        new Route(
                            "to-app",
                            "*",
                            "/",
                            URI.create("http://127.0.0.1:" + app.port()),
                            "sidecar/allow",
                            Mode.ENFORCE,
                            Map.of("service", "b"),
                            null))),
                List.of(
                    new Outbound(
                        "to-peer", "127.0.0.1", 0, "127.0.0.1", peer.port(), TwoWorkloads.B))),
            workloads.credsA,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
  }

  @AfterEach
  void stop() throws Exception {
    sidecar.close();
    app.close();
    peer.close();
  }

  @ParameterizedTest
  @CsvSource({"to-app, true", "to-app, false", "to-peer, true", "to-peer, false"})
  void headCutShortPastAnAnswer_connectionClosed_nextCallerGetsItsOwnAnswer(
      String listener, boolean sameWrite) throws Exception {
    RawNextHop hop = listener.equals("to-app") ? app : peer;
    hop.sameWrite.set(sameWrite);
    int port = sidecar.port(listener);

    String one = get(port, "/first");
    hop.spill.countDown();
    boolean closed = hop.closed.await(10, TimeUnit.SECONDS);
    String two = get(port, "/second");

    assertThat(one).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok");
    assertThat(two)
        .startsWith("HTTP/1.1 200")
        .endsWith("\r\n\r\nanswer to /second")
        .doesNotContain("evil");
    assertThat(closed).as("the sidecar closed the connection that held the spill").isTrue();
  }

  /**
   * The guard closes only what spilled: whole answers, each head and body in writes of their own,
   * leave the pooled connection to serve the next caller.
   */
  @ParameterizedTest
  @ValueSource(strings = {"to-app", "to-peer"})
  void wholeAnswersInSeveralWrites_connectionKeptForTheNextCaller(String listener)
      throws Exception {
    RawNextHop hop = listener.equals("to-app") ? app : peer;
    hop.spilling.set(false);
    int port = sidecar.port(listener);

    String one = get(port, "/first");
    String two = get(port, "/second");

    assertThat(one).endsWith("\r\n\r\nanswer to /first");
    assertThat(two).endsWith("\r\n\r\nanswer to /second");
    assertThat(hop.connections.get()).isEqualTo(1);
  }

  /** Sends one GET as a caller of its own, with {@code Connection: close}, and reads to the end. */
  private static String get(int port, String path) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      String req = "GET " + path + " HTTP/1.1\r\nHost: b.internal\r\nConnection: close\r\n\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A next hop written byte by byte. {@code /first} is answered {@link #ANSWER} followed by {@link
   * #SPILL_HEAD}, in the same write or, when {@link #sameWrite} is off, in one of its own once
   * {@link #spill} opens; the next request on that connection gets {@link #SPILL_REST}, and its
   * end, the sidecar closing it, opens {@link #closed}. Every other path is answered {@code answer
   * to PATH}.
   */
  static final class RawNextHop implements AutoCloseable {
    final ServerSocket server;
    final AtomicBoolean sameWrite = new AtomicBoolean();
    final AtomicBoolean spilling = new AtomicBoolean(true);
    final CountDownLatch spill = new CountDownLatch(1);
    final CountDownLatch closed = new CountDownLatch(1);
    final AtomicInteger connections = new AtomicInteger();

    RawNextHop(ServerSocket server) {
      this.server = server;
      Thread.ofPlatform().daemon().start(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          Thread.ofPlatform().daemon().start(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      boolean spilled = false;
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        for (String head; (head = readHead(in)) != null; ) {
          int from = head.indexOf(' ') + 1;
          String path = head.substring(from, head.indexOf(' ', from));
          if (spilled) {
            out.write(bytes(SPILL_REST));
          } else if (path.equals("/first") && spilling.get()) {
            spilled = true;
            if (sameWrite.get()) {
              out.write(bytes(ANSWER + SPILL_HEAD));
            } else {
              out.write(bytes(ANSWER));
              out.flush();
              spill.await(20, TimeUnit.SECONDS);
              out.write(bytes(SPILL_HEAD));
            }
          } else {
            String body = "answer to " + path;
            out.write(bytes("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n"));
            out.write(bytes(body));
          }
          out.flush();
        }
        if (spilled) {
          closed.countDown();
        }
      } catch (IOException | InterruptedException e) {
        if (spilled) {
          closed.countDown();
        }
      }
    }

    private static byte[] bytes(String s) {
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String readHead(InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      for (int c; (c = in.read()) >= 0; ) {
        b.append((char) c);
        if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
          return b.toString();
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
