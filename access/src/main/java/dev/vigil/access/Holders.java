package dev.vigil.access;

import java.util.Collection;
import java.util.Set;

/**
 * Who may hold a grant under the running configuration: the local users (of the file, and the
 * demo's), and the users of each configured OpenID Connect provider. A grant whose holder is not
 * among them (a local user removed from the file, a provider removed at a restart) ends. Immutable.
 */
public final class Holders {

  /** The provider name of local users, as a grant's {@code idp} holds it. */
  public static final String LOCAL = "local";

  /** Anyone: for a reader of the store that has no configuration of its own. */
  public static final Holders ANYONE = new Holders(null, null);

  private final Set<String> localUsers;
  private final Set<String> providers;

  private Holders(Set<String> localUsers, Set<String> providers) {
    this.localUsers = localUsers;
    this.providers = providers;
  }

  /**
   * Returns the holders of a configuration.
   *
   * @param localUsers the user names of the local users
   * @param providers the names of the OpenID Connect providers whose users may hold grants
   */
  public static Holders of(Collection<String> localUsers, Collection<String> providers) {
    return new Holders(Set.copyOf(localUsers), Set.copyOf(providers));
  }

  /**
   * Why {@code subject} signed in through {@code idp} may not hold a grant, or null if they may.
   */
  String refusal(String subject, String idp) {
    if (localUsers == null) {
      return null;
    }
    if (LOCAL.equals(idp)) {
      return localUsers.contains(subject)
          ? null
          : "holder " + subject + " is no longer a configured user";
    }
    return providers.contains(idp)
        ? null
        : "provider " + idp + " of holder " + subject + " is no longer configured";
  }
}
