package dev.vigil.pdp;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.VertxWrapper;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.NetServerInternal;
import java.util.function.Consumer;

/**
 * Creates Vert.x HTTP servers that hand the Netty pipeline of every connection they accept to a
 * callback. This class is the only place where Vigil uses Vert.x internals, and why: Vert.x 5 has
 * no public way to add a Netty handler to an {@link HttpServer}'s connections, and its public
 * {@link HttpServer#connectionHandler} comes too late for HTTP/1.x. On a plain port, which also
 * accepts h2c, Vert.x calls it only once the first request head has been read in full; a deadline
 * for that head cannot start there.
 *
 * <p>How: an {@link HttpServerImpl} makes its TCP server with {@code createNetServer} on the Vertx
 * it was given, and sets that server's connect handler to code that lays out the HTTP pipeline of
 * each new connection (after the TLS handshake, when there is TLS). The server here is given a
 * Vertx that delegates everything but {@code createNetServer}, which returns a {@link
 * NetServerImpl} whose connect handler runs the callback right after Vert.x's own. Written against
 * Vert.x 5.0; {@code HeadDeadlineTest} fails if a later version moves these seams.
 */
final class VertxChannelHook {

  private VertxChannelHook() {}

  /**
   * Returns a new, not yet listening, HTTP server on {@code vertx} with {@code options}; {@code
   * onConnection} gets the pipeline of each connection it accepts, on the connection's event loop,
   * once Vert.x has set the pipeline up.
   */
  static HttpServer createHttpServer(
      Vertx vertx, HttpServerOptions options, Consumer<ChannelPipeline> onConnection) {
    VertxInternal real = (VertxInternal) vertx;
    VertxInternal hooked =
        new VertxWrapper(real) {
          @Override
          public NetServerInternal createNetServer(NetServerOptions tcpOptions) {
            return new HookedNetServer(real, tcpOptions.copy(), onConnection);
          }
        };
    return new HttpServerImpl(hooked, options);
  }

  private static final class HookedNetServer extends NetServerImpl {

    private final Consumer<ChannelPipeline> onConnection;

    HookedNetServer(
        VertxInternal vertx, NetServerOptions options, Consumer<ChannelPipeline> onConnection) {
      super(vertx, options);
      this.onConnection = onConnection;
    }

    @Override
    public synchronized NetServerInternal connectHandler(Handler<NetSocket> handler) {
      return super.connectHandler(
          socket -> {
            handler.handle(socket);
            onConnection.accept(((NetSocketInternal) socket).channelHandlerContext().pipeline());
          });
    }
  }
}
