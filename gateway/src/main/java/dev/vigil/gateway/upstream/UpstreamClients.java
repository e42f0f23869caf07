package dev.vigil.gateway.upstream;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.PeerVerifier;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.gateway.sidecar.SvidKeyManager;
import dev.vigil.identity.BundleSource;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.DecisionPoint;
import io.netty.handler.ssl.NotSslRecordException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.math.BigInteger;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Chooses the connection pool of each route's upstream, for requests and WebSockets alike. A route
 * without {@code upstream_spiffe_id} shares one plain pool (https when its URL says so) and one
 * plain WebSocket client. A route with one gets mutual TLS whatever its URL's scheme: the gateway
 * presents its own SVID of the upstream's trust domain, and accepts the server only if its
 * X509-SVID verifies against that trust domain's bundle (revoked serials refused) and carries
 * exactly that SPIFFE ID. Anything else fails the handshake, so no byte of the request (or of the
 * WebSocket upgrade) reaches a server that could not prove it is the workload meant. Both kinds of
 * client get their TLS settings from one method, {@code tls}.
 *
 * <p>Each expected SPIFFE ID has its own pool and its own WebSocket client, so a connection
 * verified for one ID never carries a request meant for another at the same address. Pooled
 * connections keep the certificate of their handshake: a pool and a WebSocket client are therefore
 * replaced when the gateway's SVID in that trust domain changes. The old pool finishes its requests
 * and closes; WebSockets opened through the old client are closed {@value #GRACE_SECONDS} s after
 * the change is noticed (at the next connection to that SPIFFE ID), and their clients reconnect
 * with the renewed SVID.
 *
 * <p>A failure on a mutual TLS route is logged in the decision log under {@value #LOG_PATH}, with
 * the route, the decision that let the request through and the reason. Thread-safe.
 */
public final class UpstreamClients {

  /** The decision-log path of upstream refusals; no policy is asked. */
  public static final String LOG_PATH = "vigil/gateway/upstream";

  /** How long a replaced client keeps its open connections (Vert.x's default shutdown grace). */
  static final int GRACE_SECONDS = 30;

  private final Vertx vertx;
  private final HttpClient plain;
  private final WebSocketClient plainSockets;
  private final UpstreamIdentity identity;
  private final InstantSource clock;
  private final RefusalLog refusals;
  private final Map<SpiffeId, Pool<HttpClient>> pools = new ConcurrentHashMap<>();
  private final Map<SpiffeId, Pool<WebSocketClient>> sockets = new ConcurrentHashMap<>();

  /** A client of one expected SPIFFE ID, made while the gateway's SVID had {@code serial}. */
  private record Pool<C>(BigInteger serial, C client) {}

  /** Why an upstream of a mutual TLS route failed: a stable code and the reason in words. */
  public record Failure(String code, String reason) {

    /** Returns true when the upstream answered but could not prove its identity. */
    public boolean unverified() {
      return !code.equals("UNREACHABLE") && !code.equals("UPGRADE_REFUSED");
    }
  }

  /**
   * @param identity the gateway's SVIDs and bundles, or null when it has none (then every route
   *     with an upstream SPIFFE ID is refused)
   */
  public UpstreamClients(
      Vertx vertx,
      HttpClient plain,
      WebSocketClient plainSockets,
      UpstreamIdentity identity,
      DecisionPoint pdp,
      InstantSource clock) {
    this.vertx = vertx;
    this.plain = plain;
    this.plainSockets = plainSockets;
    this.identity = identity;
    this.clock = clock;
    this.refusals = new RefusalLog(pdp, clock, LOG_PATH);
  }

  /**
   * Opens a request to the route's upstream; fails before any connection without an SVID. On a
   * mutual TLS route, TLS settings of {@code options} are replaced by the route's.
   */
  public Future<HttpClientRequest> request(Route route, RequestOptions options) {
    SpiffeId expected = route.upstreamSpiffeId();
    if (expected == null) {
      return plain.request(options.setSsl(route.upstream().getScheme().equals("https")));
    }
    BigInteger serial = svidSerial(expected);
    if (serial == null) {
      return noSvid(expected);
    }
    HttpClient client =
        current(
            pools,
            expected,
            serial,
            id -> pooled(vertx, httpTls(id), poolSize()),
            c -> c.shutdown(GRACE_SECONDS, TimeUnit.SECONDS));
    return client.request(options.setSsl(true).setSslOptions(null));
  }

  /**
   * Opens a WebSocket to the route's upstream with the same checks as {@link #request}: on a mutual
   * TLS route the upgrade is sent only once the server has proved its SPIFFE ID, and TLS settings
   * of {@code options} are replaced by the route's. Fails before any connection without an SVID.
   * The caller hands a failure to {@link #failed}, as for a request.
   */
  public Future<WebSocket> webSocket(Route route, WebSocketConnectOptions options) {
    SpiffeId expected = route.upstreamSpiffeId();
    if (expected == null) {
      return plainSockets.connect(options.setSsl(route.upstream().getScheme().equals("https")));
    }
    BigInteger serial = svidSerial(expected);
    if (serial == null) {
      return noSvid(expected);
    }
    WebSocketClient client =
        current(
            sockets,
            expected,
            serial,
            id -> vertx.createWebSocketClient(webSocketTls(id)),
            c -> c.shutdown(GRACE_SECONDS, TimeUnit.SECONDS));
    return client.connect(options.setSsl(true).setSslOptions(null));
  }

  /**
   * Creates a pooled HTTP client whose HTTP/1.1 connections are closed, never reused, when an
   * upstream sends bytes past the end of an answer ({@link AnswerSpillGuard}): the pool would
   * otherwise read them as the answer to the next caller's request.
   */
  public static HttpClient pooled(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
    return pooled(vertx, options, pool, c -> {});
  }

  /** As {@link #pooled(Vertx, HttpClientOptions, PoolOptions)}, telling each new connection. */
  public static HttpClient pooled(
      Vertx vertx, HttpClientOptions options, PoolOptions pool, Handler<HttpConnection> connected) {
    return vertx
        .httpClientBuilder()
        .with(options)
        .with(pool)
        .withConnectHandler(
            c -> {
              AnswerSpillGuard.install(c);
              connected.handle(c);
            })
        .build();
  }

  /**
   * Logs why the upstream of {@code route} failed, when the route expects a SPIFFE ID.
   *
   * @return the failure, or null for a route without upstream SPIFFE ID (nothing is logged)
   */
  public Failure failed(Route route, String decisionId, Throwable error) {
    SpiffeId expected = route.upstreamSpiffeId();
    if (expected == null) {
      return null;
    }
    String code = code(error);
    String reason = reason(error);
    String peer = route.upstream().getHost() + ":" + port(route);
    refusals.refuse(
        route.name(),
        peer,
        code,
        reason,
        Map.of("expected_spiffe_id", expected.toString(), "request_decision_id", decisionId));
    return new Failure(code, reason);
  }

  /** Returns the serial of the gateway's SVID in the trust domain of {@code expected}, or null. */
  private BigInteger svidSerial(SpiffeId expected) {
    Optional<X509Svid> svid =
        identity == null ? Optional.empty() : identity.svid(expected.trustDomain());
    return svid.map(X509Svid::serial).orElse(null);
  }

  private static <T> Future<T> noSvid(SpiffeId expected) {
    return Future.failedFuture(
        new NoSvid("the gateway holds no SVID in trust domain " + expected.trustDomain()));
  }

  /**
   * Returns the client of {@code expected} made with the SVID {@code serial}, replacing (and
   * retiring) one made with another serial.
   */
  private static <C> C current(
      Map<SpiffeId, Pool<C>> clients,
      SpiffeId expected,
      BigInteger serial,
      Function<SpiffeId, C> create,
      Consumer<C> retire) {
    Pool<C> p =
        clients.compute(
            expected,
            (id, old) -> {
              if (old != null && old.serial().equals(serial)) {
                return old;
              }
              if (old != null) {
                retire.accept(old.client());
              }
              return new Pool<>(serial, create.apply(id));
            });
    return p.client();
  }

  private HttpClientOptions httpTls(SpiffeId expected) {
    return tls(expected, new HttpClientOptions())
        // An SVID names a workload, not a host: the verifier checks the SPIFFE ID instead.
        .setVerifyHost(false)
        .setKeepAlive(true)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  /** No idle timeout, like the plain WebSocket client: a quiet WebSocket stays open. */
  private WebSocketClientOptions webSocketTls(SpiffeId expected) {
    // An SVID names a workload, not a host: the verifier checks the SPIFFE ID instead.
    return tls(expected, new WebSocketClientOptions()).setVerifyHost(false);
  }

  /**
   * Sets on {@code options} what every client towards {@code expected} shares: the gateway's SVID
   * of its trust domain presented, and the server accepted only with that SPIFFE ID. The caller
   * turns off host name verification, which each kind of options holds apart.
   */
  private <O extends ClientOptionsBase> O tls(SpiffeId expected, O options) {
    TrustDomain td = expected.trustDomain();
    // Only the upstream's own trust domain may vouch for it.
    BundleSource onlyItsDomain =
        d -> d.equals(td) ? identity.bundles().bundle(d) : Optional.empty();
    X509SvidValidator validator =
        new X509SvidValidator(onlyItsDomain, identity.revocations(), clock);
    SvidKeyManager keys =
        new SvidKeyManager(
            () -> identity.svid(td).orElseThrow(() -> new IllegalStateException("no SVID")));
    options
        .setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(keys))
        .setTrustOptions(TrustOptions.wrap(new PeerVerifier("upstream", validator, expected, null)))
        .setConnectTimeout(5_000);
    return options;
  }

  private static PoolOptions poolSize() {
    return new PoolOptions().setHttp1MaxSize(64);
  }

  private static int port(Route route) {
    int p = route.upstream().getPort();
    return p > 0 ? p : route.upstream().getScheme().equals("https") ? 443 : 80;
  }

  private static String code(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof PeerVerifier.Refused r) {
        return r.code();
      }
      if (t instanceof NoSvid) {
        return "NO_SVID";
      }
      if (t instanceof NotSslRecordException) {
        return "NO_TLS";
      }
      if (t instanceof UpgradeRejectedException) {
        // The server proved its identity and then declined the WebSocket.
        return "UPGRADE_REFUSED";
      }
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return "TLS_HANDSHAKE";
      }
    }
    return "UNREACHABLE";
  }

  private static String reason(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof PeerVerifier.Refused || t instanceof NoSvid) {
        return t.getMessage();
      }
      if (t instanceof NotSslRecordException) {
        return "the upstream did not answer in TLS";
      }
      if (t instanceof UpgradeRejectedException u) {
        return "the upstream answered the WebSocket upgrade with status " + u.getStatus();
      }
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // The outer message is often generic ("Failed to create SSL connection"); the root says why.
    return "no mutual TLS connection: "
        + error.getMessage()
        + (root == error ? "" : " (" + root.getMessage() + ")");
  }

  /** The gateway has no SVID to present in the upstream's trust domain. */
  private static final class NoSvid extends Exception {
    NoSvid(String message) {
      super(message, null, false, false);
    }
  }
}
