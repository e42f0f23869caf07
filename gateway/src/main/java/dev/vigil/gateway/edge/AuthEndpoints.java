package dev.vigil.gateway.edge;

import dev.vigil.access.Grants;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.StepUp;
import dev.vigil.gateway.http.Cookies;
import dev.vigil.gateway.http.FormFields;
import dev.vigil.gateway.http.GatewayCookies;
import dev.vigil.gateway.http.RedirectTarget;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.httpkit.StrictJson;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own endpoints under {@code /auth/}: the sign-in form and {@code POST /auth/login}
 * (form or JSON: username, password, totp), {@code /auth/step-up} (a second factor for a local
 * session), {@code POST /auth/logout}, and with OpenID Connect providers {@code /auth/start}
 * ({@code rd}, {@code idp}, {@code step_up}, {@code max_age}) and {@code /auth/callback}.
 *
 * <p>The form is protected against login CSRF: {@code GET /auth/login} sets a random token in a
 * short-lived HttpOnly cookie and in the form; a form post must carry both, equal. A JSON post
 * needs {@code Content-Type: application/json}, which a cross-site form cannot send. The post-login
 * target ({@code rd}) is checked by {@link RedirectTarget}. A sign-out posted by a browser page of
 * another origin is refused ({@link #sentByOwnPageOrScript}). After too many failed attempts for an
 * account or from an address, attempts are refused unheard with 429 and {@code Retry-After} (see
 * {@link dev.vigil.gateway.auth.SignInThrottle}); when the node's password checks are all taken,
 * with 503 and {@code Retry-After} (see {@link dev.vigil.gateway.auth.PasswordChecks}). A form
 * field, or a query parameter of any of these endpoints, given twice is refused with 400 naming it.
 * With just-in-time grants, {@code /auth/access/} serves requests for them and their decisions
 * ({@link AccessEndpoints}).
 */
final class AuthEndpoints {

  private static final Logger log = LoggerFactory.getLogger(AuthEndpoints.class);
  static final String CSRF_COOKIE = GatewayCookies.LOGIN_CSRF;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_BODY = 16 * 1024;

  private final LocalAuthenticator auth;
  private final RedirectTarget redirects;
  private final IdentityProviders providers;
  private final Callers callers;
  private final TotpStepUp stepUp;
  private final OidcEndpoints oidc;
  private final RefusalLog refusals;
  private final AccessEndpoints access;
  private final AccessPage accessPage;

  /**
   * @param grants just-in-time grants, asked for and decided under {@code /auth/access/}; null for
   *     none (those paths are then no endpoint of the gateway's)
   */
  AuthEndpoints(EdgeSignIn signIn, InstantSource clock, RefusalLog refusals, Grants grants) {
    this.refusals = refusals;
    this.auth = signIn.local();
    this.redirects = new RedirectTarget(signIn.redirectHosts());
    this.providers = signIn.providers();
    this.callers = new Callers(auth, providers, clock, signIn.tokenChecks());
    this.stepUp = new TotpStepUp(auth, redirects, this);
    this.oidc =
        new OidcEndpoints(auth.sessions(), redirects, providers, refusals, signIn.providerCalls());
    this.access = grants == null ? null : new AccessEndpoints(grants, callers, clock);
    this.accessPage = grants == null ? null : new AccessPage(grants, callers, clock);
  }

  /**
   * Finds who sent the request (see {@link Callers}), a local session resolved against {@code
   * users}: those of the route table the request was routed with, or when it carries none (null),
   * the authenticator's of now.
   */
  Future<Caller> identify(HttpServerRequest req, Route route, LocalUsers users) {
    return callers.identify(req, route, users == null ? auth.users() : users);
  }

  /**
   * Returns where a browser is sent to sign in for a route, or with a {@code stepUp} to renew its
   * session's authentication: for a local session the TOTP prompt, or when the user has no one-time
   * secret and the step-up asks no second factor, the sign-in form (the password again); else the
   * session's provider, asked for a fresh login.
   */
  String challengeUrl(Route route, Session session, StepUp stepUp, String rd) {
    String q = "?rd=" + URLEncoder.encode(rd, StandardCharsets.UTF_8);
    boolean renew = stepUp != null && session != null;
    if (renew && Session.LOCAL.equals(session.provider())) {
      return !stepUp.mfa() && !auth.canStepUp(session) ? "/auth/login" + q : "/auth/step-up" + q;
    }
    OidcLogin p =
        renew ? providers.get(session.provider()) : providers.forRoute(route.identityProvider());
    if (p == null) {
      return "/auth/login" + q;
    }
    return "/auth/start"
        + q
        + "&idp="
        + URLEncoder.encode(p.config().name(), StandardCharsets.UTF_8)
        + (stepUp == null ? "" : "&step_up=" + (stepUp.mfa() ? "mfa" : "login"))
        + (stepUp == null || !stepUp.limitsAge() ? "" : "&max_age=" + stepUp.maxAge());
  }

  /**
   * Returns the RFC 9470 challenge for an API client whose token does not show what {@code stepUp}
   * asks: {@code acr_values} for a second factor (when the provider names one), {@code max_age} for
   * a recent authentication.
   */
  String stepUpChallenge(Route route, StepUp stepUp) {
    OidcLogin p = providers.forRoute(route.identityProvider());
    String acr = p == null || p.config().mfaAcr().isEmpty() ? "" : p.config().mfaAcr().get(0);
    return "Bearer error=\"insufficient_user_authentication\", "
        + "error_description=\""
        + stepUp.describe()
        + " is required\""
        + (acr.isEmpty() || !stepUp.mfa() ? "" : ", acr_values=\"" + acr + "\"")
        + (stepUp.limitsAge() ? ", max_age=\"" + stepUp.maxAge() + "\"" : "");
  }

  /** Returns true when the request was for an auth endpoint and has been answered. */
  boolean handle(HttpServerRequest req, String path) {
    boolean own =
        switch (path) {
          case "/auth/login", "/auth/logout", "/auth/step-up" -> true;
          case "/auth/start", "/auth/callback" -> !providers.isEmpty();
          default ->
              access != null && (path.equals(AccessPage.PATH) || AccessEndpoints.serves(path));
        };
    if (own) {
      ownPageHeaders(req);
      String repeated = repeatedParameter(req);
      if (repeated != null) {
        // Of "?rd=/a&rd=//evil", which one counts would depend on who reads the query.
        RequestBodies.closeIfWithheld(req);
        RequestBodies.resume(req);
        reply(req, true, 400, repeated);
        return true;
      }
      // Every endpoint here reads the body it is sent (or reads past it): a client that waits for
      // 100 Continue is invited at once rather than left to wait out its timeout, unless the body
      // it announces is longer than any of them takes. Then it is not invited, and a body held
      // back stays unread: the connection closes after the answer (413 from a sign-in).
      if (RequestBodies.expectsContinue(req) && !RequestBodies.announcesMoreThan(req, MAX_BODY)) {
        RequestBodies.invite(req);
      } else {
        RequestBodies.closeIfWithheld(req);
      }
    }
    switch (path) {
      case "/auth/login" -> {
        if (req.method() == HttpMethod.GET) {
          form(req, redirects.check(req.getParam("rd")), null);
        } else if (req.method() == HttpMethod.POST) {
          login(req);
        } else {
          RequestBodies.resume(req);
          req.response().setStatusCode(405).end();
        }
        return true;
      }
      case "/auth/logout" -> {
        if (req.method() == HttpMethod.POST) {
          logout(req);
        } else {
          // A GET could be sent by any page the user visits: signing out changes state.
          RequestBodies.resume(req);
          req.response().setStatusCode(405).putHeader("Allow", "POST").end();
        }
        return true;
      }
      case "/auth/step-up" -> {
        stepUp.handle(req);
        return true;
      }
      case "/auth/start" -> {
        if (providers.isEmpty()) {
          return false;
        }
        oidc.start(req);
        return true;
      }
      case "/auth/callback" -> {
        if (providers.isEmpty()) {
          return false;
        }
        oidc.callback(req);
        return true;
      }
      default -> {
        if (access != null && path.equals(AccessPage.PATH)) {
          accessPage.handle(req);
          return true;
        }
        return access != null && access.handle(req, path);
      }
    }
  }

  /**
   * Returns why the query names a parameter twice (or cannot be read), or null when it does not.
   */
  private static String repeatedParameter(HttpServerRequest req) {
    MultiMap params;
    try {
      params = req.params();
    } catch (IllegalArgumentException e) {
      return "the query is not URL encoding: " + printable(e.getMessage());
    }
    try {
      FormFields.requireSingle(params);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage().replace("form field", "query parameter");
    }
  }

  /**
   * Sets what every answer of the gateway's own endpoints carries: no page of another site may show
   * them in a frame (where its visitors would type or click in them unawares), none refers to them
   * with their {@code rd}, and none is sniffed for another type than it says.
   */
  private static void ownPageHeaders(HttpServerRequest req) {
    req.response()
        .putHeader("X-Frame-Options", "DENY")
        .putHeader(
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
  }

  /** Sets a fresh login-CSRF cookie on the response and returns its token for the form. */
  static String csrfToken(HttpServerRequest req) {
    byte[] t = new byte[24];
    RANDOM.nextBytes(t);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
    req.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Set-Cookie", csrfCookie(req, token, 600));
    return token;
  }

  /** The login-CSRF cookie: {@code Path=/auth} on plain HTTP, {@code __Host-} on TLS. */
  private static String csrfCookie(HttpServerRequest req, String token, long maxAge) {
    return GatewayCookies.setCookie(CSRF_COOKIE, token, req.isSSL(), "/auth", "Strict", maxAge);
  }

  /** Returns true when a form post carries the token of its login-CSRF cookie. */
  static boolean csrfMatches(HttpServerRequest req, String token) {
    String cookie = cookie(req, CSRF_COOKIE);
    return cookie != null
        && token != null
        && MessageDigest.isEqual(
            cookie.getBytes(StandardCharsets.US_ASCII), token.getBytes(StandardCharsets.US_ASCII));
  }

  private void form(HttpServerRequest req, String rd, String error) {
    form(req, rd, error, error == null ? 200 : 401);
  }

  private void form(HttpServerRequest req, String rd, String error, int status) {
    RequestBodies.resume(req);
    String token = csrfToken(req);
    req.response()
        .setStatusCode(status)
        .end(
            "<!doctype html><title>Sign in</title><h1>Sign in</h1>"
                + (error == null ? "" : "<p role=alert>" + error + "</p>")
                + "<form method=post action=/auth/login>"
                + "<input type=hidden name=csrf value=\""
                + token
                + "\">"
                + "<input type=hidden name=rd value=\""
                + html(rd)
                + "\">"
                + "<label>Username <input name=username autocomplete=username></label>"
                + "<label>Password <input name=password type=password "
                + "autocomplete=current-password></label>"
                + "<label>One-time code <input name=totp inputmode=numeric "
                + "autocomplete=one-time-code></label>"
                + "<button type=submit>Sign in</button></form>\n");
  }

  private void login(HttpServerRequest req) {
    String type = req.getHeader("Content-Type");
    boolean json = type != null && type.toLowerCase().startsWith("application/json");
    body(req, json, body -> finishLogin(req, body, json));
  }

  /**
   * Reads a form or JSON body of at most {@value #MAX_BODY} bytes and hands it to {@code then};
   * answers 413 to a longer one as soon as that is known, reading no more of it, and 400 to one
   * that cannot be read.
   */
  static void body(HttpServerRequest req, boolean json, Handler<Buffer> then) {
    RequestBodies.capped(req, MAX_BODY)
        .onFailure(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  if (e instanceof RequestBodies.TooLarge) {
                    RequestBodies.TooLarge.refuse(req);
                    reply(req, json, 413, "request body is too large");
                  } else {
                    badBody(req);
                  }
                }))
        .onSuccess(RequestGuard.guard(req, null, null, 500, then));
  }

  /** Returns the fields of a form or JSON body, or null after answering 413 or 400 in JSON. */
  static Map<String, String> fields(HttpServerRequest req, Buffer body, boolean json) {
    return fields(req, body, json, (status, reason) -> reply(req, json, status, reason));
  }

  /**
   * Returns the fields of a form or JSON body, or null after handing {@code refuse} the status (413
   * or 400) and the reason, for a caller that answers a form in a page of its own.
   */
  static Map<String, String> fields(
      HttpServerRequest req, Buffer body, boolean json, BiConsumer<Integer, String> refuse) {
    if (body.length() > MAX_BODY) {
      refuse.accept(413, "request body is too large");
      return null;
    }
    try {
      return json ? jsonFields(body.toString(StandardCharsets.UTF_8)) : formFields(body.toString());
    } catch (IllegalArgumentException e) {
      refuse.accept(400, e.getMessage());
      return null;
    }
  }

  private void finishLogin(HttpServerRequest req, Buffer body, boolean json) {
    Map<String, String> f = fields(req, body, json);
    if (f == null) {
      return;
    }
    String rd = redirects.check(f.get("rd"));
    if (!json) {
      if (!csrfMatches(req, f.get("csrf"))) {
        log.warn(
            "sign-in refused: login form token missing or wrong; source={}", req.remoteAddress());
        refused(
            req,
            "LOGIN_CSRF",
            "the login form token is missing or not this browser's",
            f.get("username"),
            () -> reply(req, false, 403, "the sign-in form expired; reload it and try again"));
        return;
      }
    }
    String source = source(req);
    // The password hash takes tens of milliseconds of one core by design: on the event loop, a
    // stream of sign-in attempts would hold every other request of the loop behind it, and on the
    // shared worker pool every blocking task of the node. It runs on the node's password checks,
    // a few threads with a bounded queue, which refuse at once when they are all taken.
    RequestGuard.whenDone(
        req,
        auth.authenticateQueued(f.get("username"), f.get("password"), f.get("totp"), source),
        r -> answerLogin(req, json, rd, f, source, r));
  }

  /** Answers a sign-in with the authenticator's verdict {@code r}: a session, or a refusal. */
  private void answerLogin(
      HttpServerRequest req,
      boolean json,
      String rd,
      Map<String, String> f,
      String source,
      LocalAuthenticator.Result r) {
    if (r.session() == null) {
      log.info(
          "sign-in refused: user={} source={} reason={}", f.get("username"), source, r.refusal());
      refused(
          req,
          refusalCode(r, "SIGN_IN_REFUSED"),
          r.refusal(),
          f.get("username"),
          () -> {
            if (r.busy()) {
              busy(req, json, r, () -> form(req, rd, busyText(r), 503));
            } else if (r.throttled()) {
              tooManyAttempts(req, json, r, () -> form(req, rd, tooMany(r), 429));
            } else if (json) {
              reply(req, true, 401, "sign-in failed");
            } else {
              form(req, rd, "Sign-in failed.");
            }
          });
      return;
    }
    Session s = r.session();
    log.info("signed in: user={} amr={} session={}", s.userId(), s.amr(), s.id().substring(0, 6));
    endPresented(auth.sessions(), req, ended -> signedIn(req, json, rd, s));
  }

  /**
   * Ends the sessions the browser presents ({@link SessionCodec#endPresented}) as it starts a new
   * one, then runs {@code next} on the request's context once their sign-outs are stored (or could
   * not be: refused here all the same, and logged): an answer that hands over a new session means
   * every node refuses the cookie it replaces, and an earlier copy of it is worth nothing.
   */
  static void endPresented(SessionCodec sessions, HttpServerRequest req, Handler<Boolean> next) {
    Future.fromCompletionStage(
            sessions.endPresented(cookies(req, SessionCodec.COOKIE)), Vertx.currentContext())
        .onComplete(
            RequestGuard.guard(
                req, null, null, 500, ended -> next.handle(ended.succeeded() && ended.result())));
  }

  /** Answers a sign-in that started session {@code s}. */
  private void signedIn(HttpServerRequest req, boolean json, String rd, Session s) {
    String cookie = SessionCodec.cookie(auth.sessions().seal(s), req.isSSL(), false);
    var resp =
        req.response().putHeader("Set-Cookie", cookie).putHeader("Cache-Control", "no-store");
    resp.headers().add("Set-Cookie", csrfCookie(req, "", 0));
    if (json) {
      resp.setStatusCode(200)
          .putHeader("Content-Type", "application/json")
          .end("{\"user\":" + Json.quote(s.userId()) + ",\"mfa\":" + s.mfa() + "}");
    } else {
      resp.setStatusCode(303).putHeader("Location", location(rd)).end();
    }
  }

  /**
   * Signs the session out and answers once the sign-out is stored, so that an answer means every
   * node refuses the cookie. When it cannot be stored the answer is the same: the cookie is cleared
   * and this node refuses it (the failure is logged, and the store is tried again).
   */
  private void logout(HttpServerRequest req) {
    RequestBodies.resume(req);
    if (!sentByOwnPageOrScript(req)) {
      log.warn(
          "sign-out refused: posted by another origin; origin={} sec-fetch-site={} source={}",
          printable(String.valueOf(req.getHeader("Origin"))),
          printable(String.valueOf(req.getHeader("Sec-Fetch-Site"))),
          source(req));
      req.response()
          .setStatusCode(403)
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("sign-out refused: it was not sent by a page of this gateway\n");
      return;
    }
    Session s = auth.sessions().open(cookie(req, SessionCodec.COOKIE));
    if (s == null) {
      loggedOut(req);
      return;
    }
    log.info("signed out: user={} session={}", s.userId(), s.id().substring(0, 6));
    Future.fromCompletionStage(auth.sessions().signOut(s), Vertx.currentContext())
        .onComplete(RequestGuard.guard(req, null, null, 500, stored -> loggedOut(req)));
  }

  /**
   * Returns true unless a browser says the post came from another origin. A page of a sibling
   * sub-domain is the same site, so the SameSite=Lax session cookie goes with its form post: a
   * browser's {@code Sec-Fetch-Site} must then be {@code same-origin} (or {@code none}, typed by
   * the user) and its {@code Origin} this gateway's own. A script or tool that sends neither header
   * (as {@code curl} does) is no browser page and is heard.
   */
  static boolean sentByOwnPageOrScript(HttpServerRequest req) {
    String site = req.getHeader("Sec-Fetch-Site");
    if (site != null) {
      // The browser's own verdict, which a page cannot set. It also holds behind a proxy that
      // ends TLS in front of the gateway, where the page's https Origin is not the scheme the
      // request reached the gateway with.
      return site.equalsIgnoreCase("same-origin") || site.equalsIgnoreCase("none");
    }
    // Browsers without Sec-Fetch-Site: the Origin must be this gateway's as it was reached.
    String origin = req.getHeader("Origin");
    return origin == null || sameOrigin(origin, req);
  }

  /** Whether {@code origin} is this gateway's: scheme, host and port as the request reached it. */
  private static boolean sameOrigin(String origin, HttpServerRequest req) {
    String host = req.getHeader("Host");
    if (host == null && req.authority() != null) {
      host = req.authority().toString();
    }
    if (host == null) {
      return false;
    }
    String scheme = req.isSSL() ? "https" : "http";
    try {
      URI theirs = new URI(origin.strip());
      URI ours = new URI(scheme + "://" + host.strip());
      return scheme.equalsIgnoreCase(theirs.getScheme())
          && theirs.getRawUserInfo() == null
          && theirs.getHost() != null
          && ours.getHost() != null
          && theirs.getHost().equalsIgnoreCase(ours.getHost())
          && port(theirs) == port(ours)
          && (theirs.getRawPath() == null || theirs.getRawPath().isEmpty());
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static int port(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static void loggedOut(HttpServerRequest req) {
    req.response()
        .putHeader("Set-Cookie", SessionCodec.cookie("", req.isSSL(), true))
        .setStatusCode(303)
        .putHeader("Location", "/auth/login")
        .end();
  }

  /** Answers 400 to a request whose body could not be read. */
  static void badBody(HttpServerRequest req) {
    req.response().setStatusCode(400).end();
  }

  /** Returns the client's address, as policies see it in {@code input.request.source_ip}. */
  static String source(HttpServerRequest req) {
    return req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
  }

  /**
   * Logs a refused sign-in or step-up of a local user as a denied decision under {@value
   * EdgeGateway#SIGN_IN_LOG_PATH} (on the worker pool: it writes the service log), then runs {@code
   * answer} with the decision id in {@code X-Vigil-Decision-Id}, when the log had room for it.
   */
  void refused(HttpServerRequest req, String code, String reason, String user, Runnable answer) {
    String peer = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    Map<String, String> extra =
        Map.of("endpoint", req.path(), "user", printable(user == null ? "" : user));
    Vertx.currentContext()
        .owner()
        .executeBlocking(
            () -> refusals.refuse("edge", peer, code, "refused: " + printable(reason), extra),
            false)
        .onComplete(RequestGuard.afterRefusalLogged(req, answer));
  }

  /** Text a client chose (a user name) or quotes: no control characters, at most 300 of them. */
  static String printable(String text) {
    String safe = text == null ? "" : text.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 300 ? safe.substring(0, 300) + "..." : safe;
  }

  /** Answers 429 with {@code Retry-After}: JSON, or else the page {@code html} sends. */
  static void tooManyAttempts(
      HttpServerRequest req, boolean json, LocalAuthenticator.Result r, Runnable html) {
    req.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
    if (json) {
      reply(req, true, 429, tooMany(r));
    } else {
      html.run();
    }
  }

  /**
   * Answers 503 with {@code Retry-After} to an attempt refused because the node's password checks
   * were all taken: JSON, or else the page {@code html} sends.
   */
  static void busy(
      HttpServerRequest req, boolean json, LocalAuthenticator.Result r, Runnable html) {
    req.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
    if (json) {
      reply(req, true, 503, busyText(r));
    } else {
      html.run();
    }
  }

  static String busyText(LocalAuthenticator.Result r) {
    return "too many sign-ins are being checked; try again in " + r.retryAfterSeconds() + " s";
  }

  /** Returns the code a refused attempt is logged with: {@code otherwise} when it was heard. */
  static String refusalCode(LocalAuthenticator.Result r, String otherwise) {
    return r.busy() ? "BUSY" : r.throttled() ? "THROTTLED" : otherwise;
  }

  static String tooMany(LocalAuthenticator.Result r) {
    return "too many failed attempts; try again in " + r.retryAfterSeconds() + " s";
  }

  /**
   * Returns the value of the gateway's cookie of logical name {@code name}: on TLS only the {@code
   * __Host-} one (see {@link GatewayCookies#name}), so that a cookie of the plain name, which a
   * sibling subdomain or a plain-HTTP page can set, is never read there.
   */
  static String cookie(HttpServerRequest req, String name) {
    return Cookies.value(req.headers().getAll("Cookie"), GatewayCookies.name(name, req.isSSL()));
  }

  /** Returns every distinct value of the gateway's cookie {@code name}, read as {@link #cookie}. */
  static List<String> cookies(HttpServerRequest req, String name) {
    return Cookies.values(req.headers().getAll("Cookie"), GatewayCookies.name(name, req.isSSL()));
  }

  static void reply(HttpServerRequest req, boolean json, int status, String msg) {
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end("{\"error\":" + Json.quote(msg) + "}");
  }

  /**
   * Answers a refusal logged as a denied decision, with its id in the header and the body; without
   * them when {@code decisionId} is null (the decision log had no room for the refusal).
   */
  static void reply(HttpServerRequest req, int status, String msg, String decisionId) {
    if (decisionId == null) {
      reply(req, true, status, msg);
      return;
    }
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Vigil-Decision-Id", decisionId)
        .end("{\"error\":" + Json.quote(msg) + ",\"decision_id\":" + Json.quote(decisionId) + "}");
  }

  private static Map<String, String> formFields(String body) {
    // As with JSON: which of two "username" counts depends on who reads the form.
    return FormFields.parse(body);
  }

  private static Map<String, String> jsonFields(String body) {
    Value v;
    try {
      v = Json.parse(body);
    } catch (JsonException e) {
      throw new IllegalArgumentException("body is not valid JSON: " + e.getMessage());
    }
    // Rego's parser keeps the last of two "username" members, as OPA's does; a sign-in must not.
    StrictJson.requireUniqueKeys("sign-in body", body);
    if (!(v instanceof ObjectValue o)) {
      throw new IllegalArgumentException("body must be a JSON object");
    }
    Map<String, String> m = new HashMap<>();
    for (Value k : o.keys()) {
      if (!(k instanceof StringValue ks)) {
        continue;
      }
      Value val = o.get(k);
      if (val instanceof StringValue vs) {
        m.put(ks.value(), vs.value());
      } else if (!(val instanceof NullValue)) {
        // A mistyped field is the client's mistake, not a wrong password: refused as bad input,
        // it counts as no failed attempt.
        throw new IllegalArgumentException(printable(ks.value()) + " must be a string");
      }
    }
    return m;
  }

  /**
   * Percent-encodes (as UTF-8) what is not printable ASCII in a checked target, since a header
   * carries only ASCII (RFC 9110 section 5.5) and a server would otherwise mangle it.
   */
  static String location(String target) {
    StringBuilder sb = new StringBuilder();
    for (byte b : target.getBytes(StandardCharsets.UTF_8)) {
      if (b > 0x20 && b < 0x7F) {
        sb.append((char) b);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xFF));
      }
    }
    return sb.toString();
  }

  static String html(String s) {
    return s.replace("&", "&amp;")
        .replace("\"", "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;");
  }
}
