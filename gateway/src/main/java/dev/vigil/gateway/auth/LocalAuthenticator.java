package dev.vigil.gateway.auth;

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

  public LocalAuthenticator(List<LocalUser> users, SessionCodec sessions, InstantSource clock) {
    this.users = byName(users);
    this.sessions = sessions;
    this.clock = clock;
  }

  /**
   * Replaces the users (a reloaded configuration); sessions already started stay valid until they
   * expire or sign out.
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
    if (u.totpSecret() != null) {
      long step = Totp.matchStep(u.totpSecret(), totp, clock);
      if (step < 0) {
        return new Result(null, "missing or wrong one-time code");
      }
      Long before = lastStep.put(u.username(), step);
      if (before != null && before >= step) {
        lastStep.put(u.username(), before);
        return new Result(null, "one-time code already used");
      }
      amr.add("otp");
      amr.add("mfa");
    }
    return new Result(sessions.start(u, amr), null);
  }
}
