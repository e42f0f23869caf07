package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final X509SvidValidator validator;
  private final RefusalLog refusals;
  private final InstantSource clock;

  /** The connections being relayed now. */
  private final Set<Held> open = ConcurrentHashMap.newKeySet();

  /** A round of chain verifications is queued or running on the worker pool. */
  private final AtomicBoolean revalidating = new AtomicBoolean();

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
    this.validator = validator;
    this.refusals = refusals;
    this.clock = clock;
    vertx.setPeriodic(revalidateMillis, id -> revalidateSoon());
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
              Held h = new Held(peerChain(toPeer), vertx.getOrCreateContext());
              h.relay = TcpRelay.join(socket, toPeer, () -> closed(h));
              hold(h);
            });
  }

  /** Holds {@code h} for verifications and arms its close at the target's certificate expiry. */
  private void hold(Held h) {
    open.add(h);
    Instant notAfter = TcpInbound.expiry(h.chain);
    long wait = Duration.between(clock.instant(), notAfter).toMillis();
    String reason =
        "the certificate chain the target "
            + config.expected()
            + " authenticated with expired at "
            + notAfter;
    if (wait < 0) {
      cut(h, "EXPIRED", reason);
      return;
    }
    // notAfter is the last instant a certificate is valid in (RFC 5280, section 4.1.2.5).
    h.expiryTimer = vertx.setTimer(wait + 1, id -> cut(h, "EXPIRED", reason));
  }

  /** Forgets a connection once it is closed, by whichever side or reason; on the event loop. */
  private void closed(Held h) {
    open.remove(h);
    if (h.expiryTimer >= 0) {
      vertx.cancelTimer(h.expiryTimer);
    }
  }

  /** Queues a round of chain verifications, unless one is queued or running or nothing is open. */
  private void revalidateSoon() {
    if (!open.isEmpty() && revalidating.compareAndSet(false, true)) {
      vertx.executeBlocking(this::revalidateAll, false);
    }
  }

  /** Verifies the target's chain of every open connection again; on the worker pool. */
  private Void revalidateAll() {
    try {
      for (Held h : List.copyOf(open)) {
        try {
          validator.validate(h.chain);
        } catch (SvidRejectedException e) {
          cut(h, e.reason().name(), "verified again, the target's chain fails: " + e.getMessage());
        } catch (RuntimeException e) {
          // Fail closed, as a first verification that fails does.
          cut(h, "CHAIN_UNTRUSTED", "verifying the target's chain again failed: " + e);
        }
      }
    } finally {
      revalidating.set(false);
    }
    return null;
  }

  /** Closes a connection whose target would now be refused, and logs the refusal. */
  private void cut(Held h, String code, String reason) {
    if (!h.closing.compareAndSet(false, true)) {
      return;
    }
    h.context.runOnContext(v -> h.relay.close());
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

  /** One connection being relayed, and the chain its target presented. */
  private static final class Held {

    final List<X509Certificate> chain;

    /** The connection's event loop, where its relay is closed. */
    final Context context;

    /** Set once, by the first closing for a reason of the target's. */
    final AtomicBoolean closing = new AtomicBoolean();

    /** Set on the event loop, before the connection is in {@link #open}. */
    TcpRelay relay;

    /** The expiry timer's id, or -1; read and written on the event loop. */
    long expiryTimer = -1;

    Held(List<X509Certificate> chain, Context context) {
      this.chain = chain;
      this.context = context;
    }
  }
}
