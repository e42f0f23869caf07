package dev.vigil.console;

import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.Session;
import dev.vigil.identity.Identities;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionReader;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The web console of the control plane, under {@code /console/}: plain server-rendered pages for
 * signed-in administrators. Decisions (filtered, and one in full with its explanation), routes and
 * their modes (with a form that changes a mode in the running gateway and keeps it in the store,
 * and one that resets it to the configured mode), trust domains with their CA roots and SVIDs, and
 * health.
 *
 * <p>Every page but the sign-in form needs an administrator's session; a session still holding the
 * first administrator's one-time password reaches only the password page. Every form post needs the
 * session's CSRF token. Pages are sent with a strict Content-Security-Policy, no caching and no
 * framing.
 */
public final class Console {

  /**
   * What the console shows.
   *
   * @param decisions the decision log
   * @param routes the gateway's routes with the modes set in the console
   * @param identities the identity service; it gives null while it starts, or when this node runs
   *     no CA
   * @param svids the SVIDs this node holds; it gives null while they are issued
   * @param health name and value pairs for the health page
   * @param clock the clock of time filters
   * @param grants just-in-time grants, or null for none
   * @param pdp the decision point whose policy in service the rollout page asks about routes in
   *     observe mode (nothing is logged), or null: the page then says how to ask with the CLI
   */
  public record Sources(
      DecisionReader decisions,
      RouteModes routes,
      Supplier<Identities> identities,
      Supplier<GatewaySvids> svids,
      Supplier<List<String[]>> health,
      InstantSource clock,
      Grants grants,
      DecisionPoint pdp) {

    /** The sources of a node whose policy in service the rollout page cannot ask. */
    public Sources(
        DecisionReader decisions,
        RouteModes routes,
        Supplier<Identities> identities,
        Supplier<GatewaySvids> svids,
        Supplier<List<String[]>> health,
        InstantSource clock,
        Grants grants) {
      this(decisions, routes, identities, svids, health, clock, grants, null);
    }

    /** The sources of a node without just-in-time grants. */
    public Sources(
        DecisionReader decisions,
        RouteModes routes,
        Supplier<Identities> identities,
        Supplier<GatewaySvids> svids,
        Supplier<List<String[]>> health,
        InstantSource clock) {
      this(decisions, routes, identities, svids, health, clock, null, null);
    }
  }

  static final String SESSION = "vigil.console.session";
  static final String FORM = "vigil.console.form";
  static final String CSRF = "vigil.console.csrf";

  private Console() {}

  /** Adds the console's routes to the control plane's router. */
  public static void install(Router router, ConsoleSignIn signIn, Sources sources) {
    SignInPages auth = new SignInPages(signIn);
    DecisionPages decisions = new DecisionPages(sources);
    OperationsPages ops = new OperationsPages(sources);
    GrantPages access = new GrantPages(sources);
    RolloutPage rollout = new RolloutPage(sources);
    router.route("/console*").handler(Console::headers);
    router.get("/console").handler(ctx -> redirect(ctx, "/console/decisions"));
    router.get("/console/").handler(ctx -> redirect(ctx, "/console/decisions"));
    router.get("/console/login").handler(auth::form);
    router.post("/console/login").handler(auth::login);
    router.route("/console/*").handler(ctx -> guard(ctx, signIn));
    router.post("/console/logout").blockingHandler(auth::logout, false);
    router.get("/console/password").handler(auth::passwordForm);
    router.post("/console/password").handler(auth::changePassword);
    router.route("/console/*").handler(ctx -> oneTimePasswordGate(ctx, signIn));
    router.get("/console/decisions").blockingHandler(decisions::list, false);
    router.get("/console/decisions/:id").blockingHandler(decisions::one, false);
    router.get("/console/routes").blockingHandler(ops::routes, false);
    router.post("/console/routes/:name/mode").blockingHandler(ops::changeMode, false);
    router.post("/console/routes/:name/reset").blockingHandler(ops::resetMode, false);
    router.get("/console/identity").blockingHandler(ops::identity, false);
    router.get("/console/health").blockingHandler(ops::health, false);
    router.get("/console/rollout").blockingHandler(rollout::show, false);
    router.get("/console/access").blockingHandler(access::list, false);
    router.get("/console/access/:id").blockingHandler(access::one, false);
    router.post("/console/access/:id/revoke").blockingHandler(access::revoke, false);
    router.post("/console/access/:id/review").blockingHandler(access::review, false);
  }

  private static void headers(RoutingContext ctx) {
    ctx.response()
        .putHeader("Cache-Control", "no-store")
        .putHeader(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    try {
      Forms.requireSingleParameters(ctx.request());
    } catch (IllegalArgumentException e) {
      send(ctx, 400, Html.page("Bad request", null, null, Html.alert(e.getMessage())));
      return;
    }
    ctx.next();
  }

  /** Sends browsers without an administrator's session to sign in; checks CSRF on posts. */
  private static void guard(RoutingContext ctx, ConsoleSignIn signIn) {
    Session s = signIn.session(ctx);
    if (s == null) {
      signIn.clearCookie(ctx);
      if (ctx.request().method() == HttpMethod.GET) {
        redirect(ctx, "/console/login");
      } else {
        send(ctx, 401, Html.page("Sign-in required", null, null, "<p>Sign in again.</p>"));
      }
      return;
    }
    ctx.put(SESSION, s);
    ctx.put(CSRF, signIn.csrf(s));
    signIn.setCookie(ctx, s);
    if (ctx.request().method() == HttpMethod.POST) {
      Map<String, String> form;
      try {
        form = Forms.parse(ctx.body().asString());
      } catch (IllegalArgumentException e) {
        send(ctx, 400, Html.page("Bad request", null, null, Html.alert(e.getMessage())));
        return;
      }
      if (!ConsoleSignIn.same(form.get("csrf"), signIn.csrf(s))) {
        send(ctx, 403, Html.page("Form expired", null, null, "<p>Reload the page and retry.</p>"));
        return;
      }
      ctx.put(FORM, form);
    }
    ctx.next();
  }

  private static void oneTimePasswordGate(RoutingContext ctx, ConsoleSignIn signIn) {
    Session s = ctx.get(SESSION);
    if (signIn.mustChange(s.userId())) {
      redirect(ctx, "/console/password");
      return;
    }
    ctx.next();
  }

  static void redirect(RoutingContext ctx, String where) {
    ctx.response().setStatusCode(303).putHeader("Location", where).end();
  }

  static void send(RoutingContext ctx, int status, String html) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .end(html);
  }
}
