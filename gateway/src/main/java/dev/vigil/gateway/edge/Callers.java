package dev.vigil.gateway.edge;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.http.GatewayCookies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the caller of a request before its decision: a bearer token ({@code Authorization: Bearer})
 * checked against the route's provider, or else the session cookie. A session counts only on routes
 * of the provider that made it. A local user's session counts as the users of the request's
 * configuration generation see it (see {@link LocalAuthenticator#current(Session, LocalUsers)}):
 * the roles and groups of now, and none at all once the user is removed or their password or TOTP
 * secret changed; such a session is signed out. A provider session whose tokens are about to expire
 * is refreshed first (off the event loop); when that fails, or there is nothing to refresh with,
 * the session is signed out and the request goes on anonymous. A session that counts gets its
 * cookie sealed again, so the idle timeout restarts.
 *
 * <p>Bearer checks and refreshes run on a bound of their own ({@link EdgeSignIn#tokenChecks()}):
 * any client can ask for them, with a token whose key the node must fetch or a session about to
 * expire. Past the bound the future fails with {@link BoundedWork.Busy} (the request is answered
 * 503 with {@code Retry-After}), except that a session whose tokens have not expired yet is kept as
 * it is and refreshed by a later request.
 */
final class Callers {

  private static final Logger log = LoggerFactory.getLogger(Callers.class);

  /** Refresh this long before the provider's tokens expire. */
  static final long REFRESH_BEFORE_S = 60;

  private final LocalAuthenticator local;
  private final SessionCodec sessions;
  private final IdentityProviders providers;
  private final InstantSource clock;
  private final BoundedWork tokenChecks;

  Callers(
      LocalAuthenticator local,
      IdentityProviders providers,
      InstantSource clock,
      BoundedWork tokenChecks) {
    this.local = local;
    this.sessions = local.sessions();
    this.providers = providers;
    this.clock = clock;
    this.tokenChecks = tokenChecks;
  }

  /**
   * @param users the users a local session is resolved against: those of the configuration
   *     generation the request was routed with
   */
  Future<Caller> identify(HttpServerRequest req, Route route, LocalUsers users) {
    return identify(req, route.identityProvider(), route.name(), users);
  }

  /**
   * As {@link #identify(HttpServerRequest, Route, LocalUsers)}, for the gateway's own endpoints
   * that no route serves ({@code /auth/access/}): as a route that names no identity provider would,
   * local users' sessions (resolved against the authenticator's users of now) and the default
   * provider's.
   */
  Future<Caller> identifyOwn(HttpServerRequest req, String endpoint) {
    return identify(req, null, endpoint, local.users());
  }

  private Future<Caller> identify(
      HttpServerRequest req, String wanted, String routeName, LocalUsers users) {
    String authz = req.getHeader("Authorization");
    if (authz != null && authz.regionMatches(true, 0, "Bearer ", 0, 7) && !providers.isEmpty()) {
      return bearer(wanted, routeName, authz.substring(7).trim());
    }
    Session s = sessions.open(AuthEndpoints.cookie(req, SessionCodec.COOKIE));
    if (s == null) {
      return Future.succeededFuture(Caller.ANONYMOUS);
    }
    if (!takes(wanted, s.provider())) {
      return Future.succeededFuture(Caller.ANONYMOUS);
    }
    if (Session.LOCAL.equals(s.provider())) {
      LocalAuthenticator.Result r = local.current(s, users);
      return Future.succeededFuture(
          r.session() == null ? end(req, s, r.refusal()) : keep(req, r.session()));
    }
    OidcLogin p = providers.get(s.provider());
    if (p == null) {
      return Future.succeededFuture(Caller.ANONYMOUS);
    }
    long now = clock.instant().getEpochSecond();
    if (s.tokenExpiry() == 0 || now < s.tokenExpiry() - REFRESH_BEFORE_S) {
      return Future.succeededFuture(keep(req, s));
    }
    if (s.refreshToken() == null) {
      return Future.succeededFuture(end(req, s, "the provider's tokens expired"));
    }
    Future<OidcLogin.Result> refreshed;
    try {
      refreshed = offLoop(() -> p.refresh(s));
    } catch (BoundedWork.Busy b) {
      // Still good for a while: refreshed by a later request, when there is room.
      return now < s.tokenExpiry() ? Future.succeededFuture(keep(req, s)) : Future.failedFuture(b);
    }
    return refreshed
        .map(
            r -> {
              if (sessions.signedOut(s)) {
                // Signed out while the provider answered (a sign-out, or a new sign-in of the
                // browser, whose new cookie must not be cleared): resealed it would be served.
                return Caller.ANONYMOUS;
              }
              return r.session() == null ? end(req, s, r.refusal()) : keep(req, r.session());
            })
        .otherwise(e -> end(req, s, e.getMessage()));
  }

  /**
   * Returns whether the route takes sessions of this provider: its own {@code identity_provider}
   * only, or without one the default provider's and local users'. Another provider's session is no
   * session there: its roles, groups and subject ids are that provider's to say, not the default's,
   * and a subject {@code alice} of a partner's provider is not the company's.
   */
  private boolean takes(String wanted, String provider) {
    if (wanted != null) {
      return wanted.equals(provider);
    }
    if (Session.LOCAL.equals(provider)) {
      return true;
    }
    OidcLogin first = providers.forRoute(null);
    return first != null && first.config().name().equals(provider);
  }

  private Future<Caller> bearer(String wanted, String routeName, String token) {
    OidcLogin p = providers.forRoute(wanted);
    if (p == null) {
      return Future.succeededFuture(refused(routeName, "the route takes no bearer tokens"));
    }
    Future<OidcLogin.Result> checked;
    try {
      checked = offLoop(() -> p.bearer(token));
    } catch (BoundedWork.Busy b) {
      log.info("bearer token refused busy: route={}", routeName);
      return Future.failedFuture(b);
    }
    return checked
        .map(
            r -> r.session() == null ? refused(routeName, r.refusal()) : Caller.bearer(r.session()))
        .otherwise(e -> refused(routeName, "token check failed: " + e.getMessage()));
  }

  /**
   * Runs {@code work} on {@link #tokenChecks}; its future completes on the request's context.
   *
   * @throws BoundedWork.Busy at once when the bound is reached
   */
  private Future<OidcLogin.Result> offLoop(Callable<OidcLogin.Result> work) {
    return Future.fromCompletionStage(
            tokenChecks.submit(
                () -> {
                  try {
                    return work.call();
                  } catch (Exception e) {
                    throw new CompletionException(e);
                  }
                }),
            Vertx.currentContext())
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof CompletionException && e.getCause() != null ? e.getCause() : e));
  }

  private static Caller refused(String routeName, String why) {
    // The reason may quote the token's own text: no control characters into the log.
    String safe = why == null ? "" : why.replaceAll("\\p{Cntrl}", "?");
    String shortened = safe.length() > 300 ? safe.substring(0, 300) + "..." : safe;
    log.info("bearer token refused: route={} reason={}", routeName, shortened);
    return Caller.refused(shortened);
  }

  private Caller keep(HttpServerRequest req, Session s) {
    setSessionCookie(req, SessionCodec.cookie(sessions.seal(s), req.isSSL(), false));
    return Caller.of(s);
  }

  private Caller end(HttpServerRequest req, Session s, String why) {
    sessions.signOut(s);
    log.info("signed out: user={} idp={} reason={}", s.userId(), s.provider(), why);
    setSessionCookie(req, SessionCodec.cookie("", req.isSSL(), true));
    return Caller.ANONYMOUS;
  }

  /**
   * Sets the session cookie on whatever answer the request gets (the app's, relayed, or the
   * gateway's own), and keeps that answer out of shared caches once its headers are complete (see
   * {@link GatewayCookies#keepOutOfSharedCaches}).
   */
  private static void setSessionCookie(HttpServerRequest req, String setCookie) {
    req.response().headers().add("Set-Cookie", setCookie);
    req.response()
        .headersEndHandler(v -> GatewayCookies.keepOutOfSharedCaches(req.response().headers()));
  }
}
