package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the connections of one TCP outbound listener ({@code protocol: tcp}): plain TCP from the
 * app on loopback, relayed to another workload's sidecar over mutual TLS with this workload's SVID
 * ({@link TcpRelay}). The client's {@link PeerVerifier} accepts only the configured SPIFFE ID and
 * logs any other peer as a refusal ({@code UNEXPECTED_ID}, {@code NO_BUNDLE} ...); the app's
 * connection is then closed without a byte relayed. Each app connection gets a TLS connection of
 * its own, so a rotated SVID is presented from the next connection on. Thread-safe.
 */
final class TcpOutbound {

  private static final Logger log = LoggerFactory.getLogger(TcpOutbound.class);

  private final Outbound config;
  private final NetClient peer;

  /**
   * @param peer the mutual TLS client to the target, with the listener's verifier
   */
  TcpOutbound(Outbound config, NetClient peer) {
    this.config = config;
    this.peer = peer;
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
              TcpRelay.join(socket, toPeer);
            });
  }
}
