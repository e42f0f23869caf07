package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.edge.DecisionDispatch;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.rego.value.Value;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
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
 * mtls}. Thread-safe.
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
  private final Supplier<String> self;

  /**
   * @param app the client that reaches the app on loopback, with the idle timeout of the relay
   * @param self this workload's SPIFFE ID now, recorded as {@code workload}
   */
  TcpInbound(
      Vertx vertx,
      Inbound config,
      X509SvidValidator validator,
      DecisionPoint pdp,
      RefusalLog refusals,
      InstantSource clock,
      NetClient app,
      Supplier<String> self) {
    this.vertx = vertx;
    this.config = config;
    this.validator = validator;
    this.refusals = refusals;
    this.clock = clock;
    this.app = app;
    this.self = self;
    this.decisions = new DecisionDispatch(vertx, pdp, DecisionDispatch.INLINE_BUDGET);
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
    decide(socket, source, caller);
  }

  private void refuse(NetSocket socket, String source, String code, String reason) {
    refusals
        .refuseOnWorker(vertx, config.name(), source, code, reason, Map.of())
        .onComplete(ar -> socket.close());
  }

  private void decide(NetSocket socket, String source, SpiffeId caller) {
    Route route = config.route();
    Value input = WorkloadInput.tcp(InboundListener.ipOf(source), clock.instant(), route, caller);
    Map<String, String> context =
        InboundListener.decisionContext(route, "mtls", caller, self.get());
    decisions
        .decide(route.policyPath(), input, context, route.mode())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn(
                    "tcp listener {}: decision failed, connection from {} closed: {}",
                    config.name(),
                    caller,
                    ar.cause().toString());
                socket.close();
              } else if (!ar.result().letThrough()) {
                socket.close();
              } else {
                connect(socket, ar.result().decisionId());
              }
            });
  }

  private void connect(NetSocket socket, String decisionId) {
    URI up = config.route().upstream();
    app.connect(up.getPort(), up.getHost())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn(
                    "app unavailable: listener={} app={} decision_id={} reason={}",
                    config.name(),
                    up,
                    decisionId,
                    ar.cause().getMessage());
                socket.close();
                return;
              }
              NetSocket toApp = ar.result();
              toApp.pause();
              TcpRelay.prepare(toApp);
              TcpRelay.join(socket, toApp);
            });
  }

  private static List<X509Certificate> peerChain(NetSocket socket) {
    try {
      return InboundListener.x509(socket.peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }
}
