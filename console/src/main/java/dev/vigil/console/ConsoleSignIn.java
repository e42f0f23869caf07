package dev.vigil.console;

import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.gateway.auth.UserNames;
import dev.vigil.gateway.http.Cookies;
import dev.vigil.gateway.http.GatewayCookies;
import dev.vigil.store.TotpSteps;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the console, and their sessions: the gateway's local sign-in (Argon2id password, TOTP
 * when the user has a secret) over the users holding the admin role, with sessions sealed by the
 * gateway's {@link SessionCodec} under the console's own key.
 *
 * <p>The session cookie is {@value #COOKIE}, {@code Path=/console}, HttpOnly and SameSite=Strict;
 * it has its own name because browsers send a host's cookies to all its ports, so the gateway's
 * {@code vigil_session} would otherwise overwrite it. Over TLS it is {@code __Host-vigil_console},
 * Secure and {@code Path=/} (and the sign-in cookie {@code __Host-vigil_console_login}), and only
 * the prefixed names are read there, as the edge gateway does (see {@link GatewayCookies#name}): a
 * sibling subdomain or a plain-HTTP page cannot toss in a console session of its choosing. Every
 * form carries a CSRF token: before sign-in a random token in a short-lived cookie, after it an
 * HMAC of the session id. Failed sign-ins are counted by a {@link SignInThrottle}, which refuses
 * further attempts for a while after too many. Thread-safe.
 */
public final class ConsoleSignIn {

  private static final Logger log = LoggerFactory.getLogger(ConsoleSignIn.class);
  static final String COOKIE = GatewayCookies.CONSOLE;
  static final String LOGIN_COOKIE = GatewayCookies.CONSOLE_LOGIN;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final AdminAccounts accounts;
  private final SessionCodec codec;
  private final String adminRole;
  private final LocalAuthenticator auth;
  private final byte[] csrfKey = new byte[32];
  private volatile List<LocalUser> configAdmins = List.of();
  private volatile Set<String> admins = Set.of();

  /**
   * @param accounts administrators kept in the data directory
   * @param codec seals console sessions; give it a key of its own, not the gateway's
   * @param configUsers the configuration file's users; those holding {@code adminRole} may sign in
   */
  public ConsoleSignIn(
      AdminAccounts accounts,
      SessionCodec codec,
      InstantSource clock,
      String adminRole,
      List<LocalUser> configUsers) {
    this(
        accounts,
        codec,
        clock,
        adminRole,
        configUsers,
        SignInThrottle.withDefaults(clock),
        TotpSteps.inMemory());
  }

  /**
   * @param throttle counts failed sign-ins; give it the gateway's, so that guesses at one count at
   *     the other (the configured administrators sign in at both with the same password)
   * @param steps the TOTP steps already used; give it the gateway's, so that a code used at one is
   *     refused at the other
   */
  public ConsoleSignIn(
      AdminAccounts accounts,
      SessionCodec codec,
      InstantSource clock,
      String adminRole,
      List<LocalUser> configUsers,
      SignInThrottle throttle,
      TotpSteps steps) {
    this(
        accounts,
        codec,
        clock,
        adminRole,
        configUsers,
        throttle,
        steps,
        PasswordChecks.withDefaults());
  }

  /**
   * @param checks runs the password checks of sign-ins and password changes; give it the gateway's,
   *     so that the node's bound holds for both
   */
  public ConsoleSignIn(
      AdminAccounts accounts,
      SessionCodec codec,
      InstantSource clock,
      String adminRole,
      List<LocalUser> configUsers,
      SignInThrottle throttle,
      TotpSteps steps,
      PasswordChecks checks) {
    this.accounts = accounts;
    this.codec = codec;
    this.adminRole = adminRole;
    this.auth = new LocalAuthenticator(List.of(), codec, clock, false, throttle, steps, checks);
    RANDOM.nextBytes(csrfKey);
    replaceConfigUsers(configUsers);
  }

  /**
   * Takes the configuration file's users again (a reload); an administrator who lost the role or
   * was removed is signed out at their next request. A configured user named like an administrator
   * of the data directory wins over it.
   */
  public void replaceConfigUsers(List<LocalUser> configUsers) {
    configAdmins = configUsers.stream().filter(u -> u.roles().contains(adminRole)).toList();
    refresh();
  }

  /**
   * Creates the first administrator on the first start of a data directory and returns its one-time
   * password; empty on later starts. Call it once everything else has started, so that a start that
   * fails never uses up the password unseen.
   */
  public java.util.Optional<String> createFirstAdmin() throws IOException {
    java.util.Optional<String> pw = accounts.createFirstAdmin();
    refresh();
    return pw;
  }

  /** Rereads the administrators of the data directory (after a password change). */
  void refresh() {
    // By the key users are looked up by: a configured user wins over an administrator of the data
    // directory whose name is another spelling of its own, as over one of the same name.
    Map<String, LocalUser> all = new LinkedHashMap<>();
    accounts.users().forEach(u -> all.put(UserNames.key(u.username()), u));
    configAdmins.forEach(u -> all.put(UserNames.key(u.username()), u));
    auth.replaceUsers(new ArrayList<>(all.values()));
    admins = all.values().stream().map(LocalUser::username).collect(Collectors.toUnmodifiableSet());
  }

  /** Returns true when the user's password is kept in the data directory, not in the file. */
  boolean passwordHeldHere(String user) {
    return accounts.holds(user) && !configAdminNames().contains(user);
  }

  /** Returns true when the user still holds a one-time password kept in the data directory. */
  boolean mustChange(String user) {
    return passwordHeldHere(user) && accounts.mustChange(user);
  }

  private Set<String> configAdminNames() {
    return configAdmins.stream().map(LocalUser::username).collect(Collectors.toSet());
  }

  /**
   * Returns the administrator's session of this request, or null: also when the administrator was
   * removed, lost the role, or has another password or TOTP secret than at sign-in (then the
   * session is signed out). Does not wait for the store.
   */
  Session session(RoutingContext ctx) {
    Session s = codec.open(cookie(ctx.request(), COOKIE));
    if (s == null) {
      return null;
    }
    LocalAuthenticator.Result r = auth.current(s);
    if (r.session() == null || !admins.contains(s.userId())) {
      // Signed out, not only refused: put back as they were, they still sign in again.
      codec.signOut(s);
      log.info(
          "console sign-out: user={} reason={}",
          s.userId(),
          r.refusal() == null ? "no longer an administrator" : r.refusal());
      return null;
    }
    return r.session();
  }

  /**
   * Checks credentials; returns the new session, or the refusal (which may be the throttle's: then
   * nothing was checked). Slow (Argon2id): not on an event loop.
   *
   * @param source the client's address, or null when unknown
   */
  LocalAuthenticator.Result authenticate(String user, String password, String totp, String source) {
    LocalAuthenticator.Result r = auth.authenticate(user, password, totp, source);
    if (r.session() == null) {
      log.info("console sign-in refused: user={} source={} reason={}", user, source, r.refusal());
      return r;
    }
    log.info("console sign-in: user={} amr={}", user, r.session().amr());
    return r;
  }

  /**
   * As {@link #authenticate}, on the node's {@link PasswordChecks}: when they are all taken the
   * result is a busy refusal at once ({@link LocalAuthenticator.Result#busy()}), logged here.
   */
  CompletableFuture<LocalAuthenticator.Result> authenticateQueued(
      String user, String password, String totp, String source) {
    try {
      return auth.checks().submit(() -> authenticate(user, password, totp, source));
    } catch (PasswordChecks.Busy b) {
      log.info(
          "console sign-in refused: user={} source={} reason={}", user, source, b.getMessage());
      return CompletableFuture.completedFuture(
          new LocalAuthenticator.Result(null, b.getMessage(), b.retryAfter(), true));
    }
  }

  /**
   * Runs {@code work} (a password change: {@link #confirmPassword}, then {@link #changePassword})
   * on the node's {@link PasswordChecks}.
   *
   * @throws PasswordChecks.Busy at once, running nothing, when they are all taken
   */
  CompletableFuture<Void> onPasswordChecks(Runnable work) {
    return auth.checks()
        .submit(
            () -> {
              work.run();
              return null;
            });
  }

  /**
   * Signs the session out: refused by this node at once, and by every node once stored.
   *
   * @return completes, never exceptionally, once stored ({@code true}) or not ({@code false}: the
   *     failure is logged, this node refuses the session and the store is tried again)
   */
  CompletableFuture<Boolean> signOut(Session s) {
    log.info("console sign-out: user={}", s.userId());
    return codec.signOut(s);
  }

  /**
   * Ends every console session the browser presents as it signs in afresh (see {@link
   * SessionCodec#endPresented}): a copy of an earlier cookie is worth nothing once the new session
   * begins. Waits until the sign-outs are stored (or could not be: refused here all the same): not
   * on an event loop.
   */
  void endPresented(RoutingContext ctx) {
    endPresentedLater(ctx).join();
  }

  /** As {@link #endPresented}, without waiting: completes once the sign-outs are stored. */
  CompletableFuture<Boolean> endPresentedLater(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    return codec.endPresented(
        Cookies.values(req.headers().getAll("Cookie"), GatewayCookies.name(COOKIE, req.isSSL())));
  }

  /** Sets the session cookie on the response (renewing its last-seen time). */
  void setCookie(RoutingContext ctx, Session s) {
    ctx.response()
        .headers()
        .add("Set-Cookie", cookieHeader(COOKIE, codec.seal(s), ctx.request().isSSL(), -1));
  }

  void clearCookie(RoutingContext ctx) {
    ctx.response().headers().add("Set-Cookie", cookieHeader(COOKIE, "", ctx.request().isSSL(), 0));
  }

  /** Returns the CSRF token of a signed-in session's forms. */
  String csrf(Session s) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(csrfKey, "HmacSHA256"));
      byte[] t = mac.doFinal(s.id().getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(t);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HMAC-SHA256", e);
    }
  }

  /** Returns a fresh token for the sign-in form, set in its cookie too. */
  String loginToken(RoutingContext ctx) {
    byte[] t = new byte[24];
    RANDOM.nextBytes(t);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
    ctx.response()
        .headers()
        .add("Set-Cookie", cookieHeader(LOGIN_COOKIE, token, ctx.request().isSSL(), 600));
    return token;
  }

  /** Returns true when the sign-in form's token matches its cookie. */
  boolean loginTokenMatches(RoutingContext ctx, String token) {
    return same(cookie(ctx.request(), LOGIN_COOKIE), token);
  }

  void clearLoginToken(RoutingContext ctx) {
    ctx.response()
        .headers()
        .add("Set-Cookie", cookieHeader(LOGIN_COOKIE, "", ctx.request().isSSL(), 0));
  }

  /**
   * Checks the current password of the session's administrator, counted by the {@link
   * SignInThrottle} as a sign-in: a result with the session, or the refusal (the throttle's, when
   * the account or address is locked). Slow (Argon2id): not on an event loop.
   *
   * @param source the client's address, or null when unknown
   */
  LocalAuthenticator.Result confirmPassword(Session s, String current, String source) {
    LocalAuthenticator.Result r = auth.confirmPassword(s, current, source);
    if (r.session() == null) {
      log.info(
          "console password change refused: user={} source={} reason={}",
          s.userId(),
          source,
          r.refusal());
    }
    return r;
  }

  /**
   * Changes an administrator's password and returns the session that goes on with it: the old
   * session carries the old password's fingerprint, so it is signed out and a new one started (as
   * the current password was just shown). Throws IllegalArgumentException saying what is wrong.
   */
  Session changePassword(Session s, String current, String next) throws IOException {
    if (!passwordHeldHere(s.userId())) {
      // A configured user of the same name wins at sign-in: its password is the file's.
      throw new IllegalArgumentException(
          "the password of " + s.userId() + " is set in the configuration file, not here");
    }
    accounts.changePassword(s.userId(), current, next);
    refresh();
    log.info("console: password changed: user={}", s.userId());
    Session fresh = auth.restart(s);
    // Stored before the new session is handed out, as at sign-in: no node takes the old cookie.
    codec.signOut(s).join();
    return fresh;
  }

  static boolean same(String a, String b) {
    return a != null
        && b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** A console cookie: {@code Path=/console} on plain HTTP, {@code __Host-} over TLS. */
  private static String cookieHeader(String name, String value, boolean tls, int maxAge) {
    return GatewayCookies.setCookie(name, value, tls, "/console", "Strict", maxAge);
  }

  /**
   * Returns the value of the console's cookie {@code name}: over TLS only the {@code __Host-} one;
   * null when absent.
   */
  static String cookie(HttpServerRequest req, String name) {
    return Cookies.value(req.headers().getAll("Cookie"), GatewayCookies.name(name, req.isSSL()));
  }
}
