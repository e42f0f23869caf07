package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.StepUp;
import dev.vigil.gateway.http.GatewayCookies;
import dev.vigil.gateway.http.RedirectTarget;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.rego.value.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /auth/start} ({@code rd}, {@code idp}, {@code step_up}, {@code max_age}) and {@code
 * /auth/callback}: the browser's side of an OpenID Connect sign-in, with the provider's HTTP calls
 * off the event loop. The callback's provider is the one named in the sealed sign-in cookie;
 * without a readable cookie the default provider refuses it before any code is redeemed (case C10).
 * Every refusal, and a provider that cannot be reached, is logged as a denied decision under
 * {@value EdgeGateway#SIGN_IN_LOG_PATH} with its code ({@code SIGN_IN_REFUSED}, {@code
 * PROVIDER_UNREACHABLE}) and reason, and its decision id is in the answer.
 *
 * <p>The provider's calls run on the node's bound on them ({@link EdgeSignIn#providerCalls}), not
 * on Vert.x's shared worker pool: a flood of sign-ins, or a provider that answers slowly, would
 * otherwise queue work without limit in front of every other blocking task of the node. When the
 * bound is reached a sign-in is answered 503 with {@code Retry-After} at once, and logged as a
 * refusal with the code {@code BUSY}.
 */
final class OidcEndpoints {

  private static final Logger log = LoggerFactory.getLogger(OidcEndpoints.class);

  private final SessionCodec sessions;
  private final RedirectTarget redirects;
  private final IdentityProviders providers;
  private final RefusalLog refusals;
  private final BoundedWork providerCalls;

  OidcEndpoints(
      SessionCodec sessions,
      RedirectTarget redirects,
      IdentityProviders providers,
      RefusalLog refusals,
      BoundedWork providerCalls) {
    this.sessions = sessions;
    this.redirects = redirects;
    this.providers = providers;
    this.refusals = refusals;
    this.providerCalls = providerCalls;
  }

  /**
   * A sign-in begun, or refused ({@code start} null: the provider could not be reached) with the
   * decision id of its refusal, null when the decision log had no room for it.
   */
  private record Begun(OidcLogin.Start start, String refusalId) {}

  /**
   * A callback's result and the status to answer: 302 for a sign-in, else a refusal, with its
   * decision id (null when the decision log had no room for it).
   */
  private record Ended(OidcLogin.Result result, String refusalId, int status) {

    boolean refused() {
      return status != 302;
    }
  }

  void start(HttpServerRequest req) {
    String rd = redirects.check(req.getParam("rd"));
    String idp = req.getParam("idp");
    OidcLogin p = idp == null ? providers.forRoute(null) : providers.get(idp);
    String peer = peer(req);
    RequestBodies.resume(req);
    if (p == null) {
      AuthEndpoints.reply(req, false, 400, "unknown identity provider");
      return;
    }
    StepUp stepUp;
    try {
      stepUp = stepUpOf(req.getParam("step_up"), req.getParam("max_age"));
    } catch (IllegalArgumentException e) {
      AuthEndpoints.reply(req, false, 400, e.getMessage());
      return;
    }
    Future<Begun> begun = onProviderCalls(req, p, "/auth/start", () -> begin(p, rd, stepUp, peer));
    if (begun == null) {
      return;
    }
    begun
        .onFailure(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  log.warn("OIDC sign-in could not start: {}", e.getMessage());
                  AuthEndpoints.reply(req, false, 502, "the identity provider cannot be reached");
                }))
        .onSuccess(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                b -> {
                  if (b.start() == null) {
                    AuthEndpoints.reply(
                        req, 502, "the identity provider cannot be reached", b.refusalId());
                    return;
                  }
                  req.response()
                      .putHeader("Set-Cookie", signInCookie(req, b.start().cookieValue(), 600))
                      .putHeader("Cache-Control", "no-store")
                      .setStatusCode(302)
                      .putHeader("Location", b.start().authorizationUrl().toString())
                      .end();
                }));
  }

  /**
   * The sign-in cookie ({@link OidcLogin#COOKIE}): {@code Path=/auth} on plain HTTP; on TLS {@code
   * __Host-} and so {@code Path=/} (see {@link GatewayCookies#name}).
   */
  private static String signInCookie(HttpServerRequest req, String value, long maxAge) {
    return GatewayCookies.setCookie(OidcLogin.COOKIE, value, req.isSSL(), "/auth", "Lax", maxAge);
  }

  /**
   * Reads {@code /auth/start}'s {@code step_up} ({@code mfa}: a second factor; {@code login}: a
   * fresh sign-in of any kind; absent: a plain sign-in) and {@code max_age} (seconds). A step-up
   * asked here only chooses how the provider is asked: whether the new session is enough is for the
   * policy to say, at the next request.
   *
   * @throws IllegalArgumentException naming the parameter and its value
   */
  static StepUp stepUpOf(String stepUp, String maxAge) {
    long age = maxAge == null ? StepUp.ANY_AGE : seconds(maxAge);
    if (stepUp == null) {
      if (maxAge != null) {
        throw new IllegalArgumentException("max_age needs step_up (mfa or login)");
      }
      return null;
    }
    return switch (stepUp) {
      case "mfa" -> new StepUp(true, age);
      case "login" -> new StepUp(false, age);
      default ->
          throw new IllegalArgumentException(
              "step_up must be mfa or login, not \"" + AuthEndpoints.printable(stepUp) + "\"");
    };
  }

  /**
   * Reads {@code max_age}: any whole number of seconds an obligation may carry ({@link StepUp#of}
   * takes every one that fits a {@code long}), so that every step-up the gateway asks for can be
   * started here.
   */
  private static long seconds(String maxAge) {
    try {
      if (maxAge.matches("[0-9]{1,19}")) {
        return Long.parseLong(maxAge);
      }
    } catch (NumberFormatException e) {
      // more than a long holds: refused below as any other text
    }
    throw new IllegalArgumentException(
        "max_age must be a whole number of seconds, not \""
            + AuthEndpoints.printable(maxAge)
            + "\"");
  }

  /** Runs off the event loop: reads the provider's discovery, logging a failure as a refusal. */
  private Begun begin(OidcLogin p, String rd, StepUp stepUp, String peer) {
    try {
      return new Begun(p.start(rd, stepUp), null);
    } catch (IOException e) {
      return new Begun(null, refuse(p, peer, "/auth/start", "PROVIDER_UNREACHABLE", e));
    }
  }

  void callback(HttpServerRequest req) {
    String code = req.getParam("code");
    String state = req.getParam("state");
    String iss = req.getParam("iss");
    String cookie = AuthEndpoints.cookie(req, OidcLogin.COOKIE);
    String peer = peer(req);
    RequestBodies.resume(req);
    String expire = signInCookie(req, "", 0);
    OidcLogin p = providers.get(OidcLogin.providerOf(sessions, cookie));
    // Without a readable cookie the default provider refuses it, before any code is redeemed.
    OidcLogin oidc = p == null ? providers.forRoute(null) : p;
    // Refused busy, the sign-in cookie is kept: the code is not redeemed, and may be again.
    Future<Ended> done =
        onProviderCalls(
            req, oidc, "/auth/callback", () -> end(oidc, code, state, iss, cookie, peer));
    if (done == null) {
      return;
    }
    done.onFailure(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  log.warn("OIDC sign-in failed: {}", e.getMessage());
                  req.response().putHeader("Set-Cookie", expire);
                  AuthEndpoints.reply(req, false, 502, "the identity provider cannot be reached");
                }))
        .onSuccess(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  req.response().putHeader("Set-Cookie", expire);
                  if (e.refused() && e.result() != null && e.result().stepUpRefused()) {
                    stepUpRefused(req, e.result().refusal(), e.refusalId());
                    return;
                  }
                  if (e.refused()) {
                    AuthEndpoints.reply(
                        req,
                        e.status(),
                        e.status() == 502
                            ? "the identity provider cannot be reached"
                            : "sign-in refused; start again",
                        e.refusalId());
                    return;
                  }
                  Session s = e.result().session();
                  log.info(
                      "signed in: user={} idp={} amr={} acr={}",
                      s.userId(),
                      s.provider(),
                      s.amr(),
                      s.acr());
                  // A sign-in, a step-up included, replaces the browser's session: the old one
                  // (with its weaker amr) is over before the new one is handed out.
                  AuthEndpoints.endPresented(
                      sessions, req, ended -> signedIn(req, s, e.result().rd()));
                }));
  }

  /**
   * Runs {@code work} on the node's bound on the providers' calls and returns its future on the
   * request's context; or, when the bound is reached, logs the refusal ({@code BUSY}), answers 503
   * with {@code Retry-After} and returns null.
   */
  private <T> Future<T> onProviderCalls(
      HttpServerRequest req, OidcLogin p, String endpoint, Supplier<T> work) {
    try {
      return Future.fromCompletionStage(providerCalls.submit(work), Vertx.currentContext());
    } catch (BoundedWork.Busy b) {
      long retry = b.retryAfterSeconds();
      log.info("OIDC sign-in refused busy: idp={} endpoint={}", p.config().name(), endpoint);
      Vertx.currentContext()
          .owner()
          .executeBlocking(
              () ->
                  refusals.refuse(
                      "edge",
                      peer(req),
                      "BUSY",
                      "refused: " + b.getMessage(),
                      Map.of("idp", p.config().name(), "endpoint", endpoint)),
              false)
          .onComplete(
              RequestGuard.afterRefusalLogged(
                  req,
                  () ->
                      req.response()
                          .putHeader("Retry-After", Long.toString(retry))
                          .putHeader("Cache-Control", "no-store")
                          .setStatusCode(503)
                          .putHeader("Content-Type", "application/json")
                          .end(
                              "{\"error\":"
                                  + Json.quote(
                                      "too many sign-ins are waiting on the identity provider;"
                                          + " try again in "
                                          + retry
                                          + " s")
                                  + "}")));
      return null;
    }
  }

  /**
   * Answers a callback that started session {@code s}: its cookie, and a redirect to {@code rd}.
   */
  private void signedIn(HttpServerRequest req, Session s, String rd) {
    req.response()
        .headers()
        .add("Set-Cookie", SessionCodec.cookie(sessions.seal(s), req.isSSL(), false));
    req.response()
        .putHeader("Cache-Control", "no-store")
        .setStatusCode(302)
        .putHeader("Location", AuthEndpoints.location(redirects.check(rd)))
        .end();
  }

  /**
   * Answers a step-up sign-in the provider did not complete as asked: 403, a page for a browser and
   * JSON ({@code step_up_failed}) otherwise, saying why, never a redirect. Sending the browser back
   * to the provider would only ask it again what it has just not done.
   */
  private static void stepUpRefused(HttpServerRequest req, String why, String decisionId) {
    String accept = req.getHeader("Accept");
    var resp = req.response().setStatusCode(403).putHeader("Cache-Control", "no-store");
    if (decisionId != null) {
      resp.putHeader("X-Vigil-Decision-Id", decisionId);
    }
    if (accept != null && accept.contains("text/html")) {
      resp.putHeader("Content-Type", "text/html; charset=utf-8")
          .end(
              "<!doctype html><title>Re-authentication not confirmed</title>"
                  + "<h1>Re-authentication not confirmed</h1><p>This page needs you to sign in "
                  + "again at your identity provider, and its answer did not show it: "
                  + AuthEndpoints.html(why)
                  + ".</p><p>Your access has not changed. If this happens again, the provider "
                  + "may not support re-authentication on demand (max_age, prompt=login): "
                  + "tell an administrator.</p>"
                  + (decisionId == null
                      ? ""
                      : "<p>Decision id: <code>" + decisionId + "</code></p>")
                  + "\n");
      return;
    }
    resp.putHeader("Content-Type", "application/json")
        .end(
            "{\"error\":\"step_up_failed\",\"message\":"
                + Json.quote(why)
                + (decisionId == null ? "" : ",\"decision_id\":" + Json.quote(decisionId))
                + "}");
  }

  /**
   * Runs off the event loop: completes the sign-in, and logs a refusal (state, code, ID token,
   * second factor) or a provider that cannot be reached as a denied decision with its reason.
   */
  private Ended end(
      OidcLogin oidc, String code, String state, String iss, String cookie, String peer) {
    try {
      OidcLogin.Result r = oidc.callback(code, state, iss, cookie);
      if (r.session() != null) {
        return new Ended(r, null, 302);
      }
      String id =
          refusals.refuse(
              "edge",
              peer,
              "SIGN_IN_REFUSED",
              "refused: " + printable(r.refusal()),
              Map.of("idp", oidc.config().name(), "endpoint", "/auth/callback"));
      return new Ended(r, id, 403);
    } catch (IOException e) {
      return new Ended(null, refuse(oidc, peer, "/auth/callback", "PROVIDER_UNREACHABLE", e), 502);
    }
  }

  private String refuse(OidcLogin p, String peer, String endpoint, String code, IOException e) {
    return refusals.refuse(
        "edge",
        peer,
        code,
        "refused: the identity provider cannot be reached: " + printable(e.getMessage()),
        Map.of("idp", p.config().name(), "endpoint", endpoint));
  }

  /** The reason may quote the callback's own parameters: no control characters into the log. */
  private static String printable(String why) {
    String safe = why == null ? "" : why.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 300 ? safe.substring(0, 300) + "..." : safe;
  }

  private static String peer(HttpServerRequest req) {
    return req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
  }
}
