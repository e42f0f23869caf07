package dev.vigil.cli;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * A Vert.x HTTP server run as its own process by {@link PeerFaultLogTest}, so that logback
 * configures itself as in {@code vigil up}: from the {@code logback.xml} the launcher ships, found
 * on the class path. It listens on loopback in plain text (HTTP/1.1 and HTTP/2 with prior
 * knowledge) and over TLS (HTTP/2 and HTTP/1.1 by ALPN), on one event loop, so that what one
 * connection logs is written before the next connection is served. {@code /own-fault} stands for a
 * fault of Vigil's own on a connection: it throws {@link #OWN_FAULT} into the pipeline of a
 * connection that has no exception handler. Prints {@code listening PLAIN TLS}, then serves until
 * killed.
 */
public final class PeerFaultServer {

  static final String OWN_FAULT = "a fault of the server's own, not the client's";

  private PeerFaultServer() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    HttpServer plain = serve(vertx, new HttpServerOptions());
    HttpServer tls =
        serve(
            vertx,
            new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setKeyCertOptions(cert.keyCertOptions()));
    System.out.println("listening " + plain.actualPort() + " " + tls.actualPort());
    System.out.flush();
    Thread.sleep(TimeUnit.MINUTES.toMillis(10));
    vertx.close();
  }

  private static HttpServer serve(Vertx vertx, HttpServerOptions options) throws Exception {
    HttpServer server = vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0));
    server.requestHandler(
        req -> {
          if (req.path().equals("/own-fault")) {
            // The server gives each connection a handler that drops what it is given; a connection
            // without one (as an HTTP/2 connection is until its preface is read, or a client's)
            // has its faults logged by ConnectionBase.
            ConnectionBase c = (ConnectionBase) req.connection();
            c.exceptionHandler(null);
            c.channel().pipeline().fireExceptionCaught(new IllegalStateException(OWN_FAULT));
            return;
          }
          req.response().end("ok");
        });
    return server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
