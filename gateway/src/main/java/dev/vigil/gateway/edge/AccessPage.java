package dev.vigil.gateway.edge;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.GrantException;
import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser page of just-in-time access, {@code /auth/access}: what the JSON endpoints of {@link
 * AccessEndpoints} do, as forms for people. A signed-in caller sees the entitlements they may ask
 * for, their own requests and grants, and, when they are a configured user, the requests waiting
 * for their decision, with approve and deny forms; break-glass entitlements get a form of their
 * own. {@code ?entitlement=NAME} chooses one in the form, which is where the denial page of a
 * policy's {@code request_access} obligation links to.
 *
 * <p>Every form carries the gateway's form token (the login-CSRF cookie's, see {@link
 * AuthEndpoints#csrfToken}) and must come from a page of this gateway ({@link
 * AuthEndpoints#sentByOwnPageOrScript}); a post that succeeds is answered 303 back to the page (so
 * that a reload posts nothing again), one refused shows the page again with the reason, with the
 * status the JSON endpoints give. Without a session the page sends the browser to sign in.
 */
final class AccessPage {

  static final String PATH = "/auth/access";

  private static final Logger log = LoggerFactory.getLogger(AccessPage.class);

  /** What a post that went through did, as the page says it after the redirect. */
  private static final Map<String, String> DONE =
      Map.of(
          "requested", "Your request is waiting for an approver.",
          "broken", "Break-glass access is yours now. Its use will be reviewed.",
          "approved", "The request is approved: the grant counts from now.",
          "denied", "The request is denied.");

  private final Grants grants;
  private final Callers callers;
  private final InstantSource clock;

  AccessPage(Grants grants, Callers callers, InstantSource clock) {
    this.grants = grants;
    this.callers = callers;
    this.clock = clock;
  }

  void handle(HttpServerRequest req) {
    if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
      RequestBodies.resume(req);
      String done = req.getParam("done");
      withSession(
          req,
          s ->
              show(
                  req,
                  s,
                  200,
                  done == null ? null : DONE.get(done),
                  null,
                  req.getParam("entitlement")));
    } else if (req.method() == HttpMethod.POST) {
      AuthEndpoints.body(
          req,
          false,
          body ->
              post(
                  req, AuthEndpoints.fields(req, body, false, (st, why) -> badForm(req, st, why))));
    } else {
      RequestBodies.resume(req);
      req.response().setStatusCode(405).putHeader("Allow", "GET, HEAD, POST").end();
    }
  }

  /** Finds the caller; without a session, sends the browser to sign in and back here. */
  private void withSession(HttpServerRequest req, Consumer<Session> then) {
    Future<Caller> caller = callers.identifyOwn(req, PATH);
    caller.onComplete(
        RequestGuard.guard(
            req,
            null,
            null,
            500,
            ar -> {
              if (ar.failed() && ar.cause() instanceof BoundedWork.Busy b) {
                req.response().putHeader("Retry-After", Long.toString(b.retryAfterSeconds()));
                page(req, 503, "<p role=alert>" + AuthEndpoints.html(b.getMessage()) + "</p>");
                return;
              }
              Session s = ar.succeeded() ? ar.result().session() : null;
              if (s == null) {
                req.response()
                    .setStatusCode(303)
                    .putHeader(
                        "Location",
                        "/auth/login?rd=" + URLEncoder.encode(PATH, StandardCharsets.UTF_8))
                    .end();
                return;
              }
              then.accept(s);
            }));
  }

  /**
   * Answers a form whose body could not be read as fields (a bad %-escape, a field given twice):
   * the page again with {@code reason} and {@code status}, as for any other refused form; nothing
   * was done. A post of another origin learns no more than that it was refused.
   */
  private void badForm(HttpServerRequest req, int status, String reason) {
    if (!AuthEndpoints.sentByOwnPageOrScript(req)) {
      refuseForm(req);
      return;
    }
    withSession(req, s -> show(req, s, status, null, reason, null));
  }

  private void post(HttpServerRequest req, Map<String, String> f) {
    if (f == null) {
      return; // answered 400 or 413 already
    }
    if (!AuthEndpoints.csrfMatches(req, f.get("csrf"))
        || !AuthEndpoints.sentByOwnPageOrScript(req)) {
      refuseForm(req);
      return;
    }
    String action = f.getOrDefault("action", "");
    withSession(
        req,
        s ->
            RequestGuard.offLoop(
                req,
                () -> {
                  try {
                    return act(s, action, f);
                  } catch (GrantException e) {
                    return e;
                  }
                },
                outcome -> {
                  if (outcome instanceof GrantException e) {
                    show(
                        req,
                        s,
                        AccessEndpoints.status(e),
                        null,
                        e.getMessage(),
                        f.get("entitlement"));
                  } else {
                    req.response()
                        .setStatusCode(303)
                        .putHeader("Location", PATH + "?done=" + outcome)
                        .end();
                  }
                }));
  }

  private static void refuseForm(HttpServerRequest req) {
    log.warn(
        "access form refused: form token missing or wrong, or posted by another origin;"
            + " source={}",
        AuthEndpoints.source(req));
    page(
        req,
        403,
        "<p role=alert>The form has expired or was not sent by this gateway's page."
            + " <a href=/auth/access>Open the page again</a>.</p>");
  }

  /** Does what the form asks; returns what was done, for {@link #DONE}. Runs off the loop. */
  private String act(Session s, String action, Map<String, String> f) {
    String entitlement = f.get("entitlement");
    String duration = f.get("duration");
    String reason = f.get("reason");
    switch (action) {
      case "request" -> {
        grants.request(s.userId(), s.provider(), entitlement, duration, reason);
        return "requested";
      }
      case "break-glass" -> {
        grants.breakGlass(s.userId(), s.provider(), entitlement, duration, reason);
        return "broken";
      }
      case "approve", "deny" -> {
        String id = f.get("id");
        if (action.equals("approve")) {
          grants.approve(id, s.userId(), s.provider(), s.groups(), reason);
          return "approved";
        }
        grants.deny(id, s.userId(), s.provider(), s.groups(), reason);
        return "denied";
      }
      default ->
          throw new GrantException(
              "bad_request",
              "action",
              "action must be request, break-glass, approve or deny, not \""
                  + AuthEndpoints.printable(action)
                  + "\"");
    }
  }

  /** Shows the page for {@code s} (reading the store off the loop), with a notice or an error. */
  private void show(
      HttpServerRequest req, Session s, int status, String notice, String error, String chosen) {
    // A fresh form token each time the page is shown (its cookie set here, on the loop): every
    // form of the page carries it.
    String token = AuthEndpoints.csrfToken(req);
    RequestGuard.offLoop(
        req,
        () -> {
          List<Grant> mine = grants.of(s.userId(), s.provider());
          List<Grant> waiting = grants.pendingFor(s.userId(), s.provider(), s.groups());
          return body(s, token, notice, error, chosen, mine, waiting);
        },
        html -> page(req, status, html));
  }

  private String body(
      Session s,
      String token,
      String notice,
      String error,
      String chosen,
      List<Grant> mine,
      List<Grant> waiting) {
    Instant now = clock.instant();
    Map<String, Entitlement> all = grants.entitlements();
    StringBuilder sb = new StringBuilder();
    sb.append("<p>Signed in as <b>")
        .append(AuthEndpoints.html(s.userId()))
        .append("</b> (")
        .append(AuthEndpoints.html(s.provider()))
        .append(").</p>");
    if (notice != null) {
      sb.append("<p role=status>").append(AuthEndpoints.html(notice)).append("</p>");
    }
    if (error != null) {
      sb.append("<p role=alert>").append(AuthEndpoints.html(error)).append("</p>");
    }
    if (all.isEmpty()) {
      sb.append("<p>No entitlement is configured on this gateway.</p>");
    } else {
      sb.append("<h2>Ask for access</h2>")
          .append(askForm(token, "request", "Ask", all.values().stream().toList(), chosen, false));
      List<Entitlement> glass = all.values().stream().filter(Entitlement::breakGlass).toList();
      if (!glass.isEmpty()) {
        sb.append("<h2>Break glass</h2><p>For an emergency only: the grant is yours at once,")
            .append(" without an approver, and every use is reviewed.</p>")
            .append(askForm(token, "break-glass", "Break glass", glass, chosen, true));
      }
    }
    sb.append("<h2>Your requests and grants</h2>");
    if (mine.isEmpty()) {
      sb.append("<p>None yet.</p>");
    } else {
      sb.append("<table><tr><th>entitlement<th>state<th>for<th>until<th>reason<th>decided by</tr>");
      for (Grant g : mine) {
        sb.append("<tr><td>")
            .append(AuthEndpoints.html(g.entitlement()))
            .append(g.breakGlass() ? " (break glass)" : "")
            .append("<td>")
            .append(g.stateAt(now).wireName())
            .append("<td>")
            .append(minutes(g.duration()))
            .append("<td>")
            .append(g.expiresAt() == null ? "" : g.expiresAt().toString())
            .append("<td>")
            .append(AuthEndpoints.html(g.reason()))
            .append("<td>")
            .append(g.decidedBy() == null ? "" : AuthEndpoints.html(g.decider()))
            .append("</tr>");
      }
      sb.append("</table>");
    }
    // Every local user sees the section, as before; a provider's user only when an approver.
    boolean approves =
        Session.LOCAL.equals(s.provider())
            || all.values().stream()
                .anyMatch(e -> e.approvableBy(s.userId(), s.provider(), s.groups()));
    if (approves) {
      sb.append("<h2>Waiting for your decision</h2>");
      if (waiting.isEmpty()) {
        sb.append("<p>Nothing is waiting for you.</p>");
      } else {
        sb.append("<table><tr><th>who<th>entitlement<th>for<th>reason<th>asked at<th></tr>");
        for (Grant g : waiting) {
          sb.append("<tr><td>")
              .append(AuthEndpoints.html(g.subject()))
              .append(" (")
              .append(AuthEndpoints.html(g.idp()))
              .append(")<td>")
              .append(AuthEndpoints.html(g.entitlement()))
              .append("<td>")
              .append(minutes(g.duration()))
              .append("<td>")
              .append(AuthEndpoints.html(g.reason()))
              .append("<td>")
              .append(g.requestedAt())
              .append("<td>")
              .append(decideForm(token, g, "approve", "Approve", "note (optional)"))
              .append(decideForm(token, g, "deny", "Deny", "reason (required)"))
              .append("</tr>");
        }
        sb.append("</table>");
      }
    }
    return sb.toString();
  }

  private static String askForm(
      String token,
      String action,
      String button,
      List<Entitlement> offered,
      String chosen,
      boolean glass) {
    StringBuilder options = new StringBuilder();
    for (Entitlement e : offered) {
      Duration max = glass ? e.breakGlassMaxDuration() : e.maxDuration();
      options
          .append("<option value=\"")
          .append(AuthEndpoints.html(e.name()))
          .append('"')
          .append(e.name().equals(chosen) ? " selected" : "")
          .append('>')
          .append(AuthEndpoints.html(e.name()))
          .append(" (up to ")
          .append(minutes(max))
          .append(")</option>");
    }
    return "<form method=post action="
        + PATH
        + ">"
        + hidden("csrf", token)
        + hidden("action", action)
        + "<label>Entitlement <select name=entitlement>"
        + options
        + "</select></label> <label>For <input name=duration placeholder=\"30m\" size=6></label>"
        + " <label>Reason <input name=reason required size=40></label>"
        + " <button type=submit>"
        + button
        + "</button></form>";
  }

  private static String decideForm(
      String token, Grant g, String action, String button, String placeholder) {
    return "<form method=post action="
        + PATH
        + ">"
        + hidden("csrf", token)
        + hidden("action", action)
        + hidden("id", g.id())
        + "<input name=reason placeholder=\""
        + placeholder
        + "\""
        + (action.equals("deny") ? " required" : "")
        + "> <button type=submit>"
        + button
        + "</button></form>";
  }

  private static String hidden(String name, String value) {
    return "<input type=hidden name=" + name + " value=\"" + AuthEndpoints.html(value) + "\">";
  }

  private static String minutes(Duration d) {
    return d.toMinutes() % 60 == 0 && d.toHours() > 0 ? d.toHours() + "h" : d.toMinutes() + "m";
  }

  private static void page(HttpServerRequest req, int status, String body) {
    if (req.response().ended()) {
      return;
    }
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end("<!doctype html><title>Access</title><h1>Access</h1>" + body + "\n");
  }
}
