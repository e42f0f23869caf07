package dev.vigil.pdp;

import dev.vigil.pdp.api.OpaApi;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The decision point's HTTP server: OPA's REST API on one address, over HTTP/1.1, h2c and (with
 * TLS) h2. Start with {@link #start}, stop with {@link #close}. A request whose framing or Host is
 * ambiguous is refused with 400 before any route sees it, and so is each HTTP/2 stream the codec
 * resets; both are logged as denied decisions under {@value ServerRefusals#PATH}.
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
      so.setSsl(true).setUseAlpn(true).setKeyCertOptions(KeyCertOptions.wrap(tls.keyManagers()));
      if (tls.mutual()) {
        so.setTrustOptions(TrustOptions.wrap(tls.trustManagers()))
            .setClientAuth(ClientAuth.REQUIRED);
      }
    }
    ServerRefusals refusals = new ServerRefusals(vertx, pdp);
    try {
      int bound =
          LoopListeners.listen(
              vertx,
              port,
              listenOn ->
                  HeadDeadline.createHttpServer(
                          vertx,
                          new HttpServerOptions(so).setPort(listenOn),
                          headDeadline,
                          // h2c and ALPN h2 are served (OPA's clients may use either); the
                          // streams the HTTP/2 codec resets never reach a handler, so they are
                          // read off the wire and logged, as the gateway's are.
                          pipeline -> CodecResets.install(pipeline, refusals))
                      .requestHandler(req -> handle(req, router, refusals))
                      .invalidRequestHandler(req -> invalid(req, refusals)));
      return new PdpServer(vertx, bound);
    } catch (Exception e) {
      vertx.close();
      throw new ListenException(
          "cannot listen on " + host + ":" + port + ": " + BindFailure.reason(e), host, port, e);
    }
  }

  /**
   * Refuses a request whose host cannot be read one way, as the gateway does ({@link
   * HostHeader#refusal(HttpServerRequest)}): more than one Host header, an HTTP/1.1 request without
   * one, a value that is not a host (an obsolete line folding, {@code Host: a<CRLF> b}, reads as
   * {@code a b}), and over HTTP/2 an {@code :authority} that is not a host or names another host
   * than the Host header. A proxy in front may route or authorise on another host than the one this
   * server logs.
   */
  private static void handle(HttpServerRequest req, Router router, ServerRefusals refusals) {
    HostHeader.Refusal why = HostHeader.refusal(req);
    if (why == null) {
      router.handle(req);
      return;
    }
    refusals.refuse(req, why.code(), why.reason());
    String body = "{\"code\":\"invalid_parameter\",\"message\":\"" + why.reason() + "\"}";
    req.response()
        .setStatusCode(400)
        .putHeader("Content-Type", "application/json")
        .putHeader("Connection", "close")
        .end(body);
  }

  /**
   * Logs a request head the HTTP/1.x decoder could not read as one request (ambiguous framing, a
   * folded field, a head or line too long: see {@link RequestFraming}) as the other refusals before
   * routing are, then answers it as Vert.x does (400, 414 or 431, the connection closed).
   */
  private static void invalid(HttpServerRequest req, ServerRefusals refusals) {
    Throwable cause = req.decoderResult().cause();
    refusals.refuse(
        req,
        RequestFraming.code(cause),
        cause == null || cause.getMessage() == null
            ? "the request head cannot be read"
            : cause.getMessage());
    HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req);
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
