package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.identity.X509SvidValidator;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the connections of one TCP outbound listener ({@code protocol: tcp}): plain TCP from the
 * app on loopback, relayed to another workload's sidecar over mutual TLS with this workload's SVID
 * ({@link TcpRelay}). The client's {@link PeerVerifier} accepts only the configured SPIFFE ID and
 * logs any other peer as a refusal ({@code UNEXPECTED_ID}, {@code NO_BUNDLE} ...); the app's
 * connection is then closed without a byte relayed. Each app connection gets a TLS connection of
 * its own, so a rotated SVID is presented from the next connection on.
 *
 * <p>The target stays verified while the connection is open, as a caller does on an inbound
 * listener ({@link TcpInbound}): the connection is closed when the earliest {@code notAfter} of the
 * chain the target presented passes ({@code EXPIRED}), and when that chain, verified again every
 * {@code revalidateMillis} against the trust bundles and revoked serials of the moment, no longer
 * verifies (its rule, such as {@code REVOKED}). Each closing is logged as a refusal of the listener
 * with {@code recheck} and the target's SPIFFE ID. Thread-safe.
 */
final class TcpOutbound {

  private static final Logger log = LoggerFactory.getLogger(TcpOutbound.class);

  private final Vertx vertx;
  private final Outbound config;
  private final NetClient peer;
  private final RefusalLog refusals;

  /** The connections being relayed now, watched until they close. */
  private final WatchedRelays<Void> watched;

  /**
   * @param peer the mutual TLS client to the target, with the listener's verifier
   * @param revalidateMillis how often the targets' chains of the open connections are verified
   */
  TcpOutbound(
      Vertx vertx,
      Outbound config,
      NetClient peer,
      X509SvidValidator validator,
      RefusalLog refusals,
      InstantSource clock,
      long revalidateMillis) {
    this.vertx = vertx;
    this.config = config;
    this.peer = peer;
    this.refusals = refusals;
    this.watched = new WatchedRelays<>(vertx, validator, clock, revalidateMillis, this::distrusted);
  }

  /** The connect handler: the app's bytes wait until the peer is verified. */
  void handle(NetSocket socket) {
    socket.pause();
    try {
      TcpRelay.prepare(socket);
    } catch (RuntimeException e) {
      socket.close();
      return;
    }
    peer.connect(config.targetPort(), config.targetHost())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                PeerVerifier.Refused refused = PeerVerifier.Refused.in(ar.cause());
                if (refused == null) {
                  // A refused peer is logged by the verifier; say why for the others here.
                  log.warn(
                      "tcp outbound {}: no mutual TLS connection to {} at {}:{}: {}",
                      config.name(),
                      config.expected(),
                      config.targetHost(),
                      config.targetPort(),
                      ar.cause().getMessage());
                }
                socket.close();
                return;
              }
              NetSocket toPeer = ar.result();
              toPeer.pause();
              TcpRelay.prepare(toPeer);
              watched.relay(null, peerChain(toPeer), socket, toPeer);
            });
  }

  /** Logs a connection closed because its target's chain expired or no longer verifies. */
  private void distrusted(WatchedRelays.Watched<Void> c, String code, String why) {
    String reason =
        "the certificate chain the target " + config.expected() + " authenticated with " + why;
    refusals
        .refuseOnWorker(
            vertx,
            config.name(),
            config.targetHost() + ":" + config.targetPort(),
            code,
            reason,
            Map.of("recheck", RECHECK, "spiffe_id", config.expected().toString()))
        .onComplete(
            ar ->
                log.info(
                    "tcp connection closed: listener={} target={} decision_id={} reason={}",
                    config.name(),
                    config.expected(),
                    ar.succeeded() ? ar.result() : null,
                    reason));
  }

  /** {@code recheck} of a refusal logged when an open connection's target no longer verified. */
  static final String RECHECK = "target_svid";

  private static List<X509Certificate> peerChain(NetSocket socket) {
    try {
      return InboundListener.x509(socket.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }
}
