package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.HeaderHygiene;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Handles the requests of one outbound listener: plain HTTP from the app on loopback, relayed to
 * another workload's sidecar over mutual TLS with this workload's SVID. The client's {@link
 * PeerVerifier} accepts only the configured SPIFFE ID, so an app with no TLS code still reaches the
 * workload it meant to, and nothing else. Identity headers the app sent are removed: the receiving
 * sidecar sets them from the certificate.
 *
 * <p>Pooled connections keep the certificate of their handshake. So that a rotated SVID (or one
 * replaced after revocation) is presented at once, the pool is replaced when the workload's serial
 * changes; the old pool's connections finish their requests and close. Thread-safe.
 */
final class OutboundListener {

  private static final HeaderHygiene HYGIENE = new HeaderHygiene(Set.of());

  private final Outbound config;
  private final Supplier<BigInteger> serial;
  private final Supplier<HttpClient> newPool;
  private Pool pool;

  private record Pool(BigInteger serial, HttpClient client) {}

  OutboundListener(Outbound config, Supplier<BigInteger> serial, Supplier<HttpClient> newPool) {
    this.config = config;
    this.serial = serial;
    this.newPool = newPool;
  }

  /** Returns the pool of connections made with the current SVID. */
  private synchronized HttpClient pool() {
    BigInteger now = serial.get();
    if (pool == null || !pool.serial().equals(now)) {
      if (pool != null) {
        pool.client().shutdown();
      }
      pool = new Pool(now, newPool.get());
    }
    return pool.client();
  }

  /** The request handler: a fault in any step fails the request closed (see RequestGuard). */
  void handle(HttpServerRequest req) {
    try {
      relay(req);
    } catch (RuntimeException e) {
      RequestGuard.failed(req, config.name(), null, 502, e);
    }
  }

  private void relay(HttpServerRequest req) {
    req.pause();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    HYGIENE.strip(List.copyOf(headers.names()), false, headers::remove);
    Relay.send(
        req,
        pool(),
        config.targetHost(),
        config.targetPort(),
        req.uri(),
        headers,
        config.name(),
        e ->
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
                    + e.getMessage(),
                null));
  }
}
