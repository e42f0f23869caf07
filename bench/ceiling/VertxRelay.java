import dev.vigil.gateway.upstream.DirectUpstream;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.transport.Transport;

/**
 * A ceiling, not a proxy anyone should run: the gateway's HTTP stack without the gateway. Vert.x's
 * HTTP server (one event loop, io_uring) hands each request to the gateway's own upstream relay
 * ({@link DirectUpstream}) with the client's headers but its Host; there is no routing, path or
 * header check, identity, policy or decision log. Measured beside {@code NettyRelay} and the
 * gateway, it tells what Vert.x's server adds and what the gateway's own work per request costs.
 * Usage: {@code java -cp cli/target/vigil.jar bench/ceiling/VertxRelay.java LISTEN_PORT
 * UPSTREAM_PORT}.
 */
public final class VertxRelay {

  public static void main(String[] args) throws Exception {
    int listen = Integer.parseInt(args[0]);
    int upstream = Integer.parseInt(args[1]);
    Vertx vertx =
        Vertx.builder()
            .with(new VertxOptions().setEventLoopPoolSize(1))
            .withTransport(Transport.IO_URING)
            .build();
    DirectUpstream relay = new DirectUpstream(vertx);
    vertx
        .createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
        .requestHandler(
            req -> {
              req.pause();
              DefaultHttpHeaders headers = new DefaultHttpHeaders();
              req.headers()
                  .forEach(
                      h -> {
                        if (!h.getKey().equalsIgnoreCase("host")) {
                          headers.add(h.getKey(), h.getValue());
                        }
                      });
              relay
                  .relay(req, "127.0.0.1", upstream, req.uri(), headers, "ceiling", "-")
                  .onFailure(e -> req.response().setStatusCode(502).end());
            })
        .listen(listen, "127.0.0.1")
        .await();
    System.out.println(
        "relaying 127.0.0.1:" + listen + " to 127.0.0.1:" + upstream + " (native transport: "
            + vertx.isNativeTransportEnabled() + ")");
    Thread.currentThread().join();
  }
}
