package dev.vigil.gateway.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One generation of the local users, by the key of their name ({@link UserNames#key}), with the
 * fingerprint of each one's credentials made once (it is compared at every request of a local
 * session). Immutable, so a request that holds it sees one set of users from start to end; a reload
 * makes a new one.
 */
public final class LocalUsers {

  private final Map<String, LocalUser> byName;
  private final Map<String, String> credentials;
  private final String unknownUserHash;

  private LocalUsers(
      Map<String, LocalUser> byName, Map<String, String> credentials, String unknownUserHash) {
    this.byName = byName;
    this.credentials = credentials;
    this.unknownUserHash = unknownUserHash;
  }

  /**
   * Indexes {@code users} by the key of their name.
   *
   * @throws IllegalArgumentException naming the users when two names have one key (the same name
   *     twice, or two spellings of one, such as {@code Alice} and {@code alice})
   */
  public static LocalUsers of(List<LocalUser> users) {
    Map<String, LocalUser> m = new HashMap<>();
    Map<String, String> c = new HashMap<>();
    for (LocalUser u : users) {
      String key = UserNames.key(u.username());
      LocalUser before = m.put(key, u);
      if (before != null) {
        throw new IllegalArgumentException(twice(before.username(), u.username()));
      }
      c.put(key, u.credentials());
    }
    return new LocalUsers(Map.copyOf(m), Map.copyOf(c), unknownUserHash(users));
  }

  /** Says that two user names name one account (see {@link UserNames}). */
  public static String twice(String first, String second) {
    if (first.equals(second)) {
      return "local user \"" + first + "\" is defined twice";
    }
    return "local users \""
        + first
        + "\" and \""
        + second
        + "\" name one account (user names are compared after Unicode NFKC normalisation and"
        + " case folding): rename one of them";
  }

  /**
   * A hash that no password matches, with the Argon2id parameters most of {@code users} have (of as
   * many, the costliest): a name that is no one's costs what a user's does, so the time of an
   * answer does not tell which names are users', whatever tool made their hashes.
   */
  private static String unknownUserHash(List<LocalUser> users) {
    Map<String, Integer> counts = new HashMap<>();
    Map<String, String> example = new HashMap<>();
    for (LocalUser u : users) {
      String p = PasswordHash.parameters(u.passwordHash());
      if (p != null) {
        counts.merge(p, 1, Integer::sum);
        example.putIfAbsent(p, u.passwordHash());
      }
    }
    String best = null;
    for (String p : counts.keySet()) {
      if (best == null
          || counts.get(p) > counts.get(best)
          || (counts.get(p).equals(counts.get(best)) && cost(p) > cost(best))) {
        best = p;
      }
    }
    return PasswordHash.decoy(best == null ? null : example.get(best));
  }

  /** The work of {@code m=M,t=T,p=P}: memory times passes. */
  private static long cost(String parameters) {
    String[] mtp = parameters.split(",");
    return Long.parseLong(mtp[0].substring(2)) * Long.parseLong(mtp[1].substring(2));
  }

  /**
   * Returns the hash to check a password against for a name that is no user's: it matches none, and
   * costs what most users' hashes cost.
   */
  String unknownUserHash() {
    return unknownUserHash;
  }

  /**
   * Returns the user named {@code name} in any of its spellings ({@link UserNames#key}), or null.
   */
  public LocalUser get(String name) {
    return byName.get(UserNames.key(name));
  }

  /**
   * Returns the fingerprint of the named user's credentials, or null when there is no such user.
   */
  String credentials(String name) {
    return credentials.get(UserNames.key(name));
  }
}
