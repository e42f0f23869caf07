package dev.vigil.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signs local users in: Argon2id password, then TOTP for users who have a secret. A code is
 * accepted once: a step already used by that user is refused, so a code seen over a shoulder cannot
 * be replayed. Unknown users cost the same hash as known ones. Thread-safe.
 */
public final class LocalAuthenticator {

  /** The result of a sign-in: a session, or the reason it was refused (said to no one but logs). */
  public record Result(Session session, String refusal) {}

  private static final String DUMMY_HASH = PasswordHash.hash("vigil-dummy-password");

  private volatile Map<String, LocalUser> users;
  private final SessionCodec sessions;
  private final InstantSource clock;
  private final Map<String, Long> lastStep = new ConcurrentHashMap<>();
  private final boolean totpOnDemand;

  public LocalAuthenticator(List<LocalUser> users, SessionCodec sessions, InstantSource clock) {
    this(users, sessions, clock, false);
  }

  /**
   * @param totpOnDemand when true, a user with a TOTP secret may sign in with the password alone (a
   *     session without {@code mfa}) and gives the code only where a policy asks for it, at the
   *     step-up prompt; a code that is given must still be right
   */
  public LocalAuthenticator(
      List<LocalUser> users, SessionCodec sessions, InstantSource clock, boolean totpOnDemand) {
    this.users = byName(users);
    this.sessions = sessions;
    this.clock = clock;
    this.totpOnDemand = totpOnDemand;
  }

  /**
   * Replaces the users (a reloaded configuration). Sessions already started count for the new users
   * only (see {@link #current}): a session of a user removed, or whose password or TOTP secret
   * changed, is over at its next request, and the others take the roles and groups given now.
   *
   * @throws IllegalArgumentException when a username appears twice; the old users stay
   */
  public void replaceUsers(List<LocalUser> replacement) {
    this.users = byName(replacement);
  }

  private static Map<String, LocalUser> byName(List<LocalUser> users) {
    Map<String, LocalUser> m = new java.util.HashMap<>();
    for (LocalUser u : users) {
      if (m.put(u.username(), u) != null) {
        throw new IllegalArgumentException("local user \"" + u.username() + "\" is defined twice");
      }
    }
    return Map.copyOf(m);
  }

  public SessionCodec sessions() {
    return sessions;
  }

  /** Checks the credentials and starts a session. */
  public Result authenticate(String username, String password, String totp) {
    LocalUser u = username == null ? null : users.get(username);
    String hash = u == null ? DUMMY_HASH : u.passwordHash();
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
   * Resolves a session against the users of now, wherever a session is about to count: a local
   * user's session gets the user's e-mail address, roles and groups of now, and is refused (a
   * result without session, saying why) when the user is gone or their password or TOTP secret
   * changed since the sign-in. A provider's session is returned as it is (its claims come from the
   * provider); so is null.
   */
  public Result current(Session s) {
    if (s == null || !Session.LOCAL.equals(s.provider())) {
      return new Result(s, null);
    }
    LocalUser u = users.get(s.userId());
    if (u == null) {
      return new Result(null, "the user is no longer configured");
    }
    if (!MessageDigest.isEqual(
        u.credentials().getBytes(StandardCharsets.US_ASCII),
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
    LocalUser u = users.get(s.userId());
    return Session.LOCAL.equals(s.provider()) && u != null && u.totpSecret() != null;
  }

  /**
   * Adds a second factor to a local user's session: the TOTP code is checked (once per step, as at
   * sign-in) and the session gets a new id, {@code otp} and {@code mfa} in its {@code amr}, and a
   * new {@code auth_time}; the old session is signed out so its cookie no longer works.
   */
  public Result stepUp(Session s, String totp) {
    if (s == null || !canStepUp(s)) {
      return new Result(null, "no local session with a second factor to step up");
    }
    String refusal = checkCode(users.get(s.userId()), totp);
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
    Long before = lastStep.put(u.username(), step);
    if (before != null && before >= step) {
      lastStep.put(u.username(), before);
      return "one-time code already used";
    }
    return null;
  }
}
