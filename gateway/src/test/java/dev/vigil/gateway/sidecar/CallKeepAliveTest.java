package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pings keep a call's HTTP/2 connection open while its peer answers them, and close it once the
 * peer stops answering: a peer gone without a word (its host down, the network cut) held the calls
 * on its connection until TCP gave up.
 */
class CallKeepAliveTest {

  private static final long INTERVAL_MS = 200;

  private Vertx vertx;
  private HttpClientAgent client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void hold_peerAnswersPings_connectionStaysOpen() throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end())
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    HttpClientConnection conn = connect(server.actualPort());
    CountDownLatch closed = new CountDownLatch(1);
    conn.closeHandler(v -> closed.countDown());

    Runnable release = new CallKeepAlive(vertx, INTERVAL_MS).hold(conn);

    assertThat(closed.await(INTERVAL_MS * 6, TimeUnit.MILLISECONDS)).isFalse();
    release.run();
  }

  @Test
  void hold_peerStopsAnsweringPings_connectionClosedWithinTwoIntervals() throws Exception {
    try (ServerSocket mute = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread peer = Thread.ofVirtual().start(() -> speakNoMore(mute));
      HttpClientConnection conn = connect(mute.getLocalPort());
      CountDownLatch closed = new CountDownLatch(1);
      conn.closeHandler(v -> closed.countDown());
      CallKeepAlive keepAlive = new CallKeepAlive(vertx, INTERVAL_MS);

      Runnable release = keepAlive.hold(conn);

      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
      release.run();
      assertThat(keepAlive.held()).isZero();
      peer.interrupt();
    }
  }

  private HttpClientConnection connect(int port) throws Exception {
    return client
        .connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(port))
        .await(10, TimeUnit.SECONDS);
  }

  /**
   * An HTTP/2 peer that sends its SETTINGS (RFC 9113 section 3.4) and then reads and drops whatever
   * comes, pings included: what a peer looks like to its side of the connection once it is gone.
   */
  private static void speakNoMore(ServerSocket server) {
    try (Socket s = server.accept()) {
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
      out.flush();
      InputStream in = s.getInputStream();
      byte[] sink = new byte[4096];
      while (in.read(sink) >= 0) {
        // dropped
      }
    } catch (Exception e) {
      // The test is over.
    }
  }
}
