package dev.vigil.gateway.sidecar;

import dev.vigil.pdp.HeadDeadline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The public port of a PERMISSIVE inbound listener, which takes mutual TLS and plaintext on one
 * port. It reads the first bytes of each connection: a TLS handshake record (content type 22, RFC
 * 8446 section 5.1) goes to the listener's TLS server, anything else to its plaintext server, both
 * on loopback. Bytes are relayed untouched, so TLS still ends at the TLS server and the client
 * certificate is verified there. The inner servers see the connection come from this front; {@link
 * #origin} gives them the real peer address back.
 *
 * <p>Thread-safe.
 */
final class PermissiveFront {

  private static final byte TLS_HANDSHAKE = 22;

  private final NetServer server;
  private final Map<Integer, String> origins;

  private PermissiveFront(NetServer server, Map<Integer, String> origins) {
    this.server = server;
    this.origins = origins;
  }

  static Future<PermissiveFront> start(
      Vertx vertx, String host, int port, int tlsPort, int plainPort) {
    return start(vertx, host, port, tlsPort, plainPort, HeadDeadline.configured());
  }

  /**
   * Starts the front; a connection that sends nothing within {@code firstBytes} is closed, as the
   * inner servers close one whose request head or TLS handshake takes longer (they never see a
   * connection this front has not yet relayed, so their own deadline cannot reach it).
   */
  static Future<PermissiveFront> start(
      Vertx vertx, String host, int port, int tlsPort, int plainPort, Duration firstBytes) {
    NetClient client = vertx.createNetClient();
    Map<Integer, String> origins = new ConcurrentHashMap<>();
    // A connection that goes quiet for a minute once relayed is closed, as on the inner servers.
    NetServer server =
        vertx.createNetServer(
            new NetServerOptions()
                .setHost(host)
                .setPort(port)
                .setIdleTimeout(60)
                .setIdleTimeoutUnit(TimeUnit.SECONDS));
    server.connectHandler(
        socket -> {
          long silent = vertx.setTimer(firstBytes.toMillis(), t -> socket.close());
          socket.pause();
          socket.handler(
              first -> {
                vertx.cancelTimer(silent);
                socket.pause();
                socket.handler(null);
                int to =
                    first.length() > 0 && first.getByte(0) == TLS_HANDSHAKE ? tlsPort : plainPort;
                relay(client, socket, first, to, origins);
              });
          socket.resume();
        });
    return server.listen().map(s -> new PermissiveFront(s, origins));
  }

  private static void relay(
      NetClient client, NetSocket socket, Buffer first, int port, Map<Integer, String> origins) {
    client
        .connect(port, "127.0.0.1")
        .onFailure(e -> socket.close())
        .onSuccess(
            inner -> {
              int key = inner.localAddress().port();
              origins.put(key, address(socket.remoteAddress()));
              inner.closeHandler(v -> origins.remove(key));
              inner.write(first);
              socket.pipeTo(inner);
              inner.pipeTo(socket);
            });
  }

  /** Returns the real peer of a connection an inner server received from this front. */
  String origin(SocketAddress innerPeer) {
    boolean fromFront = innerPeer != null && "127.0.0.1".equals(innerPeer.hostAddress());
    String o = fromFront ? origins.get(innerPeer.port()) : null;
    return o != null ? o : address(innerPeer);
  }

  static String address(SocketAddress a) {
    return a == null ? "unknown" : a.hostAddress() + ":" + a.port();
  }

  int port() {
    return server.actualPort();
  }
}
