package dev.vigil.pdp;

import dev.vigil.pdp.api.OpaApi;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The decision point's HTTP server: OPA's REST API on one address. Start with {@link #start}, stop
 * with {@link #close}.
 */
public final class PdpServer implements AutoCloseable {

  private final Vertx vertx;
  private final int port;

  private PdpServer(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  /**
   * Starts the API on {@code host:port} (port 0 picks a free one).
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static PdpServer start(
      String host, int port, DecisionPoint pdp, PdpMetrics metrics, OpaApi.Options options) {
    return start(host, port, pdp, metrics, options, router -> {});
  }

  /**
   * Starts the API with extra routes, such as the external-authorization endpoints, added to its
   * router by {@code extraRoutes}.
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static PdpServer start(
      String host,
      int port,
      DecisionPoint pdp,
      PdpMetrics metrics,
      OpaApi.Options options,
      Consumer<Router> extraRoutes) {
    return start(host, port, pdp, metrics, options, extraRoutes, null);
  }

  /**
   * Starts the API as {@link #start(String, int, DecisionPoint, PdpMetrics, OpaApi.Options,
   * Consumer)} does, over TLS when {@code tls} is not null (and with client certificates required
   * when it names client CAs).
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static PdpServer start(
      String host,
      int port,
      DecisionPoint pdp,
      PdpMetrics metrics,
      OpaApi.Options options,
      Consumer<Router> extraRoutes,
      ServerTls tls) {
    Duration headDeadline = HeadDeadline.configured();
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setPreferNativeTransport(true)
                .setEventLoopPoolSize(LoopListeners.configured()));
    Router router = OpaApi.router(vertx, pdp, metrics, options);
    extraRoutes.accept(router);
    HttpServerOptions so =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setCompressionSupported(false)
            .setMaxInitialLineLength(16 * 1024)
            .setMaxHeaderSize(32 * 1024)
            // Connections that send nothing for a minute close; a request head must be complete
            // within the head deadline (HeadDeadline) however steadily its bytes come.
            .setIdleTimeout(60)
            .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
    if (tls != null) {
      so.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(tls.keyManagers()));
      if (tls.mutual()) {
        so.setTrustOptions(TrustOptions.wrap(tls.trustManagers()))
            .setClientAuth(ClientAuth.REQUIRED);
      }
    }
    try {
      int bound =
          LoopListeners.listen(
              vertx,
              port,
              listenOn ->
                  HeadDeadline.createHttpServer(
                          vertx, new HttpServerOptions(so).setPort(listenOn), headDeadline)
                      .requestHandler(router));
      return new PdpServer(vertx, bound);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + ": " + BindFailure.reason(e), e);
    }
  }

  /** Returns the port actually bound. */
  public int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Closing is best effort at shutdown; nothing else depends on it.
    }
  }
}
