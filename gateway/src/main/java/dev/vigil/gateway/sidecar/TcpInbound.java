package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.edge.DecisionDispatch;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.WatchedRelays.Watched;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Value;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the connections of one TCP inbound listener ({@code protocol: tcp}), in a fixed order:
 * (1) the TLS handshake has verified the caller's certificate as an X.509-SVID of a trusted domain
 * ({@link PeerVerifier}); it is verified again here, and a caller without one is refused ({@code
 * NO_CLIENT_CERTIFICATE}): the listener is STRICT only; (2) the decision point is asked once for
 * the connection, with the route's mode, on an input with the caller as subject and {@code
 * request.protocol: "tcp"} ({@link WorkloadInput#tcp}); (3) when it lets the connection through,
 * the app is connected to on loopback and the bytes relayed both ways ({@link TcpRelay}).
 *
 * <p>Fails closed: a refusal, a denial, a failed decision or an app that cannot be reached closes
 * the caller's connection before a byte of it has been read or relayed. Refusals before policy are
 * logged as the HTTP listener logs them ({@link RefusalLog}), denials in the decision log with the
 * route, the caller ({@code subject}), this workload ({@code workload}) and {@code transport:
 * mtls}.
 *
 * <p>A connection let through is not trusted for its whole life. Each one being relayed is held in
 * {@link #watched}; when the decision point's policy changes ({@link #policyChanged}), every one is
 * decided again, once, on the worker pool (a decision there may wait for room in the decision log,
 * and many connections must not hold the event loop), with the same context and {@code recheck:
 * policy_change} and {@code connection_decision_id} added; one the listener's mode no longer lets
 * through is closed, and in {@code monitor} mode the would-be closing is only logged. Changes that
 * come while a round is running are taken in one more round. When the earliest {@code notAfter} of
 * the chain the caller authenticated with passes, the connection is closed whatever the mode, as a
 * new one would be refused, and logged as a refusal at the route's policy path ({@code
 * svid_expired}). The chain is also verified again every {@code revalidateMillis}, against the
 * trust bundles and revoked serials of that moment: a caller whose certificate has been revoked, or
 * whose trust domain is no longer trusted, is closed and logged the same way, with the rule its
 * chain now breaks ({@link WatchedRelays}). Thread-safe.
 */
final class TcpInbound {

  private static final Logger log = LoggerFactory.getLogger(TcpInbound.class);

  private final Vertx vertx;
  private final Inbound config;
  private final X509SvidValidator validator;
  private final RefusalLog refusals;
  private final InstantSource clock;
  private final NetClient app;
  private final DecisionDispatch decisions;
  private final DecisionPoint pdp;
  private final PolicyPath policyPath;
  private final Supplier<String> self;

  /** The connections being relayed now, watched until they close. */
  private final WatchedRelays<Admitted> watched;

  /** How many policy changes this listener has heard; a connection decided before one is stale. */
  private final AtomicLong changes = new AtomicLong();

  /** A change not yet taken by a round of re-decisions. */
  private final AtomicBoolean changePending = new AtomicBoolean();

  /** A round of re-decisions is queued or running on the worker pool. */
  private final AtomicBoolean rechecking = new AtomicBoolean();

  /**
   * @param app the client that reaches the app on loopback, with the idle timeout of the relay
   * @param self this workload's SPIFFE ID now, recorded as {@code workload}
   * @param revalidateMillis how often the chains of the open connections are verified again
   */
  TcpInbound(
      Vertx vertx,
      Inbound config,
      X509SvidValidator validator,
      DecisionPoint pdp,
      RefusalLog refusals,
      InstantSource clock,
      NetClient app,
      Supplier<String> self,
      long revalidateMillis) {
    this.vertx = vertx;
    this.config = config;
    this.validator = validator;
    this.refusals = refusals;
    this.clock = clock;
    this.app = app;
    this.self = self;
    this.pdp = pdp;
    this.policyPath = PolicyPath.parse(config.route().policyPath());
    this.decisions = new DecisionDispatch(vertx, pdp, DecisionDispatch.INLINE_BUDGET);
    this.watched = new WatchedRelays<>(vertx, validator, clock, revalidateMillis, this::distrusted);
  }

  /** The connect handler: a fault in any step closes the connection (fail closed). */
  void handle(NetSocket socket) {
    socket.pause();
    try {
      TcpRelay.prepare(socket);
      check(socket);
    } catch (RuntimeException e) {
      log.error("tcp listener {}: connection failed closed: {}", config.name(), e.toString());
      socket.close();
    }
  }

  private void check(NetSocket socket) {
    String source = PermissiveFront.address(socket.remoteAddress());
    List<X509Certificate> chain = peerChain(socket);
    if (chain.isEmpty()) {
      refuse(
          socket,
          source,
          "NO_CLIENT_CERTIFICATE",
          "no client certificate on a tcp listener: mutual TLS is required");
      return;
    }
    SpiffeId caller;
    try {
      // Again, as the HTTP listener does per request: the bundles or revocations may have changed.
      caller = validator.validate(chain);
    } catch (SvidRejectedException e) {
      refuse(socket, source, e.reason().name(), e.getMessage());
      return;
    }
    decide(socket, new Caller(source, caller, chain));
  }

  private void refuse(NetSocket socket, String source, String code, String reason) {
    refusals
        .refuseOnWorker(vertx, config.name(), source, code, reason, Map.of())
        .onComplete(ar -> socket.close());
  }

  private void decide(NetSocket socket, Caller caller) {
    Route route = config.route();
    Map<String, String> context =
        InboundListener.decisionContext(route, "mtls", caller.id(), self.get());
    // A change heard from here on may not be in the decision below: see register.
    long seen = changes.get();
    decisions
        .decide(route.policyPath(), input(caller), context, route.mode())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn(
                    "tcp listener {}: decision failed, connection from {} closed: {}",
                    config.name(),
                    caller.id(),
                    ar.cause().toString());
                socket.close();
              } else if (!ar.result().letThrough()) {
                socket.close();
              } else {
                connect(socket, new Admitted(caller, ar.result().decisionId(), context, seen));
              }
            });
  }

  private Value input(Caller caller) {
    return WorkloadInput.tcp(
        InboundListener.ipOf(caller.source()), clock.instant(), config.route(), caller.id());
  }

  private void connect(NetSocket socket, Admitted admitted) {
    URI up = config.route().upstream();
    app.connect(up.getPort(), up.getHost())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn(
                    "app unavailable: listener={} app={} decision_id={} reason={}",
                    config.name(),
                    up,
                    admitted.decisionId(),
                    ar.cause().getMessage());
                socket.close();
                return;
              }
              NetSocket toApp = ar.result();
              toApp.pause();
              TcpRelay.prepare(toApp);
              Watched<Admitted> c =
                  watched.relay(admitted, admitted.caller().chain(), socket, toApp);
              if (changes.get() != admitted.changesSeen()) {
                // The policy changed after the first decision was asked for, perhaps before it
                // was made.
                vertx.executeBlocking(() -> recheck(c), false);
              }
            });
  }

  /**
   * Takes a change of the decision point's policy: queues one round of re-decisions of the open
   * connections on the worker pool, unless one is queued that has not started yet. Quick, and never
   * throws: it runs on the thread that changed the policy.
   */
  void policyChanged() {
    changes.incrementAndGet();
    changePending.set(true);
    if (!watched.isEmpty() && rechecking.compareAndSet(false, true)) {
      vertx.executeBlocking(this::recheckAll, false);
    }
  }

  /** Re-decides every open connection until no change is pending; on the worker pool. */
  private Void recheckAll() {
    do {
      try {
        while (changePending.getAndSet(false)) {
          for (Watched<Admitted> c : watched.open()) {
            recheck(c);
          }
        }
      } finally {
        rechecking.set(false);
      }
    } while (changePending.get() && rechecking.compareAndSet(false, true));
    return null;
  }

  /**
   * Decides one open connection again with the policy in service now, and closes it when the
   * listener's mode does not let it through any more; may wait, so never on an event loop.
   */
  private Void recheck(Watched<Admitted> c) {
    Route route = config.route();
    if (c.closing() || route.mode() == Mode.OBSERVE) {
      return null; // Observe asks no policy: there is nothing to decide again.
    }
    Admitted a = c.about;
    Map<String, String> context = new HashMap<>(a.context());
    context.put("recheck", RECHECK_POLICY);
    context.put("connection_decision_id", a.decisionId());
    Decision d;
    try {
      d = pdp.decide(policyPath, input(a.caller()), context, pdp.evalOptions(), route.mode());
    } catch (RuntimeException e) {
      // Fail closed, as the first decision does.
      close(c, null, "re-checked after a policy change, the decision failed: " + e);
      return null;
    }
    if (d.letThrough()) {
      if (!d.allowed()) {
        log.info(
            "tcp connection would be closed (mode {}): listener={} subject={} decision_id={}"
                + " connection_decision_id={} reason=re-checked after a policy change: {}",
            route.mode().label(),
            config.name(),
            a.caller().id(),
            d.decisionId(),
            a.decisionId(),
            d.reason());
      }
      return null;
    }
    close(c, d.decisionId(), "re-checked after a policy change: " + d.reason());
    return null;
  }

  /**
   * Logs a connection closed because its caller's chain expired or no longer verifies, in any mode,
   * as a refusal at the route's policy path with {@code recheck} and {@code
   * connection_decision_id}.
   */
  private void distrusted(Watched<Admitted> c, String code, String why) {
    boolean expired = code.equals("EXPIRED");
    String reason =
        (expired ? "svid_expired: " : "svid_rejected: " + code + ": ")
            + "the certificate chain the caller authenticated with "
            + why;
    Admitted a = c.about;
    Map<String, String> context = new HashMap<>(a.context());
    context.put("recheck", expired ? RECHECK_EXPIRY : RECHECK_REVALIDATION);
    context.put("connection_decision_id", a.decisionId());
    Route route = config.route();
    vertx.executeBlocking(
        () -> {
          Decision d = pdp.refuse(policyPath, input(a.caller()), context, route.mode(), reason);
          log.info(
              "tcp connection closed: listener={} subject={} decision_id={}"
                  + " connection_decision_id={} reason={}",
              config.name(),
              a.caller().id(),
              d.decisionId(),
              a.decisionId(),
              reason);
          return null;
        },
        false);
  }

  /** Closes a connection that a re-decision no longer lets through, and says why. */
  private void close(Watched<Admitted> c, String decisionId, String reason) {
    if (!c.close()) {
      return;
    }
    log.info(
        "tcp connection closed: listener={} subject={} decision_id={} connection_decision_id={}"
            + " reason={}",
        config.name(),
        c.about.caller().id(),
        decisionId,
        c.about.decisionId(),
        reason);
  }

  /** {@code recheck} of a re-decision after a policy change. */
  static final String RECHECK_POLICY = "policy_change";

  /** {@code recheck} of the refusal logged when the caller's certificate expired. */
  static final String RECHECK_EXPIRY = "svid_expiry";

  /** {@code recheck} of the refusal logged when the caller's chain no longer verified. */
  static final String RECHECK_REVALIDATION = "svid_revalidation";

  /**
   * A verified caller: its address, its SPIFFE ID and the certificate chain it authenticated with
   * (leaf first).
   */
  private record Caller(String source, SpiffeId id, List<X509Certificate> chain) {}

  /**
   * A caller let through: the decision, its log context, and how many policy changes had been heard
   * before it was asked for.
   */
  private record Admitted(
      Caller caller, String decisionId, Map<String, String> context, long changesSeen) {}

  private static List<X509Certificate> peerChain(NetSocket socket) {
    try {
      return InboundListener.x509(socket.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }
}
