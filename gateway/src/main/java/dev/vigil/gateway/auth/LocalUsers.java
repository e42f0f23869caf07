package dev.vigil.gateway.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One generation of the local users, by name, with the fingerprint of each one's credentials made
 * once (it is compared at every request of a local session). Immutable, so a request that holds it
 * sees one set of users from start to end; a reload makes a new one.
 */
public final class LocalUsers {

  private final Map<String, LocalUser> byName;
  private final Map<String, String> credentials;

  private LocalUsers(Map<String, LocalUser> byName, Map<String, String> credentials) {
    this.byName = byName;
    this.credentials = credentials;
  }

  /**
   * Indexes {@code users} by name.
   *
   * @throws IllegalArgumentException naming the user when a username appears twice
   */
  public static LocalUsers of(List<LocalUser> users) {
    Map<String, LocalUser> m = new HashMap<>();
    Map<String, String> c = new HashMap<>();
    for (LocalUser u : users) {
      if (m.put(u.username(), u) != null) {
        throw new IllegalArgumentException("local user \"" + u.username() + "\" is defined twice");
      }
      c.put(u.username(), u.credentials());
    }
    return new LocalUsers(Map.copyOf(m), Map.copyOf(c));
  }

  /** Returns the user named {@code name}, or null. */
  public LocalUser get(String name) {
    return byName.get(name);
  }

  /**
   * Returns the fingerprint of the named user's credentials, or null when there is no such user.
   */
  String credentials(String name) {
    return credentials.get(name);
  }
}
