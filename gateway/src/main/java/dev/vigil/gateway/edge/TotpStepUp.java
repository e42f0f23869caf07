package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.http.RedirectTarget;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.rego.value.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /auth/step-up}: the TOTP prompt that adds a second factor to a local user's session, or
 * renews it, when a policy asks for it ({@code step_up} obligation, with or without {@code
 * max_age}). {@code GET} shows the form (with a login-CSRF token, as the sign-in form); {@code
 * POST} takes {@code totp} (and {@code rd}) as a form or as JSON, and needs the session cookie.
 * Success gives the session a new id and an {@code auth_time} of now: for a local user, showing the
 * one-time code again is what authenticating afresh means (the password the session already proves
 * is not asked again).
 */
final class TotpStepUp {

  private static final Logger log = LoggerFactory.getLogger(TotpStepUp.class);

  private final LocalAuthenticator auth;
  private final RedirectTarget redirects;
  private final AuthEndpoints endpoints;

  TotpStepUp(LocalAuthenticator auth, RedirectTarget redirects, AuthEndpoints endpoints) {
    this.auth = auth;
    this.redirects = redirects;
    this.endpoints = endpoints;
  }

  void handle(HttpServerRequest req) {
    // As where a session becomes a caller: a removed user, or old credentials, step up nothing.
    Session s =
        auth.current(auth.sessions().open(AuthEndpoints.cookie(req, SessionCodec.COOKIE)))
            .session();
    if (req.method() == HttpMethod.GET) {
      prompt(req, s, redirects.check(req.getParam("rd")), null);
    } else if (req.method() == HttpMethod.POST) {
      String type = req.getHeader("Content-Type");
      boolean json = type != null && type.toLowerCase().startsWith("application/json");
      AuthEndpoints.body(req, json, body -> submit(req, s, body, json));
    } else {
      RequestBodies.resume(req);
      req.response().setStatusCode(405).end();
    }
  }

  private void prompt(HttpServerRequest req, Session s, String rd, String error) {
    prompt(req, s, rd, error, error == null ? 200 : 401);
  }

  private void prompt(HttpServerRequest req, Session s, String rd, String error, int status) {
    RequestBodies.resume(req);
    if (s == null) {
      req.response().setStatusCode(303).putHeader("Location", "/auth/login?rd=%2F").end();
      return;
    }
    if (!auth.canStepUp(s)) {
      req.response()
          .setStatusCode(403)
          .putHeader("Content-Type", "text/html; charset=utf-8")
          .end(
              "<!doctype html><title>Second factor</title><h1>Second factor needed</h1>"
                  + "<p>This page needs a second factor, and none is set up for your account. "
                  + "Ask an administrator to enrol one.</p>\n");
      return;
    }
    String token = AuthEndpoints.csrfToken(req);
    req.response()
        .setStatusCode(status)
        .end(
            "<!doctype html><title>Second factor</title><h1>Confirm it is you</h1>"
                + (error == null ? "" : "<p role=alert>" + error + "</p>")
                + "<p>Signed in as "
                + AuthEndpoints.html(s.userId())
                + ".</p><form method=post action=/auth/step-up>"
                + "<input type=hidden name=csrf value=\""
                + token
                + "\"><input type=hidden name=rd value=\""
                + AuthEndpoints.html(rd)
                + "\"><label>One-time code <input name=totp inputmode=numeric "
                + "autocomplete=one-time-code autofocus></label>"
                + "<button type=submit>Continue</button></form>\n");
  }

  private void submit(HttpServerRequest req, Session s, Buffer body, boolean json) {
    Map<String, String> f = AuthEndpoints.fields(req, body, json);
    if (f == null) {
      return;
    }
    String rd = redirects.check(f.get("rd"));
    if (!json && !AuthEndpoints.csrfMatches(req, f.get("csrf"))) {
      endpoints.refused(
          req,
          "LOGIN_CSRF",
          "the step-up form token is missing or not this browser's",
          s == null ? "" : s.userId(),
          () -> AuthEndpoints.reply(req, false, 403, "the form expired; reload it and try again"));
      return;
    }
    String source = AuthEndpoints.source(req);
    String totp = f.get("totp");
    // The code's use is recorded in the store the nodes share: off the event loop, on the node's
    // password checks, which refuse at once when they are all taken (503, as a sign-in).
    RequestGuard.whenDone(
        req, auth.stepUpQueued(s, totp, source), r -> answer(req, s, rd, json, source, r));
  }

  /** Answers a step-up attempt that has been checked. */
  private void answer(
      HttpServerRequest req,
      Session s,
      String rd,
      boolean json,
      String source,
      LocalAuthenticator.Result r) {
    if (r.session() == null) {
      log.info(
          "step-up refused: user={} source={} reason={}",
          s == null ? "" : s.userId(),
          source,
          r.refusal());
      endpoints.refused(
          req,
          AuthEndpoints.refusalCode(r, "STEP_UP_REFUSED"),
          r.refusal(),
          s == null ? "" : s.userId(),
          () -> {
            if (r.busy()) {
              AuthEndpoints.busy(
                  req, json, r, () -> prompt(req, s, rd, AuthEndpoints.busyText(r), 503));
            } else if (r.throttled()) {
              AuthEndpoints.tooManyAttempts(
                  req, json, r, () -> prompt(req, s, rd, AuthEndpoints.tooMany(r), 429));
            } else if (json || s == null) {
              AuthEndpoints.reply(req, true, 401, "step-up failed");
            } else {
              prompt(req, s, rd, "Wrong or used code.");
            }
          });
      return;
    }
    Session next = r.session();
    log.info("stepped up: user={} session={}", next.userId(), next.id().substring(0, 6));
    // The session before the step-up is signed out already; the answer waits until that is stored,
    // so that no node takes its cookie, with the weaker amr, once the new one is handed out.
    AuthEndpoints.endPresented(auth.sessions(), req, ended -> steppedUp(req, next, rd, json));
  }

  private void steppedUp(HttpServerRequest req, Session next, String rd, boolean json) {
    var resp =
        req.response()
            .putHeader(
                "Set-Cookie", SessionCodec.cookie(auth.sessions().seal(next), req.isSSL(), false))
            .putHeader("Cache-Control", "no-store");
    if (json) {
      resp.setStatusCode(200)
          .putHeader("Content-Type", "application/json")
          .end(
              "{\"user\":"
                  + Json.quote(next.userId())
                  + ",\"mfa\":true,\"auth_time\":"
                  + next.authTime()
                  + "}");
    } else {
      resp.setStatusCode(303).putHeader("Location", AuthEndpoints.location(rd)).end();
    }
  }
}
