package dev.vigil.gateway.edge;

import dev.vigil.access.Devices;
import dev.vigil.access.Grants;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.StepUp;
import dev.vigil.gateway.http.GatewayCookies;
import dev.vigil.gateway.http.HeaderHygiene;
import dev.vigil.gateway.http.IdentityHeaderValue;
import dev.vigil.gateway.http.PathNormalizer;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.http.RequestMethods;
import dev.vigil.gateway.http.RequestPath;
import dev.vigil.gateway.http.WebSocketHandshake;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.gateway.upstream.DirectUpstream;
import dev.vigil.gateway.upstream.UpstreamClients;
import dev.vigil.gateway.upstream.UpstreamIdentity;
import dev.vigil.pdp.BindFailure;
import dev.vigil.pdp.CodecResets;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.HeadDeadline;
import dev.vigil.pdp.HostHeader;
import dev.vigil.pdp.ListenException;
import dev.vigil.pdp.LoopListeners;
import dev.vigil.pdp.RequestFraming;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.transport.Transport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity-aware gateway in edge mode: every request is normalised, cleaned of spoofable
 * headers, routed, decided by the decision point and then forwarded or refused.
 *
 * <p>The order is fixed and is the point of the design: (1) normalise the path once and refuse what
 * stays ambiguous (400); (2) remove client headers that only the gateway may write; (3) pick the
 * route on the normalised path; (4) build the input and ask the decision point, with the route's
 * mode; (5) refuse (401 without identity, 403 with), or forward exactly the path that was
 * authorised with the decision id and a signed identity assertion. The gateway decides nothing
 * itself: a failure anywhere is a refusal.
 *
 * <p>People sign in as local users (password and TOTP) at {@code /auth/login} or through an OpenID
 * Connect provider; API clients send a provider's bearer token ({@link Callers}). A refusal without
 * a session sends browsers to sign in and answers API clients 401; with a session it is 403, unless
 * the policy asks for a second factor or a recent authentication ({@code step_up}, see {@link
 * StepUp}) that the session does not show: then the browser is sent to renew it. A refused bearer
 * token is 401 {@code invalid_token} whatever the mode.
 *
 * <p>Every step after the first runs as a continuation (of the decision, the body, the upstream's
 * connection), guarded by {@link RequestGuard}: a step that throws fails its request closed with
 * 500, or 502 on the upstream's side, instead of leaving the client waiting for an answer.
 */
public final class EdgeGateway implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeGateway.class);

  private final Vertx vertx;
  private final int port;
  private final int tlsPort;

  private EdgeGateway(Vertx vertx, int port, int tlsPort) {
    this.vertx = vertx;
    this.port = port;
    this.tlsPort = tlsPort;
  }

  /**
   * What the gateway is started with.
   *
   * @param host the address to listen on
   * @param port the port (0 picks a free one)
   * @param routes the route table, swapped whole on reload; read once per request, which takes its
   *     route and, when the table carries them, the users of its session from that one table
   * @param pdp the decision point that decides every request
   * @param assertion signs the identity assertion sent upstream
   * @param clock the time of policy inputs and sessions
   * @param signIn local users, OpenID Connect providers and bearer tokens; null for none (every
   *     caller anonymous)
   * @param tls a TLS listener (HTTP/2, device certificates), or null
   * @param upstreamIdentity the SVIDs presented to upstreams that are Vigil workloads ({@link
   *     Route#upstreamSpiffeId()}); null makes routes to such upstreams answer 502
   * @param grants just-in-time grants: read into {@code input.grants}, asked for and decided at
   *     {@code /auth/access/}; null for none
   */
  public record Settings(
      String host,
      int port,
      AtomicReference<RouteTable> routes,
      DecisionPoint pdp,
      IdentityAssertion assertion,
      InstantSource clock,
      EdgeSignIn signIn,
      TlsListener tls,
      UpstreamIdentity upstreamIdentity,
      Grants grants) {

    /** The settings of a gateway without sign-in, TLS listener or upstream SVIDs. */
    public static Settings of(
        String host,
        int port,
        AtomicReference<RouteTable> routes,
        DecisionPoint pdp,
        IdentityAssertion assertion,
        InstantSource clock) {
      return new Settings(host, port, routes, pdp, assertion, clock, null, null, null, null);
    }

    public Settings withSignIn(EdgeSignIn s) {
      return new Settings(
          host, port, routes, pdp, assertion, clock, s, tls, upstreamIdentity, grants);
    }

    /** Signs in local users, and through {@code oidc} as well when it is not null. */
    public Settings withLocalUsers(LocalAuthenticator auth, OidcLogin oidc) {
      return withSignIn(
          new EdgeSignIn(
              auth, new IdentityProviders(oidc == null ? List.of() : List.of(oidc)), List.of()));
    }

    public Settings withTls(TlsListener t) {
      return new Settings(
          host, port, routes, pdp, assertion, clock, signIn, t, upstreamIdentity, grants);
    }

    public Settings withUpstreamIdentity(UpstreamIdentity u) {
      return new Settings(host, port, routes, pdp, assertion, clock, signIn, tls, u, grants);
    }

    public Settings withGrants(Grants g) {
      return new Settings(
          host, port, routes, pdp, assertion, clock, signIn, tls, upstreamIdentity, g);
    }
  }

  /**
   * Starts the gateway.
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static EdgeGateway start(Settings settings) {
    String host = settings.host();
    int port = settings.port();
    AtomicReference<RouteTable> routes = settings.routes();
    DecisionPoint pdp = settings.pdp();
    IdentityAssertion assertion = settings.assertion();
    InstantSource clock = settings.clock();
    EdgeSignIn signIn = settings.signIn();
    TlsListener tls = settings.tls();
    UpstreamIdentity upstreamIdentity = settings.upstreamIdentity();
    Duration headDeadline = HeadDeadline.configured();
    Vertx vertx =
        Vertx.builder()
            .with(new VertxOptions().setEventLoopPoolSize(LoopListeners.configured()))
            .withTransport(transport())
            .build();
    HttpClient client =
        UpstreamClients.pooled(
            vertx,
            new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout(5_000)
                .setIdleTimeout(60)
                .setIdleTimeoutUnit(TimeUnit.SECONDS),
            new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    AuthEndpoints endpoints =
        signIn == null
            ? null
            : new AuthEndpoints(
                signIn, clock, new RefusalLog(pdp, clock, SIGN_IN_LOG_PATH), settings.grants());
    WebSocketClient sockets = vertx.createWebSocketClient();
    Devices devices = tls == null ? null : tls.devices();
    DecisionDispatch decisions = new DecisionDispatch(vertx, pdp, DecisionDispatch.INLINE_BUDGET);
    UpstreamClients upstreams =
        new UpstreamClients(vertx, client, sockets, upstreamIdentity, pdp, clock);
    Handler handler =
        new Handler(
            vertx,
            new RefusalLog(pdp, clock, REQUEST_LOG_PATH),
            decisions,
            routes,
            assertion,
            clock,
            upstreams,
            new DirectUpstream(vertx),
            endpoints,
            devices,
            settings.grants());
    // Streams the HTTP/2 codec resets never reach the handler: their resets are read off the wire,
    // on HTTP/2 connections only (and h2c ones until their first HTTP/1.1 request).
    Consumer<ChannelPipeline> resets = pipeline -> CodecResets.install(pipeline, handler);
    int plain;
    try {
      plain =
          LoopListeners.listen(
              vertx,
              port,
              listenOn ->
                  HeadDeadline.createHttpServer(
                          vertx,
                          new HttpServerOptions()
                              .setHost(host)
                              .setPort(listenOn)
                              .setIdleTimeout(60)
                              .setIdleTimeoutUnit(TimeUnit.SECONDS)
                              .setWebSocketSubProtocols(WEBSOCKET_SUBPROTOCOLS),
                          headDeadline,
                          resets)
                      .requestHandler(handler::handle)
                      .invalidRequestHandler(handler::invalid));
    } catch (Exception e) {
      vertx.close();
      throw new ListenException(
          "cannot listen on " + host + ":" + port + ": " + BindFailure.reason(e), host, port, e);
    }
    int secure = tls == null ? -1 : tls.listen(vertx, handler::handle, handler::invalid, resets);
    return new EdgeGateway(vertx, plain, secure);
  }

  /**
   * Picks the socket transport: io_uring where the kernel allows it, else epoll, else the JDK's
   * NIO. The system property {@code vigil.transport} ({@code io_uring}, {@code epoll}, {@code nio})
   * overrides the choice, for a kernel where io_uring misbehaves.
   */
  static Transport transport() {
    String wanted = System.getProperty("vigil.transport", "");
    for (Transport t : List.of(Transport.IO_URING, Transport.EPOLL)) {
      if ((wanted.isEmpty() || wanted.equalsIgnoreCase(t.name())) && t.available()) {
        return t;
      }
    }
    return Transport.NIO;
  }

  public int port() {
    return port;
  }

  /** Returns the port of the TLS listener, or -1 when there is none. */
  public int tlsPort() {
    return tlsPort;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Best effort at shutdown.
    }
  }

  /** Handles one request; runs on the event loop. */
  private record Handler(
      Vertx vertx,
      RefusalLog refusals,
      DecisionDispatch decisions,
      AtomicReference<RouteTable> routes,
      IdentityAssertion assertion,
      InstantSource clock,
      UpstreamClients upstreams,
      DirectUpstream direct,
      AuthEndpoints auth,
      Devices devices,
      Grants grants)
      implements CodecResets.RefusalListener {

    private static final HeaderHygiene HYGIENE = new HeaderHygiene(Set.of());

    /** The request handler: a fault in a step run before any continuation fails closed too. */
    void handle(HttpServerRequest req) {
      try {
        route(req);
      } catch (RuntimeException e) {
        RequestGuard.failed(req, null, null, 500, e);
      }
    }

    private void route(HttpServerRequest req) {
      req.pause();
      String badMethod = RequestMethods.refusal(req.method().name());
      if (badMethod != null) {
        // The upstream would not run the request policy decided: see RequestMethods.
        refuseBeforePolicy(req, "BAD_METHOD", badMethod);
        return;
      }
      if (!HttpMethod.GET.equals(req.method()) && WebSocketHandshake.asked(req)) {
        // Refused before any upstream work; a GET's handshake is checked after policy.
        String why = WebSocketHandshake.methodRefusal(req.method().name());
        refuseBeforePolicy(req, "BAD_UPGRADE", why);
        return;
      }
      if (req.path().equals(IdentityAssertion.JWKS_PATH)) {
        // No body is wanted here, so none held back for 100 Continue is invited: the connection
        // closes after the answer, before bytes sent later could be read as a request of their own.
        RequestBodies.closeIfWithheld(req);
        RequestBodies.resume(req);
        // The keys of the other nodes may have to be read from the store: off the event loop.
        Vertx.currentContext()
            .executeBlocking(assertion::jwks, false)
            .onComplete(
                RequestGuard.guard(
                    req,
                    null,
                    null,
                    500,
                    keys -> {
                      if (keys.succeeded()) {
                        req.response()
                            .putHeader("Content-Type", "application/json")
                            .putHeader("Cache-Control", JWKS_CACHE_CONTROL)
                            .end(keys.result());
                      } else {
                        refuse(
                            req,
                            503,
                            "keys_unavailable",
                            "the assertion keys cannot be read",
                            null);
                      }
                    }));
        return;
      }
      RequestPath path = PathNormalizer.normalize(req.uri());
      if (path.isRefused()) {
        refuseBeforePolicy(req, "BAD_PATH", "the request path is ambiguous: " + path.refusal());
        return;
      }
      if (req.version() == HttpVersion.HTTP_2) {
        String malformed = RequestFraming.http2Refusal(req.headers().names(), req.headers()::get);
        if (malformed == null) {
          malformed = RequestFraming.http2FieldRefusal(req.headers());
        }
        if (malformed != null) {
          refuseBeforePolicy(req, "BAD_FRAMING", malformed);
          return;
        }
      }
      // Two Hosts, a Host or :authority that is not a host, the two naming different hosts, or
      // none where the protocol needs one (RFC 9112 §3.2, RFC 9113 §8.3.1). Never echoed.
      HostHeader.Refusal badHost = HostHeader.refusal(req);
      if (badHost != null) {
        refuseBeforePolicy(req, badHost.code(), badHost.reason());
        return;
      }
      // The gateway reads the first Authorization and the upstream may read another: refused.
      String twice = ApiToken.ambiguity(req.headers().getAll("Authorization"));
      if (twice != null) {
        refuseBeforePolicy(req, "BAD_AUTHORIZATION", twice);
        return;
      }
      // One spelling of the host for routing, policy and the upstream: lower case, no final dot.
      String hostHeader = HostHeader.normalize(hostOf(req));
      if (auth != null && path.path().startsWith("/auth/") && auth.handle(req, path.path())) {
        return;
      }
      // The one read of the reloadable configuration: route, mode, policy and users all come
      // from this generation, whatever a reload publishes while the request runs.
      RouteTable generation = routes.get();
      Route route = generation.match(hostHeader, path.path());
      if (route == null) {
        // Logged as any refusal before policy is: a request for a host or path nothing serves is
        // what a scan, a stale link or a client still pointed at a moved service looks like.
        refuseBeforePolicy(
            req, "NO_ROUTE", "no route serves this host and path", 404, "no_route", hostHeader);
        return;
      }
      if (auth == null) {
        decide(req, path, hostHeader, route, Caller.ANONYMOUS);
        return;
      }
      auth.identify(req, route, generation.users())
          .onComplete(
              RequestGuard.guard(
                  req,
                  route.name(),
                  null,
                  500,
                  ar -> {
                    if (ar.failed() && ar.cause() instanceof BoundedWork.Busy b) {
                      refuseBusy(req, b, host(hostHeader));
                      return;
                    }
                    decide(
                        req,
                        path,
                        hostHeader,
                        route,
                        ar.succeeded() ? ar.result() : Caller.refused(ar.cause().getMessage()));
                  }));
    }

    /**
     * Answers 503 with {@code Retry-After} to a request whose caller could not be checked for now
     * (bearer-token checks or session refreshes at their bound), after logging it as refused {@code
     * BUSY} before policy.
     */
    private void refuseBusy(HttpServerRequest req, BoundedWork.Busy b, String host) {
      req.response().putHeader("Retry-After", Long.toString(b.retryAfterSeconds()));
      refuseBeforePolicy(req, "BUSY", b.getMessage(), 503, "busy", host);
    }

    /**
     * Answers 400 to a request refused before routing and policy (its path or host cannot be read
     * one way only), after logging it as a denied decision under {@value #REQUEST_LOG_PATH} with
     * its reason, so that it has a decision id as any other refusal. The entry is written on the
     * worker pool (with a warning in the service log, which the event loop must not write); it
     * never waits for room in the log, and is only counted when there is none (no decision id).
     */
    private void refuseBeforePolicy(HttpServerRequest req, String code, String message) {
      refuseBeforePolicy(req, code, message, 400, "bad_request", null);
    }

    /**
     * As the 400 above, answered with {@code status} and the {@code error} code given; {@code host}
     * is the normalized host the request was routed by, logged with it, or null when not known.
     */
    private void refuseBeforePolicy(
        HttpServerRequest req, String code, String message, int status, String error, String host) {
      logRefusal(req, code, message, host)
          .onComplete(
              RequestGuard.guard(
                  req,
                  null,
                  null,
                  500,
                  ar -> refuse(req, status, error, message, ar.succeeded() ? ar.result() : null)));
    }

    /**
     * Logs a request refused before policy as a denied decision with its code, reason, method,
     * target and peer, on the worker pool; the future gives its decision id.
     */
    private Future<String> logRefusal(HttpServerRequest req, String code, String reason) {
      return logRefusal(req, code, reason, null);
    }

    /**
     * As above, with the host the request was routed by when there is one: what {@code vigil
     * insight inventory} groups the requests no route serves by.
     */
    private Future<String> logRefusal(
        HttpServerRequest req, String code, String reason, String host) {
      String peer = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
      String target = req.uri().length() > 256 ? req.uri().substring(0, 256) + "..." : req.uri();
      Map<String, String> extra =
          host == null
              ? Map.of("method", req.method().name(), "target", target)
              : Map.of(
                  "method",
                  req.method().name(),
                  "target",
                  target,
                  "host",
                  host.length() > 256 ? host.substring(0, 256) + "..." : host);
      return refusals.refuseOnWorker(vertx, "edge", peer, code, "refused: " + reason, extra);
    }

    /**
     * A request whose head could not be read as one request only (a Transfer-Encoding other than
     * one chunked coding, Transfer-Encoding with Content-Length, a head or line too long; see
     * {@code RequestFraming}): logged as a denied decision under {@value #REQUEST_LOG_PATH} as the
     * other refusals before policy are, then answered as Vert.x answers it (400, 414 or 431, the
     * connection closed), with the decision id. Without this, the refusals most telling of an
     * attack were the only ones missing from the log.
     */
    void invalid(HttpServerRequest req) {
      try {
        logInvalid(req);
      } catch (RuntimeException e) {
        RequestGuard.failed(req, null, null, 500, e);
      }
    }

    /**
     * Logs an HTTP/2 stream the codec reset for a fault of the client's (a malformed request, more
     * streams at once than allowed; see {@link CodecResets}) as a refusal before routing, under
     * {@value #REQUEST_LOG_PATH}: with the peer's address, the stream and the error code, and a
     * reason that says the request was never read, so that its method, target and route are not
     * known. One event per stream, written on the worker pool: a client can cause many at little
     * cost, and the event loop must not write the service log.
     */
    @Override
    public void reset(Channel channel, int streamId, Http2Error error) {
      refuse(
          channel,
          CodecResets.code(error),
          CodecResets.reason(streamId, error) + UNREAD,
          CodecResets.fields(streamId, error));
    }

    /**
     * Logs a refusal of the HTTP/2 codec's: a reset stream (above), or a connection it closed with
     * {@code GOAWAY} for a fault of the client's (a bad preface, a malformed frame on stream 0, a
     * flood of control frames), under {@value #REQUEST_LOG_PATH}, with the peer's address, on the
     * worker pool.
     */
    @Override
    public void refuse(Channel channel, String code, String reason, Map<String, String> extra) {
      String peer =
          channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
              ? a.getAddress().getHostAddress()
              : "unknown";
      refusals.refuseOnWorker(vertx, "edge", peer, code, reason, extra);
    }

    /** Ends the reason of a codec reset: what the gateway cannot say about the request. */
    private static final String UNREAD =
        " (the request was not read: its method, target and route are not known)";

    private void logInvalid(HttpServerRequest req) {
      RefusalLog.InvalidHead head = RefusalLog.InvalidHead.of(req);
      logRefusal(req, head.code(), head.reason())
          .onComplete(
              RequestGuard.afterRefusalLogged(
                  req, () -> HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req)));
    }

    private void decide(
        HttpServerRequest req, RequestPath path, String hostHeader, Route route, Caller caller) {
      Session session = caller.session();
      // Headers only the gateway may write reach neither the policy nor the upstream.
      Set<String> dropped = HYGIENE.removedNames(req.headers().names(), false);
      Map<String, String> flat = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : req.headers()) {
        if (dropped.isEmpty() || !dropped.contains(e.getKey().toLowerCase(Locale.ROOT))) {
          flat.putIfAbsent(e.getKey(), e.getValue());
        }
      }
      String sourceIp = req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
      Value input =
          RequestInput.build(
              req.method().name(),
              path.path(),
              host(hostHeader),
              flat,
              sourceIp,
              clock.instant(),
              route,
              session,
              DeviceInput.describe(req, devices),
              GrantInput.of(grants, session));
      Map<String, String> context = new HashMap<>();
      context.put("route", route.name());
      if (session != null) {
        context.put("subject", session.userId());
      }
      // Quick policies answer on the event loop; slow ones move to the worker pool.
      (caller.refusal() != null
              ? decisions.refuse(route.policyPath(), input, context, route.mode(), caller.refusal())
              : decisions.decide(route.policyPath(), input, context, route.mode()))
          .onComplete(
              // A fault after the decision is refused with its decision id (see RequestGuard).
              RequestGuard.guard(
                  req,
                  route.name(),
                  null,
                  500,
                  ar -> {
                    if (ar.failed()) {
                      refuse(req, 500, "decision_failed", "the request could not be decided", null);
                      return;
                    }
                    if (caller.refusal() != null) {
                      // RFC 6750 section 3.1; why the token was refused stays in the log.
                      req.response()
                          .putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                      refuse(
                          req,
                          401,
                          "invalid_token",
                          "the bearer token was refused",
                          ar.result().decisionId());
                      return;
                    }
                    enforce(req, route, path, hostHeader, dropped, ar.result(), caller);
                  }));
    }

    private void enforce(
        HttpServerRequest req,
        Route route,
        RequestPath path,
        String hostHeader,
        Set<String> dropped,
        Decision d,
        Caller caller) {
      Session session = caller.session();
      if (!d.letThrough()) {
        StepUp want;
        try {
          Value obligation = d.obligations().get("step_up");
          want = obligation == null ? null : StepUp.of(obligation);
        } catch (IllegalArgumentException e) {
          // An obligation the gateway cannot read is not met, nor read as a weaker one.
          log.warn(
              "step_up obligation not understood: route={} decision_id={} reason={}",
              route.name(),
              d.decisionId(),
              e.getMessage());
          refuse(
              req,
              403,
              "access_denied",
              "access denied; the policy's step_up obligation cannot be met: " + e.getMessage(),
              d.decisionId());
          return;
        }
        // A session that already shows what the step-up asks is refused as any other: asking
        // again would only loop.
        StepUp stepUp =
            want != null
                    && (session == null || !want.metBy(session, clock.instant().getEpochSecond()))
                ? want
                : null;
        if (session == null || stepUp != null) {
          challenge(req, route, path, d, caller, stepUp);
          return;
        }
        String ask =
            d.obligations().get("request_access") instanceof StringValue s ? s.value() : null;
        // Where to ask, when this gateway takes requests for that entitlement.
        boolean askable = ask != null && grants != null && grants.entitlements().containsKey(ask);
        Map<Value, Value> extra = new HashMap<>();
        if (ask != null) {
          extra.put(StringValue.of("request_access"), StringValue.of(ask));
        }
        if (askable) {
          extra.put(StringValue.of("request_at"), StringValue.of(AccessEndpoints.REQUESTS));
        }
        refuse(
            req,
            403,
            "access_denied",
            ask != null
                ? "access denied; request access to "
                    + ask
                    + (askable ? " at POST " + AccessEndpoints.REQUESTS : "")
                : want != null
                    ? "access denied; your sign-in shows what the policy's step_up asks ("
                        + want.describe()
                        + "), and the policy still refuses"
                    : "access denied",
            d.decisionId(),
            extra);
        return;
      }
      if (WebSocketHandshake.asked(req)) {
        String bad = WebSocketHandshake.refusal(req);
        if (bad != null) {
          // RFC 6455 §4.2.2: the version the gateway speaks, should the client's be another.
          req.response().putHeader("Sec-WebSocket-Version", WebSocketHandshake.VERSION);
          refuse(req, 400, "bad_upgrade", bad, d.decisionId());
          return;
        }
        forwardWebSocket(req, route, path, hostHeader, dropped, d, session);
        return;
      }
      forward(req, route, path, hostHeader, dropped, d, session);
    }

    /**
     * Answers a caller who must sign in, or renew their authentication as {@code stepUp} asks (null
     * for a plain sign-in): a browser is sent where to do it; an API client gets 401 saying what is
     * asked and, with a session, where to do it ({@code location}); a bearer token's client gets
     * RFC 9470's {@code insufficient_user_authentication} challenge.
     */
    private void challenge(
        HttpServerRequest req,
        Route route,
        RequestPath path,
        Decision d,
        Caller caller,
        StepUp stepUp) {
      Session session = caller.session();
      String where =
          auth == null || caller.bearer()
              ? null
              : auth.challengeUrl(route, session, stepUp, path.target());
      if (where != null && wantsHtml(req)) {
        RequestBodies.closeIfWithheld(req);
        RequestBodies.resume(req);
        req.response()
            .setStatusCode(302)
            .putHeader("Location", where)
            .putHeader("X-Vigil-Decision-Id", d.decisionId())
            .end();
        return;
      }
      if (stepUp != null && auth != null && caller.bearer()) {
        req.response().putHeader("WWW-Authenticate", auth.stepUpChallenge(route, stepUp));
      }
      Map<Value, Value> extra = new HashMap<>();
      if (stepUp != null) {
        Map<Value, Value> asked = new HashMap<>();
        asked.put(StringValue.of("mfa"), BooleanValue.of(stepUp.mfa()));
        if (stepUp.limitsAge()) {
          asked.put(StringValue.of("max_age"), NumberValue.of(stepUp.maxAge()));
        }
        extra.put(StringValue.of("step_up"), ObjectValue.wrap(asked));
      }
      if (where != null) {
        extra.put(StringValue.of("location"), StringValue.of(where));
      }
      refuse(
          req,
          401,
          stepUp != null ? "step_up_required" : "authentication_required",
          stepUp != null
              ? stepUp.describe() + " is required for this resource"
              : "sign-in is required for this resource",
          d.decisionId(),
          extra);
    }

    /** Returns the Host header, or under HTTP/2 (which has none) the :authority. */
    private static String hostOf(HttpServerRequest req) {
      String h = req.headers().get("Host");
      return h == null && req.authority() != null ? req.authority().toString() : h;
    }

    /** The host as policy sees it: the normalised one (already lower case), or "" for none. */
    private static String host(String hostHeader) {
      return hostHeader == null ? "" : hostHeader;
    }

    /**
     * Passes a WebSocket through after the same checks as any request: the upstream connection is
     * opened first (over mutual TLS when the route names an upstream SPIFFE ID), with the
     * authorised path and the head a plain request would carry ({@link #upstreamHeaders}: the
     * client's end-to-end headers and the gateway's identity headers), and only then is the
     * client's upgrade accepted; frames are piped both ways until either side closes.
     */
    private void forwardWebSocket(
        HttpServerRequest req,
        Route route,
        RequestPath path,
        String host,
        Set<String> dropped,
        Decision d,
        Session session) {
      URI up = route.upstream();
      int port = up.getPort() > 0 ? up.getPort() : (up.getScheme().equals("https") ? 443 : 80);
      WebSocketConnectOptions wo =
          new WebSocketConnectOptions()
              .setHost(up.getHost())
              .setPort(port)
              .setURI(route.upstreamBasePath() + path.target());
      for (Map.Entry<String, String> h : upstreamHeaders(req, route, host, dropped, d, session)) {
        // The handshake's own fields belong to each hop: the gateway's client writes its key,
        // version and the subprotocols offered below; compression is agreed per hop.
        if (!h.getKey().regionMatches(true, 0, SEC_WEBSOCKET, 0, SEC_WEBSOCKET.length())) {
          wo.addHeader(h.getKey(), h.getValue());
        }
      }
      // The app judges the page that opened the WebSocket (a defence against cross-site WebSocket
      // hijacking) by the client's Origin, relayed above, never one made up from the upstream's
      // address: Vert.x sends an Origin only when allowed, and then the one given.
      wo.setAllowOriginHeader(req.headers().contains("Origin"));
      List<String> offered = WebSocketHandshake.subprotocols(req);
      if (!offered.isEmpty()) {
        wo.setSubProtocols(offered);
      }
      String id = d.decisionId();
      upstreams
          .webSocket(route, wo)
          .onFailure(
              RequestGuard.guard(req, route.name(), id, 502, e -> upstreamFailed(req, route, d, e)))
          .onSuccess(
              RequestGuard.guard(
                  req,
                  route.name(),
                  id,
                  502,
                  upstream -> {
                    // Hold what the upstream sends first until the client's side is there to take
                    // it.
                    upstream.pause();
                    acceptOnly(req, upstream.subProtocol());
                    req.toWebSocket()
                        .onFailure(
                            RequestGuard.guard(
                                req,
                                route.name(),
                                id,
                                502,
                                e -> {
                                  upstream.close();
                                  refuse(
                                      req,
                                      400,
                                      "bad_request",
                                      "the WebSocket upgrade failed",
                                      d.decisionId());
                                }))
                        .onSuccess(
                            RequestGuard.guard(
                                req,
                                route.name(),
                                id,
                                502,
                                client -> relayFrames(req, route.name(), id, client, upstream)));
                  }));
    }

    /**
     * Leaves in the client's handshake the one subprotocol the app chose, or none, for the listener
     * to accept: it accepts the first offered ({@link #WEBSOCKET_SUBPROTOCOLS}). A client that
     * offered some and gets none back fails the connection (RFC 6455 §4.1), so the client always
     * gets the app's choice. Its {@code Connection}, which {@link WebSocketHandshake#refusal} found
     * to list {@code upgrade} in some field, becomes the one field {@code Upgrade}: the listener
     * reads only the first field, and refused a handshake whose first field named another option
     * (its own 400, once the app's WebSocket was open).
     */
    private static void acceptOnly(HttpServerRequest req, String chosen) {
      req.headers().set(CONNECTION, UPGRADE);
      req.headers().remove(SEC_WEBSOCKET_PROTOCOL);
      if (chosen != null) {
        req.headers().set(SEC_WEBSOCKET_PROTOCOL, chosen);
      }
    }

    private static final String SEC_WEBSOCKET_PROTOCOL = "Sec-WebSocket-Protocol";
    private static final String CONNECTION = "Connection";
    private static final String UPGRADE = "Upgrade";

    /**
     * Relays WebSocket frames both ways as they are, so text stays text, until either side closes.
     * A fault in the relay closes both sides. With backpressure: a side whose frames the other side
     * cannot take as fast as they come is paused until the other's write queue drains, so a sender
     * faster than its reader is slowed down to the reader's pace instead of piling frames up in the
     * gateway's memory.
     */
    private static void relayFrames(
        HttpServerRequest req,
        String route,
        String id,
        ServerWebSocket client,
        WebSocket upstream) {
      Runnable closeBoth =
          () -> {
            client.close();
            upstream.close();
          };
      client.frameHandler(
          RequestGuard.guard(
              req, route, id, 502, closeBoth, frame -> passOn(frame, client, upstream)));
      upstream.frameHandler(
          RequestGuard.guard(
              req, route, id, 502, closeBoth, frame -> passOn(frame, upstream, client)));
      client.drainHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, v -> upstream.resume()));
      upstream.drainHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, v -> client.resume()));
      client.closeHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, v -> upstream.close()));
      upstream.closeHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, v -> client.close()));
      client.exceptionHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, e -> upstream.close()));
      upstream.exceptionHandler(
          RequestGuard.guard(req, route, id, 502, closeBoth, e -> client.close()));
      client.resume();
      upstream.resume();
    }

    /** Writes {@code frame} to {@code to}, and pauses {@code from} while {@code to} is full. */
    private static void passOn(WebSocketFrame frame, WebSocketBase from, WebSocketBase to) {
      to.writeFrame(frame);
      if (to.writeQueueFull()) {
        from.pause();
      }
    }

    private static boolean wantsHtml(HttpServerRequest req) {
      String accept = req.headers().get("Accept");
      return accept != null && accept.contains("text/html");
    }

    /**
     * @param host the request's host as routing normalised it ({@link HostHeader#normalize}), or
     *     null when the request named none
     */
    private void forward(
        HttpServerRequest req,
        Route route,
        RequestPath path,
        String host,
        Set<String> dropped,
        Decision d,
        Session session) {
      URI up = route.upstream();
      int port = up.getPort() > 0 ? up.getPort() : (up.getScheme().equals("https") ? 443 : 80);
      String basePath = route.upstreamBasePath();
      HttpHeaders out = upstreamHeaders(req, route, host, dropped, d, session);
      if (RequestBodies.expectsContinue(req)) {
        // The expectation is the client's hop's, met by the gateway itself now that policy has let
        // the request through: only then is its body wanted.
        RequestBodies.invite(req);
      }
      String uri = basePath + path.target();
      if (route.upstreamSpiffeId() == null && up.getScheme().equals("http")) {
        direct
            .relay(req, up.getHost(), port, uri, out, route.name(), d.decisionId())
            .onFailure(
                RequestGuard.guard(
                    req, route.name(), d.decisionId(), 502, e -> upstreamFailed(req, route, d, e)));
        return;
      }
      RequestOptions ro =
          new RequestOptions()
              .setMethod(req.method())
              .setHost(up.getHost())
              .setPort(port)
              .setURI(uri);
      for (Map.Entry<String, String> h : out) {
        ro.addHeader(h.getKey(), h.getValue());
      }
      String id = d.decisionId();
      upstreams
          .request(route, ro)
          .compose(upstreamReq -> ProxyExchange.sendBody(req, upstreamReq))
          .onSuccess(
              RequestGuard.guard(
                  req, route.name(), id, 502, resp -> ProxyExchange.relayAnswer(req, resp, true)))
          .onFailure(
              RequestGuard.guard(
                  req, route.name(), id, 502, e -> upstreamFailed(req, route, d, e)));
    }

    /**
     * Returns the head sent upstream for a request policy let through, plain or WebSocket alike:
     * the client's end-to-end headers, less the hop-by-hop ones (RFC 9110 §7.6.1: those of {@link
     * ProxyExchange#HOP_BY_HOP} and those its {@code Connection} names), its expectation (met by
     * the gateway), the headers only the gateway may write ({@code dropped}) and the gateway's own
     * cookies; then the gateway's forwarding and identity headers, the decision id and the signed
     * identity assertion, set after the client's so that no name the client sent removes or
     * replaces one.
     *
     * @param host the request's host as routing normalised it, or null when it named none
     * @param dropped the lower-case names removed by header hygiene
     */
    private HttpHeaders upstreamHeaders(
        HttpServerRequest req,
        Route route,
        String host,
        Set<String> dropped,
        Decision d,
        Session session) {
      HttpHeaders out = UPSTREAM_HEADERS.newHeaders();
      Set<String> named = ProxyExchange.connectionOptions(req.headers());
      for (Map.Entry<String, String> h : req.headers()) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (ProxyExchange.HOP_BY_HOP.contains(name)
            || dropped.contains(name)
            || named.contains(name)
            || name.equals("expect")) {
          continue;
        }
        if (name.equals("cookie")) {
          String kept = GatewayCookies.withoutGatewayCookies(h.getValue());
          if (!kept.isEmpty()) {
            out.add(h.getKey(), kept);
          }
        } else {
          out.add(h.getKey(), h.getValue());
        }
      }
      out.set(X_FORWARDED_HOST, host == null ? "" : host);
      out.set(X_FORWARDED_PROTO, req.isSSL() ? HTTPS : HTTP);
      if (req.remoteAddress() != null) {
        out.set(X_FORWARDED_FOR, req.remoteAddress().hostAddress());
      }
      out.set(X_VIGIL_DECISION_ID, d.decisionId());
      Map<String, Object> claims = new java.util.TreeMap<>();
      String subject = "anonymous";
      if (session != null) {
        subject = session.userId();
        claims.put("email", session.email());
        claims.put("roles", session.roles());
        claims.put("groups", session.groups());
        claims.put("amr", session.amr());
        out.set(X_VIGIL_USER, IdentityHeaderValue.of(session.userId()));
        out.set(X_VIGIL_EMAIL, IdentityHeaderValue.of(session.email()));
        out.set(X_VIGIL_GROUPS, IdentityHeaderValue.list(session.groups()));
      }
      out.set(X_VIGIL_ASSERTION, assertion.assertion(subject, route.name(), claims));
      return out;
    }

    /** The prefix of the WebSocket handshake's own fields (RFC 6455 §11.3). */
    private static final String SEC_WEBSOCKET = "sec-websocket-";

    /**
     * Header names and values are the client's, checked by the HTTP/1.1 decoder or, over HTTP/2, by
     * the codec and then by {@link RequestFraming#http2FieldRefusal} (for what the codec lets
     * through, such as a value ending in a space) before policy; or the gateway's own.
     */
    private static final HttpHeadersFactory UPSTREAM_HEADERS =
        DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_VIGIL_DECISION_ID =
        AsciiString.cached("X-Vigil-Decision-Id");
    private static final AsciiString X_VIGIL_USER = AsciiString.cached("X-Vigil-User");
    private static final AsciiString X_VIGIL_EMAIL = AsciiString.cached("X-Vigil-Email");
    private static final AsciiString X_VIGIL_GROUPS = AsciiString.cached("X-Vigil-Groups");
    private static final AsciiString X_VIGIL_ASSERTION =
        AsciiString.cached(IdentityAssertion.HEADER);
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /** Answers 502; on a mutual TLS route the reason goes to the decision log first. */
    private void upstreamFailed(HttpServerRequest req, Route route, Decision d, Throwable e) {
      UpstreamClients.Failure f = upstreams.failed(route, d.decisionId(), e);
      boolean unverified = f != null && f.unverified();
      refuse(
          req,
          502,
          unverified ? "upstream_unverified" : "upstream_unavailable",
          unverified
              ? "the upstream of route " + route.name() + " did not prove its identity"
              : "the upstream of route " + route.name() + " did not answer",
          d.decisionId());
    }

    private static void refuse(
        HttpServerRequest req, int status, String code, String message, String decisionId) {
      refuse(req, status, code, message, decisionId, Map.of());
    }

    /** Refuses; {@code extra} adds fields to the JSON answer (a browser's page ignores them). */
    private static void refuse(
        HttpServerRequest req,
        int status,
        String code,
        String message,
        String decisionId,
        Map<Value, Value> extra) {
      if (req.response().ended()) {
        return;
      }
      // Not invited (no 100 Continue), the body stays unread: see RequestBodies.withheld.
      RequestBodies.closeIfWithheld(req);
      RequestBodies.resume(req);
      String accept = req.headers().get("Accept");
      boolean browser = accept != null && accept.contains("text/html");
      var resp = req.response().setStatusCode(status);
      if (decisionId != null) {
        resp.putHeader("X-Vigil-Decision-Id", decisionId);
      }
      if (status == 401 && !resp.headers().contains("WWW-Authenticate")) {
        resp.putHeader("WWW-Authenticate", "Bearer realm=\"vigil\"");
      }
      if (browser) {
        String id = decisionId == null ? "" : "<p>Decision id: <code>" + decisionId + "</code></p>";
        // Where a person asks for what the policy says is missing: the gateway's access page.
        if (extra.get(StringValue.of("request_at")) != null
            && extra.get(StringValue.of("request_access")) instanceof StringValue ask) {
          id =
              "<p><a href=\""
                  + escape(
                      AccessPage.PATH
                          + "?entitlement="
                          + URLEncoder.encode(ask.value(), StandardCharsets.UTF_8))
                  + "\">Ask for access to "
                  + escape(ask.value())
                  + "</a></p>"
                  + id;
        }
        resp.putHeader("Content-Type", "text/html; charset=utf-8")
            .end(
                "<!doctype html><title>"
                    + status
                    + "</title><h1>"
                    + (status == 401
                        ? "Sign-in required"
                        : status == 403 ? "Access denied" : "Request refused")
                    + "</h1><p>"
                    + escape(message)
                    + "</p>"
                    + id
                    + "\n");
        return;
      }
      Map<Value, Value> body = new HashMap<>(extra);
      body.put(StringValue.of("error"), StringValue.of(code));
      body.put(StringValue.of("message"), StringValue.of(message));
      if (decisionId != null) {
        body.put(StringValue.of("decision_id"), StringValue.of(decisionId));
      }
      resp.putHeader("Content-Type", "application/json").end(Json.write(ObjectValue.wrap(body)));
    }

    private static String escape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }

  /**
   * The subprotocols the listeners accept in a WebSocket handshake: whichever the client offers
   * first ({@code *}), which is the app's choice, since the gateway leaves only that one in the
   * handshake before accepting it.
   */
  public static final List<String> WEBSOCKET_SUBPROTOCOLS = List.of("*");

  /** The policy path under which requests refused before routing are logged. */
  public static final String REQUEST_LOG_PATH = "vigil/gateway/request";

  /** The path under which refused OpenID Connect sign-ins are logged as denied decisions. */
  public static final String SIGN_IN_LOG_PATH = "vigil/gateway/sign-in";

  /** The default lifetime of identity assertions. */
  public static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);

  /** How apps (and caches between) may keep the assertion keys: RFC 9111 section 5.2.2.1. */
  private static final String JWKS_CACHE_CONTROL =
      "max-age=" + IdentityAssertion.JWKS_MAX_AGE.toSeconds();
}
