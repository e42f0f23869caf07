package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.HeaderHygiene;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Set;

/**
 * Handles the requests of one outbound listener: plain HTTP from the app on loopback, relayed to
 * another workload's sidecar over mutual TLS with this workload's SVID. The client's {@link
 * PeerVerifier} accepts only the configured SPIFFE ID, so an app with no TLS code still reaches the
 * workload it meant to, and nothing else. Identity headers the app sent are removed: the receiving
 * sidecar sets them from the certificate. Thread-safe.
 */
final class OutboundListener {

  private static final HeaderHygiene HYGIENE = new HeaderHygiene(Set.of());

  private final Outbound config;
  private final HttpClient mtls;

  OutboundListener(Outbound config, HttpClient mtls) {
    this.config = config;
    this.mtls = mtls;
  }

  void handle(HttpServerRequest req) {
    req.pause();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    HYGIENE.strip(List.copyOf(headers.names()), false, headers::remove);
    Relay.send(
        req,
        mtls,
        config.targetHost(),
        config.targetPort(),
        req.uri(),
        headers,
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
