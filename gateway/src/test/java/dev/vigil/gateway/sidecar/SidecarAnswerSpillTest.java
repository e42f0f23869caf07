package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Response queue poisoning through the sidecar's HTTP/1.1 pools: a next hop that sends bytes past
 * the end of its answer (here a whole second, forged answer with a {@code Set-Cookie}, in the same
 * write) must not have them read as the answer of the next caller given that pooled connection.
 * Both next hops are raw sockets: the app on loopback behind an inbound listener, and a mutual TLS
 * server presenting workload B's SVID behind an outbound listener (what another workload's sidecar
 * would be).
 *
 * <p>Each raw server holds its answers until as many requests as the outbound pool has connections
 * are in flight; a second caller sent then waits for a connection of the pool, and the pool hands
 * it the first connection the moment the first answer ends, as under load.
 */
class SidecarAnswerSpillTest {

  private static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := true
      """;

  /** The outbound listener's HTTP/1.1 pool: at most this many connections to one peer. */
  static final int POOL = 32;

  static final ExecutorService CALLERS = Executors.newCachedThreadPool();

  /** The first answer, and the one the next hop sends past its end, in the same write. */
  static final String SPILLING =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
          + "HTTP/1.1 200 OK\r\nSet-Cookie: evil=1\r\nContent-Length: 6\r\n\r\nforged";

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static RawNextHop app;
  static RawNextHop peer;
  static Sidecar sidecar;

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
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
            workloads.decisionPoint(POLICY),
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    sidecar.close();
    app.close();
    peer.close();
    workloads.close();
  }

  /** The inbound listener's relay to the app on loopback ({@code DirectUpstream}). */
  @Test
  void appSpillsAForgedAnswer_nextCallersGetTheirOwnAnswers() throws Exception {
    assertNoCallerGetsTheSpill(sidecar.port("to-app"), app);
  }

  /**
   * Regression: the outbound listener's mutual TLS pool to another workload's sidecar was a plain
   * Vert.x pool, which took the connection back with the forged answer in it and gave it to the
   * waiting second caller, whose answer was {@code forged} with {@code Set-Cookie: evil=1}.
   */
  @Test
  void peerSpillsAForgedAnswer_nextCallersGetTheirOwnAnswers() throws Exception {
    assertNoCallerGetsTheSpill(sidecar.port("to-peer"), peer);
  }

  private static void assertNoCallerGetsTheSpill(int port, RawNextHop hop) throws Exception {
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(() -> get(port, "/first"), CALLERS);
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (int i = 0; i < POOL - 1; i++) {
      String path = "/held/" + i;
      held.add(CompletableFuture.supplyAsync(() -> get(port, path), CALLERS));
    }
    // Every connection the pool may open is busy: the second caller waits for one of them.
    assertThat(hop.requests.await(20, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> second =
        CompletableFuture.supplyAsync(() -> get(port, "/second"), CALLERS);
    Thread.sleep(300);
    hop.answerFirst.countDown();
    String one = first.get(20, TimeUnit.SECONDS);
    String two = second.get(20, TimeUnit.SECONDS);
    // And one after all of them, on whatever connection the pool kept.
    for (int i = 0; i < held.size(); i++) {
      assertThat(held.get(i).get(20, TimeUnit.SECONDS)).endsWith("\r\n\r\nanswer to /held/" + i);
    }
    String three = get(port, "/third");

    assertThat(one).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok");
    assertThat(two).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nanswer to /second");
    assertThat(three).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nanswer to /third");
    for (String answer : List.of(one, two, three)) {
      assertThat(answer).doesNotContain("forged").doesNotContain("evil");
    }
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
   * A next hop written byte by byte: it holds its answers until {@link #answerFirst}; then it
   * answers {@code /first} with {@link #SPILLING} and, once that is written, every other path with
   * {@code answer to PATH}.
   */
  static final class RawNextHop implements AutoCloseable {
    final ServerSocket server;
    final CountDownLatch requests = new CountDownLatch(POOL);
    final CountDownLatch answerFirst = new CountDownLatch(1);
    final CountDownLatch firstAnswered = new CountDownLatch(1);

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
          Thread.ofPlatform().daemon().start(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        for (String head; (head = readHead(in)) != null; ) {
          int from = head.indexOf(' ') + 1;
          String path = head.substring(from, head.indexOf(' ', from));
          requests.countDown();
          String answer;
          if (path.equals("/first")) {
            answerFirst.await(20, TimeUnit.SECONDS);
            answer = SPILLING;
          } else {
            firstAnswered.await(20, TimeUnit.SECONDS);
            String body = "answer to " + path;
            answer = "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
          }
          s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
          if (path.equals("/first")) {
            Thread.sleep(100);
            firstAnswered.countDown();
          }
        }
      } catch (IOException | InterruptedException e) {
        // The sidecar closed the connection.
      }
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
