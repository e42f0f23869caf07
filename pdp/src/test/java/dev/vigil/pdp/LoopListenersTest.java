package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopListenersTest {

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3));

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A server that answers with the name of the thread that served the request. */
  private IntFunction<HttpServer> threadNamer() {
    return port ->
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
            .requestHandler(r -> r.response().end(Thread.currentThread().getName()));
  }

  /** One request on a connection of its own; returns the answer's body. */
  private static String askOnNewConnection(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line;
      String last = "";
      while ((line = in.readLine()) != null) {
        last = line;
      }
      return last;
    }
  }

  @Test
  void anyFreePort_everyLoopServesConnections_onOnePort() throws Exception {
    int port = LoopListeners.listen(vertx, 0, threadNamer());

    assertThat(port).isPositive();
    Set<String> threads = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      threads.add(askOnNewConnection(port));
    }
    assertThat(threads).hasSize(3).allMatch(t -> t.startsWith("vert.x-eventloop-thread-"));
  }

  @Test
  void twoAddressesOnFreePorts_getPortsOfTheirOwn() throws Exception {
    int first = LoopListeners.listen(vertx, 0, threadNamer());
    int second = LoopListeners.listen(vertx, 0, threadNamer());

    assertThat(second).isPositive().isNotEqualTo(first);
    assertThat(askOnNewConnection(first)).startsWith("vert.x-eventloop-thread-");
    assertThat(askOnNewConnection(second)).startsWith("vert.x-eventloop-thread-");
  }

  @Test
  void givenPort_everyLoopServesIt() throws Exception {
    int free;
    try (ServerSocket probe = new ServerSocket(0)) {
      free = probe.getLocalPort();
    }
    int port = LoopListeners.listen(vertx, free, threadNamer());

    assertThat(port).isEqualTo(free);
    Set<String> threads = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      threads.add(askOnNewConnection(port));
    }
    assertThat(threads).hasSize(3);
  }

  @Test
  void portTaken_refusedWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> LoopListeners.listen(vertx, taken.getLocalPort(), threadNamer()))
          .hasMessageContaining("in use");
    }
  }

  @Test
  void configured_defaultsToTheProcessorsButOne_andRefusesNonsenseNamingTheProperty() {
    String before = System.getProperty(LoopListeners.PROPERTY);
    try {
      System.clearProperty(LoopListeners.PROPERTY);
      assertThat(LoopListeners.configured())
          .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
      System.setProperty(LoopListeners.PROPERTY, " 3 ");
      assertThat(LoopListeners.configured()).isEqualTo(3);
      for (String bad : new String[] {"0", "-2", "two", "257"}) {
        System.setProperty(LoopListeners.PROPERTY, bad);
        assertThatThrownBy(LoopListeners::configured)
            .as(bad)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("-Dvigil.event_loops=" + bad)
            .hasMessageContaining("from 1 to 256");
      }
    } finally {
      if (before == null) {
        System.clearProperty(LoopListeners.PROPERTY);
      } else {
        System.setProperty(LoopListeners.PROPERTY, before);
      }
    }
  }
}
