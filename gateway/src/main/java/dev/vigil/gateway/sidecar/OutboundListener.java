package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.HeaderHygiene;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.CodecResets;
import dev.vigil.pdp.HostHeader;
import io.netty.channel.Channel;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the requests of one outbound listener: plain HTTP from the app on loopback, relayed to
 * another workload's sidecar over mutual TLS with this workload's SVID. The client's {@link
 * PeerVerifier} accepts only the configured SPIFFE ID, so an app with no TLS code still reaches the
 * workload it meant to, and nothing else. Identity headers the app sent are removed: the receiving
 * sidecar sets them from the certificate.
 *
 * <p>The app may speak HTTP/1.1 or HTTP/2 with prior knowledge (h2c, what a gRPC client with a
 * plaintext channel sends). HTTP/1.1 goes on over HTTP/1.1 ({@link Relay}); HTTP/2 goes on over
 * HTTP/2, negotiated by ALPN {@code h2} in the mutual TLS handshake, with the answer's trailers
 * ({@link Http2Relay}), so that a gRPC call works end to end.
 *
 * <p>Pooled connections keep the certificate of their handshake. So that a rotated SVID (or one
 * replaced after revocation) is presented at once, the pools are replaced when the workload's
 * serial changes; the old pools' connections finish their requests and close. The other side's
 * chain is verified again every {@code revalidateMillis} on each pooled connection, against the
 * bundles and revoked serials of the moment: a connection to a target whose SVID has been revoked,
 * or whose trust domain is no longer trusted, is closed (the next request's handshake is then
 * refused) and logged as a refusal with {@code recheck: target_svid}, as a TCP outbound listener
 * does. The pools are made with {@code UpstreamClients.pooled}, so that an HTTP/1.1 connection on
 * which the peer sent bytes past an answer is closed, not given to the next request (see {@code
 * AnswerSpillGuard}).
 *
 * <p>What the app sends that cannot be read as a request is refused before it goes anywhere, and
 * logged as the inbound listener logs it, under {@value RefusalLog#PATH} with this listener's name:
 * an HTTP/1.1 head the decoder refuses ({@code BAD_FRAMING}, {@code TOO_LONG}), and an HTTP/2
 * stream the codec resets ({@code HTTP2_*}, see {@link CodecResets}). Thread-safe.
 */
final class OutboundListener implements CodecResets.RefusalListener {

  private static final Logger log = LoggerFactory.getLogger(OutboundListener.class);

  private static final HeaderHygiene HYGIENE = new HeaderHygiene(Set.of());

  private final Vertx vertx;
  private final Outbound config;
  private final RefusalLog refusals;
  private final Supplier<BigInteger> serial;
  private final Function<Handler<HttpConnection>, HttpClient> newPool;
  private final Function<Handler<HttpConnection>, HttpClient> newHttp2Pool;
  private final CallKeepAlive keepAlive;
  private Pool pool;

  /** The pooled connections to the target open now, their target's chain verified again. */
  private final ChainRecheck<HttpConnection> live;

  /** The HTTP/1.1 and HTTP/2 clients made while the workload's SVID had {@code serial}. */
  private record Pool(BigInteger serial, HttpClient http1, HttpClient http2) {}

  /**
   * @param refusals where refusals of unreadable requests are logged
   * @param newPool makes the HTTP/1.1 mutual TLS client, telling each connection it opens
   * @param newHttp2Pool makes the HTTP/2 (ALPN {@code h2}) mutual TLS client, likewise
   * @param revalidateMillis how often the target's chain is verified again on each connection
   */
  OutboundListener(
      Vertx vertx,
      Outbound config,
      RefusalLog refusals,
      Supplier<BigInteger> serial,
      Function<Handler<HttpConnection>, HttpClient> newPool,
      Function<Handler<HttpConnection>, HttpClient> newHttp2Pool,
      CallKeepAlive keepAlive,
      X509SvidValidator validator,
      long revalidateMillis) {
    this.vertx = vertx;
    this.config = config;
    this.refusals = refusals;
    this.serial = serial;
    this.newPool = newPool;
    this.newHttp2Pool = newHttp2Pool;
    this.keepAlive = keepAlive;
    this.live =
        new ChainRecheck<>(
            vertx, validator, revalidateMillis, OutboundListener::targetChain, this::distrusted);
  }

  /** Returns the pools of connections made with the current SVID. */
  private synchronized Pool pool() {
    BigInteger now = serial.get();
    if (pool == null || !pool.serial().equals(now)) {
      if (pool != null) {
        pool.http1().shutdown();
        pool.http2().shutdown();
      }
      pool = new Pool(now, newPool.apply(this::connected), newHttp2Pool.apply(this::connected));
    }
    return pool;
  }

  /** Watches a new pooled connection until it closes. */
  private void connected(HttpConnection c) {
    live.add(c);
    c.closeHandler(v -> live.remove(c));
  }

  /** The chain the target of {@code c} authenticated with, leaf first. */
  private static List<X509Certificate> targetChain(HttpConnection c) {
    try {
      return InboundListener.x509(c.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes a pooled connection whose target's chain no longer verifies, then logs it. */
  private void distrusted(HttpConnection c, String code, String why) {
    live.remove(c);
    try {
      // Closed before the refusal is logged, so that no request is sent on it after that.
      c.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("pooled connection to {} did not close: {}", config.expected(), e.toString());
    }
    String id =
        refusals.refuse(
            config.name(),
            config.targetHost() + ":" + config.targetPort(),
            code,
            "the certificate chain the target " + config.expected() + " authenticated with " + why,
            Map.of("recheck", TcpOutbound.RECHECK, "spiffe_id", config.expected().toString()));
    log.info(
        "pooled connection closed: listener={} target={} decision_id={} code={}",
        config.name(),
        config.expected(),
        id,
        code);
  }

  /** The request handler: a fault in any step fails the request closed (see RequestGuard). */
  void handle(HttpServerRequest req) {
    try {
      relay(req);
    } catch (RuntimeException e) {
      RequestGuard.failed(req, config.name(), null, 502, e);
    }
  }

  /**
   * Handles a request head the HTTP/1.x decoder could not read as one request (see {@code
   * RequestFraming}): logged as a refusal ({@code BAD_FRAMING} or {@code TOO_LONG}) on the worker
   * pool, since it writes the service log and the event loop serves every other connection, then
   * answered as Vert.x answers it (400, 414 or 431, the connection closed) with the decision id.
   */
  void invalid(HttpServerRequest req) {
    try {
      RefusalLog.InvalidHead head = RefusalLog.InvalidHead.of(req);
      String source = PermissiveFront.address(req.remoteAddress());
      refusals
          .refuseOnWorker(
              vertx, config.name(), source, head.code(), "refused: " + head.reason(), Map.of())
          .onComplete(
              RequestGuard.afterRefusalLogged(
                  req, () -> HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req)));
    } catch (RuntimeException e) {
      RequestGuard.failed(req, config.name(), null, 500, e);
    }
  }

  /**
   * Logs an HTTP/2 stream the codec reset, or a connection it closed with {@code GOAWAY}, for a
   * fault of the app's ({@link CodecResets}) as a refusal, with the app's address, the error code,
   * and the stream or the codec's message: one event each, written on the worker pool, as the
   * inbound listener does.
   */
  @Override
  public void refuse(Channel channel, String code, String reason, Map<String, String> extra) {
    String source =
        PermissiveFront.address(
            channel.remoteAddress() instanceof InetSocketAddress a
                ? SocketAddress.inetSocketAddress(a)
                : null);
    refusals.refuseOnWorker(vertx, config.name(), source, code, reason, extra);
  }

  private void relay(HttpServerRequest req) {
    // The app's host must read one way before it goes on, as every Vigil listener asks.
    HostHeader.Refusal badHost = HostHeader.refusal(req);
    if (badHost != null) {
      String source = PermissiveFront.address(req.remoteAddress());
      refusals
          .refuseOnWorker(
              vertx,
              config.name(),
              source,
              badHost.code(),
              "refused: " + badHost.reason(),
              Map.of())
          .onComplete(
              RequestGuard.guard(
                  req,
                  config.name(),
                  null,
                  500,
                  ar ->
                      Replies.error(
                          req,
                          400,
                          "bad_request",
                          badHost.reason(),
                          ar.succeeded() ? ar.result() : null)));
      return;
    }
    req.pause();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    ProxyExchange.removeConnectionOptions(headers);
    HYGIENE.strip(List.copyOf(headers.names()), false, headers::remove);
    // The app's expectation is met here, the request being relayed whatever its body: the next
    // hop is not asked for a 100 Continue that the relay would not pass on.
    headers.remove("Expect");
    if (RequestBodies.expectsContinue(req)) {
      RequestBodies.invite(req);
    }
    if (req.version() == HttpVersion.HTTP_2) {
      Http2Relay.send(
          req,
          pool().http2(),
          config.targetHost(),
          config.targetPort(),
          req.uri(),
          headers,
          config.name(),
          null,
          keepAlive,
          true,
          false,
          // Another sidecar: its connection is pinged and idles out instead (CallKeepAlive).
          0,
          e -> unavailable(req, e));
      return;
    }
    Relay.send(
        req,
        pool().http1(),
        config.targetHost(),
        config.targetPort(),
        req.uri(),
        headers,
        config.name(),
        e -> unavailable(req, e));
  }

  private void unavailable(HttpServerRequest req, Throwable e) {
    // A server the handshake refused was logged with a decision id: the answer names it.
    PeerVerifier.Refused refused = PeerVerifier.Refused.in(e);
    Replies.error(
        req,
        502,
        "peer_unavailable",
        "no mutual TLS connection to "
            + config.expected()
            + " at "
            + config.targetHost()
            + ":"
            + config.targetPort()
            + ": "
            + (refused != null ? refused.code() + ": " + refused.getMessage() : e.getMessage()),
        refused == null ? null : refused.decisionId());
  }
}
