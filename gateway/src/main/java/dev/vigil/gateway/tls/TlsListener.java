package dev.vigil.gateway.tls;

import dev.vigil.access.Devices;
import dev.vigil.pdp.BindFailure;
import dev.vigil.pdp.HeadDeadline;
import dev.vigil.pdp.ListenException;
import dev.vigil.pdp.LoopListeners;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The settings of the gateway's TLS listener: where it listens, the certificate it presents, and
 * the device CA whose client certificates identify devices. HTTP/2 and HTTP/1.1 are offered by ALPN
 * (RFC 7301). When {@code devices} is set, a client certificate is requested, never required: a
 * client without one is an unknown device, and the policy decides.
 *
 * @param host the address to listen on
 * @param port the port (0 picks a free one)
 * @param certificate the server certificate and key
 * @param devices device enrolment and posture, or null to request no client certificate
 */
public record TlsListener(String host, int port, ServerCertificate certificate, Devices devices) {

  /** Returns the Vert.x options of this listener. */
  public HttpServerOptions serverOptions() {
    HttpServerOptions o =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setSsl(true)
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
            .setIdleTimeout(60)
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            // The edge leaves in a handshake only the subprotocol its app chose: see EdgeGateway.
            .setWebSocketSubProtocols(List.of("*"))
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(certificate.certificatePem()))
                    .setKeyValue(Buffer.buffer(certificate.privateKeyPem())));
    if (devices != null) {
      o.setClientAuth(ClientAuth.REQUEST)
          .setTrustOptions(TrustOptions.wrap(new DeviceClientTrust(devices.caCertificate())));
    }
    return o;
  }

  /**
   * Listens with TLS on {@code vertx} with {@code handler}, from every event loop ({@link
   * LoopListeners}); on failure closes {@code vertx}, and with it the gateway's other listener.
   *
   * @return the port it listens on
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public int listen(Vertx vertx, Handler<HttpServerRequest> handler) {
    return listen(vertx, handler, HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER);
  }

  /**
   * As {@link #listen(Vertx, Handler)}, with a handler for requests whose head cannot be read (bad
   * framing, a line or head too long), which must answer them.
   */
  public int listen(
      Vertx vertx, Handler<HttpServerRequest> handler, Handler<HttpServerRequest> invalid) {
    return listen(vertx, handler, invalid, pipeline -> {});
  }

  /**
   * As {@link #listen(Vertx, Handler, Handler)}, and {@code onConnection} is handed the Netty
   * pipeline of each connection once its TLS handshake is done and its protocol chosen (see {@link
   * HeadDeadline#createHttpServer(Vertx, HttpServerOptions, Consumer)}).
   */
  public int listen(
      Vertx vertx,
      Handler<HttpServerRequest> handler,
      Handler<HttpServerRequest> invalid,
      Consumer<ChannelPipeline> onConnection) {
    try {
      return LoopListeners.listen(
          vertx,
          port,
          listenOn ->
              HeadDeadline.createHttpServer(vertx, serverOptions().setPort(listenOn), onConnection)
                  .requestHandler(handler)
                  .invalidRequestHandler(invalid));
    } catch (Exception e) {
      vertx.close();
      throw new ListenException(
          "cannot listen with TLS on " + host + ":" + port + ": " + BindFailure.reason(e),
          host,
          port,
          e);
    }
  }
}
