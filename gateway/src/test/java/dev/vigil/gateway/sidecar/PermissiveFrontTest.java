package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The public port of a PERMISSIVE listener over real sockets, in front of an echo server on
 * loopback standing in for both inner servers, with a first-bytes deadline of 500 ms.
 */
class PermissiveFrontTest {

  static final Duration DEADLINE = Duration.ofMillis(500);

  static Vertx vertx;
  static PermissiveFront front;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    NetServer echo =
        vertx
            .createNetServer()
            .connectHandler(s -> s.handler(s::write))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    int inner = echo.actualPort();
    front =
        PermissiveFront.start(vertx, "127.0.0.1", 0, inner, inner, DEADLINE)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * Regression: a connection that sent nothing was held for the front's idle minute, since the
   * inner servers, whose head and handshake deadline (10 s) closes such a connection on every other
   * listener, never saw it; a client could hold many open on a PERMISSIVE port at no cost.
   */
  @Test
  void connect_silentClient_closedAtTheDeadline() throws Exception {
    try (Socket s = new Socket("127.0.0.1", front.port())) {
      s.setSoTimeout(20_000);

      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void connect_clientThatSpeaksInTime_relayedPastTheDeadline() throws Exception {
    try (Socket s = new Socket("127.0.0.1", front.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(in.readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("GET");

      Thread.sleep(3 * DEADLINE.toMillis());
      out.write(" / HTTP/1.1".getBytes(StandardCharsets.US_ASCII));

      assertThat(new String(in.readNBytes(11), StandardCharsets.US_ASCII)).isEqualTo(" / HTTP/1.1");
    }
  }
}
