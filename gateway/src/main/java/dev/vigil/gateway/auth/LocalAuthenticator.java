package dev.vigil.gateway.auth;

import dev.vigil.store.StoreException;
import dev.vigil.store.TotpSteps;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs local users in: Argon2id password, then TOTP for users who have a secret. A code is
 * accepted once: a step already used by that user is refused, so a code seen over a shoulder cannot
 * be replayed. The steps used are kept in {@link TotpSteps}: in the store under {@code vigil up},
 * so that the code is refused on every node and at the console too. Unknown users cost the same
 * hash as known ones (with the parameters most users' hashes have). Failed attempts are counted by
 * a {@link SignInThrottle}, which refuses further ones for a while after too many. Thread-safe;
 * sign-in and step-up may do I/O (the hash, the store) and are not for an event loop. Servers call
 * the queued forms ({@link #authenticateQueued}, {@link #confirmPasswordQueued}), which run the
 * hash on the node's {@link PasswordChecks} and refuse at once when those are all taken.
 */
public final class LocalAuthenticator {

  /**
   * The result of a sign-in: a session, or the reason it was refused (said to no one but logs).
   *
   * @param retryAfter for an attempt refused unheard, by the {@link SignInThrottle} or because the
   *     node's {@link PasswordChecks} are all taken, how long to wait; {@link Duration#ZERO}
   *     otherwise
   * @param busy true when the attempt was refused unheard because the node's {@link PasswordChecks}
   *     were all taken (nothing of it was looked at, and it counts as no failure)
   */
  public record Result(Session session, String refusal, Duration retryAfter, boolean busy) {

    public Result {
      retryAfter = retryAfter == null ? Duration.ZERO : retryAfter;
    }

    public Result(Session session, String refusal, Duration retryAfter) {
      this(session, refusal, retryAfter, false);
    }

    public Result(Session session, String refusal) {
      this(session, refusal, Duration.ZERO);
    }

    /** Returns the refusal of an attempt that found every password check taken. */
    static Result busy(BoundedWork.Busy b) {
      return new Result(null, b.getMessage(), b.retryAfter(), true);
    }

    /** Returns true when the attempt was refused unheard: too many failures before it. */
    public boolean throttled() {
      return !busy && !retryAfter.isZero();
    }

    /** Returns {@link #retryAfter} in whole seconds, rounded up, for {@code Retry-After}. */
    public long retryAfterSeconds() {
      return (retryAfter.toMillis() + 999) / 1000;
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LocalAuthenticator.class);

  private volatile LocalUsers users;
  private final SessionCodec sessions;
  private final InstantSource clock;
  private final boolean totpOnDemand;
  private final SignInThrottle throttle;
  private final TotpSteps steps;
  private final PasswordChecks checks;

  /** An authenticator with a throttle of its own ({@link SignInThrottle.Limits#DEFAULT}). */
  public LocalAuthenticator(List<LocalUser> users, SessionCodec sessions, InstantSource clock) {
    this(users, sessions, clock, false, SignInThrottle.withDefaults(clock), TotpSteps.inMemory());
  }

  /** An authenticator with a throttle of its own; see the next constructor for totpOnDemand. */
  public LocalAuthenticator(
      List<LocalUser> users, SessionCodec sessions, InstantSource clock, boolean totpOnDemand) {
    this(
        users,
        sessions,
        clock,
        totpOnDemand,
        SignInThrottle.withDefaults(clock),
        TotpSteps.inMemory());
  }

  /**
   * @param totpOnDemand when true, a user with a TOTP secret may sign in with the password alone (a
   *     session without {@code mfa}) and gives the code only where a policy asks for it, at the
   *     step-up prompt; a code that is given must still be right
   * @param throttle counts failed sign-ins and step-ups; share one between the sign-ins of a node
   *     (gateway and console) so that each counts the other's failures
   * @param steps the TOTP steps already used; share one between the sign-ins of a node (gateway and
   *     console), and keep it in the store that the nodes share, so that a code used at one is
   *     refused at every other
   */
  public LocalAuthenticator(
      List<LocalUser> users,
      SessionCodec sessions,
      InstantSource clock,
      boolean totpOnDemand,
      SignInThrottle throttle,
      TotpSteps steps) {
    this(users, sessions, clock, totpOnDemand, throttle, steps, PasswordChecks.withDefaults());
  }

  /**
   * As the constructor above, with the node's password checks.
   *
   * @param checks runs the password checks of {@link #authenticateQueued} and {@link
   *     #confirmPasswordQueued}; share one between the sign-ins of a node (gateway and console) so
   *     that their bound is the node's
   */
  public LocalAuthenticator(
      List<LocalUser> users,
      SessionCodec sessions,
      InstantSource clock,
      boolean totpOnDemand,
      SignInThrottle throttle,
      TotpSteps steps,
      PasswordChecks checks) {
    this.checks = Objects.requireNonNull(checks, "checks");
    this.users = LocalUsers.of(users);
    this.sessions = sessions;
    this.clock = clock;
    this.totpOnDemand = totpOnDemand;
    this.throttle = throttle;
    this.steps = Objects.requireNonNull(steps, "steps");
  }

  /**
   * Replaces the users (a reloaded configuration). Sessions already started count for the new users
   * only (see {@link #current}): a session of a user removed, or whose password or TOTP secret
   * changed, is over at its next request, and the others take the roles and groups given now.
   *
   * @throws IllegalArgumentException when a username appears twice; the old users stay
   */
  public void replaceUsers(List<LocalUser> replacement) {
    this.users = LocalUsers.of(replacement);
  }

  /** Replaces the users with a generation already indexed; see {@link #replaceUsers(List)}. */
  public void replaceUsers(LocalUsers replacement) {
    this.users = Objects.requireNonNull(replacement, "replacement");
  }

  /** Returns the users of now: those sign-in and step-up check against. */
  public LocalUsers users() {
    return users;
  }

  public SessionCodec sessions() {
    return sessions;
  }

  /**
   * Checks the credentials and starts a session, unless the {@link SignInThrottle} refuses the
   * attempt unheard (then the password is not even checked, so the answer tells nothing of it).
   *
   * @param source the client's address, or null when unknown
   */
  public Result authenticate(String username, String password, String totp, String source) {
    Duration wait = throttle.begin(username, source);
    if (!wait.isZero()) {
      return throttled(wait);
    }
    return counted(username, source, () -> check(username, password, totp), this::showedAll);
  }

  /**
   * Runs {@link #authenticate} on the node's {@link PasswordChecks}; when they are all taken the
   * result is a {@link Result#busy} refusal at once, the same whatever the name and password, and
   * the throttle counts nothing. The future never fails but with what {@code authenticate} throws.
   */
  public CompletableFuture<Result> authenticateQueued(
      String username, String password, String totp, String source) {
    return queued(() -> authenticate(username, password, totp, source));
  }

  /** Runs {@link #confirmPassword} on the node's {@link PasswordChecks}, as above. */
  public CompletableFuture<Result> confirmPasswordQueued(
      Session s, String password, String source) {
    return queued(() -> confirmPassword(s, password, source));
  }

  /**
   * Runs {@link #stepUp} on the node's {@link PasswordChecks}, as above: the code is checked and
   * its use recorded in the store, which a flood of step-ups must not queue without limit.
   */
  public CompletableFuture<Result> stepUpQueued(Session s, String totp, String source) {
    return queued(() -> stepUp(s, totp, source));
  }

  private CompletableFuture<Result> queued(Supplier<Result> check) {
    try {
      return checks.submit(check);
    } catch (BoundedWork.Busy b) {
      return CompletableFuture.completedFuture(Result.busy(b));
    }
  }

  /** Returns the node's password checks. */
  public PasswordChecks checks() {
    return checks;
  }

  private static Result throttled(Duration wait) {
    return new Result(
        null,
        "too many failed attempts; refused unheard for " + (wait.toMillis() + 999) / 1000 + " s",
        wait);
  }

  /**
   * Returns true when a sign-in's session showed every factor its user has: the one-time code too
   * when the user has a secret (with TOTP on demand, a sign-in may show the password alone).
   */
  private boolean showedAll(Session s) {
    return !hasSecret(s) || s.amr().contains("otp");
  }

  /** Returns true when the session's user has a one-time secret. */
  private boolean hasSecret(Session s) {
    LocalUser u = users.get(s.userId());
    return u != null && u.totpSecret() != null;
  }

  /**
   * Runs an attempt begun with the throttle and tells the throttle how it ended: a session that
   * {@code showedAll} the factors of its user forgets the account's failures, another forgets none
   * (they may have been guesses at the factor it did not show).
   */
  private Result counted(
      String account, String source, Supplier<Result> attempt, Predicate<Session> showedAll) {
    Result r = null;
    try {
      r = attempt.get();
    } finally {
      if (r != null && r.session() != null && showedAll.test(r.session())) {
        throttle.succeeded(account, source);
      } else if (r != null && r.session() != null) {
        throttle.succeededInPart(account, source);
      } else {
        Duration lock = throttle.failed(account, source);
        if (!lock.isZero()) {
          log.warn(
              "sign-in locked after repeated failures: user={} source={} lock_s={}",
              account,
              source,
              lock.toSeconds());
        }
      }
    }
    return r;
  }

  private Result check(String username, String password, String totp) {
    LocalUsers now = users;
    LocalUser u = username == null ? null : now.get(username);
    String hash = u == null ? now.unknownUserHash() : u.passwordHash();
    boolean passwordOk = password != null && PasswordHash.verify(password, hash);
    if (u == null || !passwordOk) {
      return new Result(null, "unknown user or wrong password");
    }
    List<String> amr = new ArrayList<>(List.of("pwd"));
    boolean noCode = totp == null || totp.isEmpty();
    if (u.totpSecret() != null && !(totpOnDemand && noCode)) {
      String refusal = checkCode(u, totp);
      if (refusal != null) {
        return new Result(null, refusal);
      }
      amr.add("otp");
      amr.add("mfa");
    }
    return new Result(sessions.start(u, amr), null);
  }

  /**
   * Checks the password of a local session's user again, as one confirms a change to their own
   * account. The check counts in the {@link SignInThrottle} as a sign-in of the user: a session (a
   * browser left signed in) does not let its holder guess the password faster than a sign-in does,
   * and a locked account is refused unheard. Returns the session on success.
   *
   * @param source the client's address, or null when unknown
   */
  public Result confirmPassword(Session s, String password, String source) {
    String account = s == null ? null : s.userId();
    Duration wait = throttle.begin(account, source);
    if (!wait.isZero()) {
      return throttled(wait);
    }
    // A password without the code of a user who has one: it forgets no failed code.
    return counted(account, source, () -> checkPassword(s, password), ok -> !hasSecret(ok));
  }

  private Result checkPassword(Session s, String password) {
    LocalUsers now = users;
    LocalUser u = s == null || !Session.LOCAL.equals(s.provider()) ? null : now.get(s.userId());
    String hash = u == null ? now.unknownUserHash() : u.passwordHash();
    boolean passwordOk = password != null && PasswordHash.verify(password, hash);
    return u != null && passwordOk ? new Result(s, null) : new Result(null, "wrong password");
  }

  /**
   * Resolves a session against the users of now, wherever a session is about to count: a local
   * user's session gets the user's e-mail address, roles and groups of now, and is refused (a
   * result without session, saying why) when the user is gone or their password or TOTP secret
   * changed since the sign-in. A provider's session is returned as it is (its claims come from the
   * provider); so is null.
   */
  public Result current(Session s) {
    return current(s, users);
  }

  /**
   * Resolves a session as {@link #current(Session)} does, against {@code users}: the generation of
   * the configuration a request took at its start, so that its route and its user come from the
   * same one.
   */
  public Result current(Session s, LocalUsers users) {
    if (s == null || !Session.LOCAL.equals(s.provider())) {
      return new Result(s, null);
    }
    LocalUser u = users.get(s.userId());
    if (u == null) {
      return new Result(null, "the user is no longer configured");
    }
    if (!MessageDigest.isEqual(
        users.credentials(u.username()).getBytes(StandardCharsets.US_ASCII),
        s.credentials().getBytes(StandardCharsets.US_ASCII))) {
      return new Result(null, "the user's password or one-time secret changed");
    }
    return new Result(
        s.refreshed(u.email(), u.roles(), u.groups(), s.refreshToken(), s.tokenExpiry()), null);
  }

  /**
   * Starts a new session, with the same {@code amr}, for the user of a local session who has just
   * shown their password again (a password change ends the sessions of the old one).
   *
   * @throws IllegalArgumentException when the user is no longer there
   */
  public Session restart(Session s) {
    LocalUser u = users.get(s.userId());
    if (u == null) {
      throw new IllegalArgumentException("no local user \"" + s.userId() + "\"");
    }
    return sessions.start(u, s.amr());
  }

  /** Returns true when the session is a local user's who has a TOTP secret to step up with. */
  public boolean canStepUp(Session s) {
    return stepUpUser(s, users) != null;
  }

  /** Returns the user of a local session who has a TOTP secret to step up with, or null. */
  private static LocalUser stepUpUser(Session s, LocalUsers users) {
    LocalUser u = users.get(s.userId());
    return Session.LOCAL.equals(s.provider()) && u != null && u.totpSecret() != null ? u : null;
  }

  /**
   * Adds a second factor to a local user's session: the TOTP code is checked (once per step, as at
   * sign-in) and the session gets a new id, {@code otp} and {@code mfa} in its {@code amr}, and a
   * new {@code auth_time}; the old session is signed out so its cookie no longer works. Wrong codes
   * count in the {@link SignInThrottle} as failed sign-ins of the user.
   *
   * @param source the client's address, or null when unknown
   */
  public Result stepUp(Session s, String totp, String source) {
    // One read of the users: a reload between the check and the code cannot leave no user.
    LocalUser u = s == null ? null : stepUpUser(s, users);
    if (u == null) {
      return new Result(null, "no local session with a second factor to step up");
    }
    // Codes are guessed here as at sign-in, by whoever holds the password: the same count.
    Duration wait = throttle.begin(s.userId(), source);
    if (!wait.isZero()) {
      return throttled(wait);
    }
    // The code now, the password at the session's sign-in: every factor.
    return counted(s.userId(), source, () -> checkStepUp(s, u, totp), next -> true);
  }

  private Result checkStepUp(Session s, LocalUser u, String totp) {
    String refusal = checkCode(u, totp);
    if (refusal != null) {
      return new Result(null, refusal);
    }
    List<String> amr = new ArrayList<>(s.amr());
    for (String m : List.of("otp", "mfa")) {
      if (!amr.contains(m)) {
        amr.add(m);
      }
    }
    Session next = sessions.renewed(s, amr, true);
    sessions.signOut(s);
    return new Result(next, null);
  }

  private String checkCode(LocalUser u, String totp) {
    long step = Totp.matchStep(u.totpSecret(), totp, clock);
    if (step < 0) {
      return "missing or wrong one-time code";
    }
    // One atomic step per user and secret: of two attempts with codes of one step, on this node or
    // on two, exactly one takes it. When its use cannot be recorded the code is refused.
    try {
      return steps.take(u.username(), u.totpSecret(), step) ? null : "one-time code already used";
    } catch (StoreException e) {
      log.error(
          "one-time code refused, its use cannot be recorded: user={}: {}",
          u.username(),
          e.getMessage());
      return "one-time code cannot be checked now";
    }
  }
}
