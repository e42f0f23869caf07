package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.edge.DecisionDispatch;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.http.HeaderHygiene;
import dev.vigil.gateway.http.PathNormalizer;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.http.RequestMethods;
import dev.vigil.gateway.http.RequestPath;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.upstream.DirectUpstream;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.CodecResets;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.HostHeader;
import dev.vigil.pdp.RequestFraming;
import dev.vigil.rego.value.Value;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the requests of one inbound listener, in a fixed order: (1) establish the caller: on TLS,
 * the peer's chain is verified again as an X.509-SVID (the handshake already did; doing it per
 * request refuses a serial revoked while a connection stays open), a STRICT port refuses a caller
 * without a certificate, and a PERMISSIVE port marks it as plaintext; (2) normalise the path and
 * remove identity headers the caller sent; (3) ask the decision point with the route's mode; (4)
 * forward to the app on loopback with the caller's SPIFFE ID, or refuse. Every refusal is logged
 * with its reason.
 *
 * <p>Over HTTP/2 each stream is a request of its own and goes through every step: the peer's chain
 * is checked and the policy asked per stream, and so per gRPC call. The app is reached over
 * HTTP/1.1 ({@link Relay}) or, when the listener's {@code app_protocol} is {@code h2c}, over HTTP/2
 * with prior knowledge ({@link Http2Relay}), which carries the answer's trailers back. Refusals of
 * a gRPC call are gRPC statuses ({@link Replies}). Thread-safe.
 */
final class InboundListener implements CodecResets.RefusalListener {

  private static final Logger log = LoggerFactory.getLogger(InboundListener.class);

  private static final HeaderHygiene HYGIENE = new HeaderHygiene(Set.of());

  private final Vertx vertx;
  private final Inbound config;
  private final X509SvidValidator validator;
  private final DecisionPoint pdp;
  private final RefusalLog refusals;
  private final InstantSource clock;
  private final DirectUpstream app;
  private final HttpClient h2cApp;
  private final CallKeepAlive keepAlive;
  private final IdentityAssertion assertion;
  private final long appIdleMillis;
  private final DecisionDispatch decisions;
  private final Supplier<String> self;
  private volatile PermissiveFront front;

  InboundListener(
      Vertx vertx,
      Inbound config,
      X509SvidValidator validator,
      DecisionPoint pdp,
      RefusalLog refusals,
      InstantSource clock,
      DirectUpstream app,
      HttpClient h2cApp,
      CallKeepAlive keepAlive,
      IdentityAssertion assertion,
      long appIdleMillis,
      Supplier<String> self) {
    this.vertx = vertx;
    this.self = self;
    this.config = config;
    this.validator = validator;
    this.pdp = pdp;
    this.refusals = refusals;
    this.clock = clock;
    this.app = app;
    this.h2cApp = h2cApp;
    this.keepAlive = keepAlive;
    if (config.appProtocol() == AppProtocol.H2C && h2cApp == null) {
      throw new IllegalArgumentException(
          "inbound listener " + config.name() + ": app_protocol h2c needs an HTTP/2 client");
    }
    this.assertion = assertion;
    this.appIdleMillis = appIdleMillis;
    this.decisions = new DecisionDispatch(vertx, pdp, DecisionDispatch.INLINE_BUDGET);
  }

  void front(PermissiveFront f) {
    this.front = f;
  }

  /** The request handler: a fault in any step fails the request closed (see RequestGuard). */
  void handle(HttpServerRequest req) {
    try {
      check(req);
    } catch (RuntimeException e) {
      RequestGuard.failed(req, config.name(), null, 500, e);
    }
  }

  /**
   * Handles a request head the HTTP/1.x decoder could not read as one request (its body could be
   * delimited two ways, or a line or the head is too long; see {@code RequestFraming}): logged as a
   * refusal before policy ({@code BAD_FRAMING} or {@code TOO_LONG}) on the worker pool, as the edge
   * does (it writes the service log, and the event loop serves every other connection), then
   * answered as Vert.x answers it (400, 414 or 431, the connection closed) with the decision id.
   */
  void invalid(HttpServerRequest req) {
    try {
      RefusalLog.InvalidHead head = RefusalLog.InvalidHead.of(req);
      logRefusal(source(req), head.code(), "refused: " + head.reason())
          .onComplete(
              RequestGuard.afterRefusalLogged(
                  req, () -> HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req)));
    } catch (RuntimeException e) {
      RequestGuard.failed(req, config.name(), null, 500, e);
    }
  }

  /**
   * Refuses a request before policy: the refusal is logged on the worker pool (it writes the
   * service log, and the event loop serves every other connection), then answered with {@code
   * status} and the decision id, or without an id when the log had no room (the refusal is then
   * counted, see {@link RefusalLog}).
   */
  private void refuse(
      HttpServerRequest req,
      String source,
      String code,
      String reason,
      int status,
      String error,
      String message) {
    logRefusal(source, code, reason)
        .onComplete(
            RequestGuard.guard(
                req,
                config.name(),
                null,
                500,
                ar ->
                    Replies.error(
                        req, status, error, message, ar.succeeded() ? ar.result() : null)));
  }

  /** Logs a refusal of this listener on the worker pool; the future gives its decision id. */
  private Future<String> logRefusal(String source, String code, String reason) {
    return refusals.refuseOnWorker(vertx, config.name(), source, code, reason, Map.of());
  }

  /**
   * Logs an HTTP/2 stream the codec reset, or a connection it closed with {@code GOAWAY}, for a
   * fault of the client's ({@link CodecResets}), most often before any request reached this
   * listener, as a refusal before policy: who sent it (its address, and the SPIFFE ID of the
   * certificate it presented, when it verifies), the error code and what it means, and the stream
   * or the codec's message. One event each, written on the worker pool.
   */
  @Override
  public void refuse(Channel channel, String code, String reason, Map<String, String> extra) {
    SocketAddress remote =
        channel.remoteAddress() instanceof InetSocketAddress a
            ? SocketAddress.inetSocketAddress(a)
            : null;
    SpiffeId caller = verifiedCaller(channel);
    if (caller != null) {
      extra.put("peer_spiffe_id", caller.toString());
    }
    refusals.refuseOnWorker(vertx, config.name(), source(remote), code, reason, extra);
  }

  /** Returns the SPIFFE ID of the TLS peer of {@code channel} when its chain verifies, or null. */
  private SpiffeId verifiedCaller(Channel channel) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls == null) {
      return null;
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : tls.engine().getSession().getPeerCertificates()) {
        if (c instanceof X509Certificate x) {
          chain.add(x);
        }
      }
      return chain.isEmpty() ? null : validator.validate(chain);
    } catch (SSLPeerUnverifiedException | SvidRejectedException e) {
      return null;
    }
  }

  /** Returns the caller's address and port, through the PERMISSIVE front when there is one. */
  private String source(HttpServerRequest req) {
    return source(req.remoteAddress());
  }

  private String source(SocketAddress remote) {
    return front == null ? PermissiveFront.address(remote) : front.origin(remote);
  }

  private void check(HttpServerRequest req) {
    req.pause();
    String source = source(req);
    SpiffeId caller = null;
    if (req.isSSL()) {
      List<X509Certificate> chain = peerChain(req);
      if (!chain.isEmpty()) {
        try {
          caller = validator.validate(chain);
        } catch (SvidRejectedException e) {
          refuse(
              req,
              source,
              e.reason().name(),
              e.getMessage(),
              403,
              "peer_refused",
              "the client certificate was refused");
          return;
        }
      }
    }
    if (caller == null && config.peerMode() == PeerMode.STRICT) {
      refuse(
          req,
          source,
          "NO_CLIENT_CERTIFICATE",
          "no client certificate on a STRICT port: mutual TLS is required",
          401,
          "client_certificate_required",
          "mutual TLS is required");
      return;
    }
    decide(req, source, caller);
  }

  private void decide(HttpServerRequest req, String source, SpiffeId caller) {
    String badMethod = RequestMethods.refusal(req.method().name());
    if (badMethod != null) {
      refuse(req, source, "BAD_METHOD", "refused: " + badMethod, 400, "bad_request", badMethod);
      return;
    }
    RequestPath path = PathNormalizer.normalize(req.uri());
    if (path.isRefused()) {
      // Logged like the edge's refusals before policy, so that it has a decision id.
      String why = "the request path is ambiguous: " + path.refusal();
      refuse(req, source, "BAD_PATH", "refused: " + why, 400, "bad_request", why);
      return;
    }
    if (req.version() == HttpVersion.HTTP_2) {
      String malformed = RequestFraming.http2Refusal(req.headers().names(), req.headers()::get);
      if (malformed == null) {
        malformed = RequestFraming.http2FieldRefusal(req.headers());
      }
      if (malformed != null) {
        refuse(req, source, "BAD_FRAMING", "refused: " + malformed, 400, "bad_request", malformed);
        return;
      }
    }
    // The host the policy sees and the app is told must read one way, as at the edge.
    HostHeader.Refusal badHost = HostHeader.refusal(req);
    if (badHost != null) {
      String why = badHost.reason();
      refuse(req, source, badHost.code(), "refused: " + why, 400, "bad_request", why);
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    HYGIENE.strip(List.copyOf(headers.names()), false, headers::remove);
    Map<String, String> flat = new LinkedHashMap<>();
    headers.forEach(e -> flat.putIfAbsent(e.getKey(), e.getValue()));
    Route route = config.route();
    String host = hostOf(req);
    Value input =
        WorkloadInput.build(
            req.method().name(),
            path.path(),
            host == null ? "" : host,
            flat,
            ipOf(source),
            clock.instant(),
            route,
            caller);
    Map<String, String> context =
        decisionContext(
            route, caller != null ? "mtls" : req.isSSL() ? "tls" : "plaintext", caller, self.get());
    // Quick policies answer on the event loop, slow ones on the worker pool, as at the edge.
    decisions
        .decide(route.policyPath(), input, context, route.mode())
        .onComplete(
            RequestGuard.guard(
                req,
                config.name(),
                null,
                500,
                ar -> {
                  if (ar.failed()) {
                    Replies.error(
                        req, 500, "decision_failed", "the request could not be decided", null);
                  } else if (!ar.result().letThrough()) {
                    Replies.error(
                        req, 403, "access_denied", "access denied", ar.result().decisionId());
                  } else {
                    forward(req, path, headers, ar.result(), caller);
                  }
                }));
  }

  private void forward(
      HttpServerRequest req, RequestPath path, MultiMap headers, Decision d, SpiffeId caller) {
    Route route = config.route();
    URI up = route.upstream();
    String base = route.upstreamBasePath();
    // The caller's hop options go first, so that none of them names a header set here.
    ProxyExchange.removeConnectionOptions(headers);
    // The caller's expectation is met here, now that policy has let the request through: the app
    // is not asked for a 100 Continue that the relay would not pass on.
    headers.remove("Expect");
    if (RequestBodies.expectsContinue(req)) {
      RequestBodies.invite(req);
    }
    headers.set("X-Vigil-Decision-Id", d.decisionId());
    // TLS without a client certificate (a PERMISSIVE port) is still https to the app.
    headers.set("X-Forwarded-Proto", req.isSSL() ? "https" : "http");
    if (caller != null) {
      headers.set("X-Vigil-Spiffe-Id", caller.toString());
    }
    if (assertion != null) {
      String subject = caller == null ? "anonymous" : caller.toString();
      headers.set(IdentityAssertion.HEADER, assertion.assertion(subject, route.name(), Map.of()));
    }
    int port = up.getPort() > 0 ? up.getPort() : 80;
    if (config.appProtocol() == AppProtocol.H2C) {
      Http2Relay.send(
          req,
          h2cApp,
          up.getHost(),
          port,
          base + path.target(),
          headers,
          config.name(),
          d.decisionId(),
          keepAlive,
          false,
          true,
          appIdleMillis,
          e -> appUnavailable(req, d, e));
      return;
    }
    Relay.toApp(
        req,
        app,
        up.getHost(),
        port,
        base + path.target(),
        headers,
        config.name(),
        d.decisionId(),
        e -> appUnavailable(req, d, e));
  }

  /**
   * Answers 502 for an app that could not be reached or failed before its answer began, and says
   * why in the service log under the decision id: the caller's answer names neither the app nor the
   * cause, and a wrong {@code app_protocol} (h2c to an HTTP/1.1 app, or the reverse) looks like
   * this.
   */
  private void appUnavailable(HttpServerRequest req, Decision d, Throwable cause) {
    if (req.response().closed()) {
      // The caller went first, and the sidecar then cancelled the app's request: no fault of the
      // app's, and nobody left to answer.
      return;
    }
    String why =
        cause == null
            ? "no answer"
            : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    log.warn(
        "app unavailable: listener={} app={} app_protocol={} decision_id={} reason={}",
        config.name(),
        config.route().upstream(),
        config.appProtocol().name().toLowerCase(Locale.ROOT),
        d.decisionId(),
        why);
    Replies.error(
        req,
        502,
        "upstream_unavailable",
        "the app behind " + config.route().name() + " did not answer",
        d.decisionId());
  }

  /** Returns the caller's Host, or over HTTP/2 its {@code :authority}; null when it sent none. */
  private static String hostOf(HttpServerRequest req) {
    String h = req.headers().get("Host");
    return h == null && req.authority() != null ? req.authority().toString() : h;
  }

  /** Returns the address part of {@code host:port}. */
  static String ipOf(String source) {
    int colon = source.lastIndexOf(':');
    return colon < 0 ? "" : source.substring(0, colon);
  }

  /**
   * Returns the log context of a decision of {@code route}: the route, the transport, the caller
   * ({@code subject}) when known, and who was called ({@code workload}), as the caller is named:
   * the workload's SPIFFE ID of now, or null when unknown, so that insight can follow a call from
   * one workload to the next (a route name is no workload's identity).
   */
  static Map<String, String> decisionContext(
      Route route, String transport, SpiffeId caller, String workload) {
    Map<String, String> context = new HashMap<>();
    context.put("route", route.name());
    context.put("transport", transport);
    if (caller != null) {
      context.put("subject", caller.toString());
    }
    if (workload != null) {
      context.put("workload", workload);
    }
    return context;
  }

  private static List<X509Certificate> peerChain(HttpServerRequest req) {
    try {
      return x509(req.connection().peerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  /** Returns the X.509 certificates of a peer's chain, in order; none for null. */
  static List<X509Certificate> x509(List<Certificate> certs) {
    List<X509Certificate> out = new ArrayList<>();
    if (certs != null) {
      for (Certificate c : certs) {
        if (c instanceof X509Certificate x) {
          out.add(x);
        }
      }
    }
    return out;
  }
}
