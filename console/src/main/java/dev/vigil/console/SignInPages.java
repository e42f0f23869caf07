package dev.vigil.console;

import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.PasswordRules;
import dev.vigil.gateway.auth.Session;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console's sign-in, sign-out and password pages. */
final class SignInPages {

  private static final Logger log = LoggerFactory.getLogger(SignInPages.class);

  private final ConsoleSignIn signIn;

  SignInPages(ConsoleSignIn signIn) {
    this.signIn = signIn;
  }

  void form(RoutingContext ctx) {
    if (signIn.session(ctx) != null) {
      Console.redirect(ctx, "/console/decisions");
      return;
    }
    loginPage(ctx, 200, null);
  }

  private void loginPage(RoutingContext ctx, int status, String error) {
    String token = signIn.loginToken(ctx);
    String body =
        Html.alert(error)
            + "<form method=post action=/console/login>"
            + Html.hidden("csrf", token)
            + "<p><label>Username <input name=username autocomplete=username required></label>"
            + "<p><label>Password <input name=password type=password required "
            + "autocomplete=current-password></label>"
            + "<p><label>One-time code (if you have one) <input name=totp inputmode=numeric "
            + "autocomplete=one-time-code></label>"
            + "<p><button type=submit>Sign in</button></form>";
    Console.send(ctx, status, Html.page("Sign in to the Vigil console", null, null, body));
  }

  /**
   * Checks a sign-in; runs on the event loop. The password is checked on the node's password checks
   * ({@link ConsoleSignIn#authenticateQueued}), which refuse at once with 503 when they are all
   * taken, and the answer is written once the sessions the browser presented are signed out.
   */
  void login(RoutingContext ctx) {
    Map<String, String> f;
    try {
      f = Forms.parse(ctx.body().asString());
    } catch (IllegalArgumentException e) {
      loginPage(ctx, 400, e.getMessage());
      return;
    }
    if (!signIn.loginTokenMatches(ctx, f.get("csrf"))) {
      loginPage(ctx, 403, "The sign-in form expired; try again.");
      return;
    }
    var address = ctx.request().remoteAddress();
    Context context = ctx.vertx().getOrCreateContext();
    Future.fromCompletionStage(
            signIn.authenticateQueued(
                f.get("username"),
                f.get("password"),
                f.get("totp"),
                address == null ? null : address.hostAddress()),
            context)
        .onSuccess(r -> answerLogin(ctx, context, r))
        .onFailure(ctx::fail);
  }

  private void answerLogin(RoutingContext ctx, Context context, LocalAuthenticator.Result r) {
    if (r.busy()) {
      ctx.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
      loginPage(
          ctx,
          503,
          "Too many sign-ins are being checked; try again in "
              + r.retryAfterSeconds()
              + " seconds.");
      return;
    }
    if (r.throttled()) {
      ctx.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
      loginPage(
          ctx,
          429,
          "Too many failed sign-ins; try again in " + r.retryAfterSeconds() + " seconds.");
      return;
    }
    Session s = r.session();
    if (s == null) {
      loginPage(ctx, 401, "Sign-in failed.");
      return;
    }
    Future.fromCompletionStage(signIn.endPresentedLater(ctx), context)
        .onComplete(
            ended -> {
              signIn.clearLoginToken(ctx);
              signIn.setCookie(ctx, s);
              boolean oneTime = signIn.mustChange(s.userId());
              Console.redirect(ctx, oneTime ? "/console/password" : "/console/decisions");
            });
  }

  /**
   * Signs out and answers once the sign-out is stored, so that the answer means every node refuses
   * the cookie; when it cannot be stored the answer is the same (see {@link
   * ConsoleSignIn#signOut}). Waits on the store: not on an event loop.
   */
  void logout(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    signIn.signOut(s).join();
    ctx.response().headers().remove("Set-Cookie");
    signIn.clearCookie(ctx);
    Console.redirect(ctx, "/console/login");
  }

  void passwordForm(RoutingContext ctx) {
    passwordPage(ctx, 200, null);
  }

  private void passwordPage(RoutingContext ctx, int status, String error) {
    Session s = ctx.get(Console.SESSION);
    String body;
    if (!signIn.passwordHeldHere(s.userId())) {
      body = "<p>Your password is set in the configuration file (users[].password_hash).";
    } else {
      body =
          (signIn.mustChange(s.userId())
                  ? "<p>You signed in with a one-time password. Choose your own to go on.</p>"
                  : "")
              + Html.alert(error)
              + "<form method=post action=/console/password>"
              + Html.hidden("csrf", signIn.csrf(s))
              + "<p><label>Current password <input name=current type=password required "
              + "autocomplete=current-password></label>"
              + "<p><label>New password (at least "
              + AdminAccounts.MIN_PASSWORD
              + " characters, "
              + PasswordRules.MIN_DISTINCT
              + " of them different) <input name=password type=password required "
              + "autocomplete=new-password></label>"
              + "<p><label>New password again <input name=confirm type=password required "
              + "autocomplete=new-password></label>"
              + "<p><button type=submit>Change password</button></form>";
    }
    Console.send(ctx, status, Html.page("Change your password", s.userId(), signIn.csrf(s), body));
  }

  /**
   * Changes the password; runs on the event loop, and hands the checks (the current password, then
   * the new hash) to the node's password checks, which refuse at once with 503 when they are all
   * taken.
   */
  void changePassword(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    var address = ctx.request().remoteAddress();
    try {
      signIn
          .onPasswordChecks(() -> changeChecked(ctx))
          .whenComplete(
              (done, e) -> {
                if (e != null) {
                  ctx.fail(e);
                }
              });
    } catch (PasswordChecks.Busy b) {
      log.info(
          "console password change refused: user={} source={} reason={}",
          s.userId(),
          address == null ? null : address.hostAddress(),
          b.getMessage());
      ctx.response()
          .putHeader("Retry-After", Long.toString((b.retryAfter().toMillis() + 999) / 1000));
      passwordPage(ctx, 503, "Too many passwords are being checked; try again in a moment.");
    }
  }

  /** Checks and changes the password (on the node's password checks: it hashes). */
  private void changeChecked(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    Map<String, String> f = ctx.get(Console.FORM);
    String next = f.get("password");
    if (next == null || !next.equals(f.get("confirm"))) {
      passwordPage(ctx, 400, "The two new passwords differ.");
      return;
    }
    var address = ctx.request().remoteAddress();
    LocalAuthenticator.Result confirmed =
        signIn.confirmPassword(s, f.get("current"), address == null ? null : address.hostAddress());
    if (confirmed.throttled()) {
      ctx.response().putHeader("Retry-After", Long.toString(confirmed.retryAfterSeconds()));
      passwordPage(
          ctx,
          429,
          "Too many wrong passwords; try again in " + confirmed.retryAfterSeconds() + " seconds.");
      return;
    }
    if (confirmed.session() == null) {
      passwordPage(ctx, 400, "the current password is wrong.");
      return;
    }
    Session fresh;
    try {
      fresh = signIn.changePassword(s, f.get("current"), next);
    } catch (IllegalArgumentException e) {
      passwordPage(ctx, 400, e.getMessage() + ".");
      return;
    } catch (IOException e) {
      passwordPage(ctx, 500, "The password could not be saved: " + e.getMessage());
      return;
    }
    // The cookie set on the way in holds the session the change ended.
    ctx.response().headers().remove("Set-Cookie");
    signIn.setCookie(ctx, fresh);
    Console.redirect(ctx, "/console/decisions");
  }
}
