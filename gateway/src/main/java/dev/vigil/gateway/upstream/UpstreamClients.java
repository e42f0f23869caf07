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
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.math.BigInteger;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Chooses the connection pool of each route's upstream. A route without {@code upstream_spiffe_id}
 * shares one plain pool (https when its URL says so). A route with one gets mutual TLS whatever its
 * URL's scheme: the gateway presents its own SVID of the upstream's trust domain, and accepts the
 * server only if its X509-SVID verifies against that trust domain's bundle (revoked serials
 * refused) and carries exactly that SPIFFE ID. Anything else fails the handshake, so no byte of the
 * request reaches a server that could not prove it is the workload meant.
 *
 * <p>Each expected SPIFFE ID has its own pool, so a connection verified for one ID never carries a
 * request meant for another at the same address. Pooled connections keep the certificate of their
 * handshake: a pool is therefore replaced when the gateway's SVID in that trust domain changes, and
 * the old one finishes its requests and closes.
 *
 * <p>A failure on a mutual TLS route is logged in the decision log under {@value #LOG_PATH}, with
 * the route, the decision that let the request through and the reason. Thread-safe.
 */
public final class UpstreamClients {

  /** The decision-log path of upstream refusals; no policy is asked. */
  public static final String LOG_PATH = "vigil/gateway/upstream";

  private final Vertx vertx;
  private final HttpClient plain;
  private final UpstreamIdentity identity;
  private final InstantSource clock;
  private final RefusalLog refusals;
  private final Map<SpiffeId, Pool> pools = new ConcurrentHashMap<>();

  private record Pool(BigInteger serial, HttpClient client) {}

  /** Why an upstream of a mutual TLS route failed: a stable code and the reason in words. */
  public record Failure(String code, String reason) {

    /** Returns true when the upstream answered but could not prove its identity. */
    public boolean unverified() {
      return !code.equals("UNREACHABLE");
    }
  }

  /**
   * @param identity the gateway's SVIDs and bundles, or null when it has none (then every route
   *     with an upstream SPIFFE ID is refused)
   */
  public UpstreamClients(
      Vertx vertx,
      HttpClient plain,
      UpstreamIdentity identity,
      DecisionPoint pdp,
      InstantSource clock) {
    this.vertx = vertx;
    this.plain = plain;
    this.identity = identity;
    this.clock = clock;
    this.refusals = new RefusalLog(pdp, clock, LOG_PATH);
  }

  /** Opens a request to the route's upstream; fails before any connection without an SVID. */
  public Future<HttpClientRequest> request(Route route, RequestOptions options) {
    SpiffeId expected = route.upstreamSpiffeId();
    if (expected == null) {
      return plain.request(options.setSsl(route.upstream().getScheme().equals("https")));
    }
    Optional<X509Svid> svid =
        identity == null ? Optional.empty() : identity.svid(expected.trustDomain());
    if (svid.isEmpty()) {
      return Future.failedFuture(
          new NoSvid("the gateway holds no SVID in trust domain " + expected.trustDomain()));
    }
    return pool(expected, svid.get().serial()).request(options.setSsl(true));
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

  /** Returns the pool for {@code expected} made with the SVID {@code serial}. */
  private HttpClient pool(SpiffeId expected, BigInteger serial) {
    Pool p =
        pools.compute(
            expected,
            (id, old) -> {
              if (old != null && old.serial().equals(serial)) {
                return old;
              }
              if (old != null) {
                old.client().shutdown();
              }
              return new Pool(serial, vertx.createHttpClient(tls(id), poolSize()));
            });
    return p.client();
  }

  private HttpClientOptions tls(SpiffeId expected) {
    TrustDomain td = expected.trustDomain();
    // Only the upstream's own trust domain may vouch for it.
    BundleSource onlyItsDomain =
        d -> d.equals(td) ? identity.bundles().bundle(d) : Optional.empty();
    X509SvidValidator validator =
        new X509SvidValidator(onlyItsDomain, identity.revocations(), clock);
    SvidKeyManager keys =
        new SvidKeyManager(
            () -> identity.svid(td).orElseThrow(() -> new IllegalStateException("no SVID")));
    return new HttpClientOptions()
        .setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(keys))
        .setTrustOptions(TrustOptions.wrap(new PeerVerifier("upstream", validator, expected, null)))
        // An SVID names a workload, not a host: the verifier checks the SPIFFE ID instead.
        .setVerifyHost(false)
        .setKeepAlive(true)
        .setConnectTimeout(5_000)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
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
