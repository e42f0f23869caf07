package dev.vigil.access;

import java.util.Collection;

/**
 * An approver among the users of an OpenID Connect provider: one user, named by the subject ({@code
 * sub}) the provider signs them in with, or every member of a group the provider's sign-in carries
 * in its {@code groups} claim. It matches only sessions of that provider: another provider's user
 * or group of the same name, and a local user or group, are other people.
 *
 * @param provider the provider's name, as configured under {@code oidc}
 * @param user the subject of the one user, or null for a group
 * @param group the group, or null for one user
 */
public record ProviderApprover(String provider, String user, String group) {

  /**
   * @throws IllegalArgumentException unless the provider and exactly one of user and group are
   *     given and not blank
   */
  public ProviderApprover {
    if (provider == null || provider.isBlank() || Holders.LOCAL.equals(provider)) {
      throw new IllegalArgumentException(
          "provider: \"" + provider + "\" is not the name of an OpenID Connect provider");
    }
    if ((user == null) == (group == null)) {
      throw new IllegalArgumentException("an approver of a provider names a user or a group");
    }
    if (user != null ? user.isBlank() : group.isBlank()) {
      throw new IllegalArgumentException(
          (user != null ? "user" : "group") + ": an approver of a provider needs a name");
    }
  }

  /** The user {@code subject} of {@code provider}. */
  public static ProviderApprover user(String provider, String subject) {
    return new ProviderApprover(provider, subject, null);
  }

  /** Every member of {@code group} of {@code provider}. */
  public static ProviderApprover group(String provider, String group) {
    return new ProviderApprover(provider, null, group);
  }

  /**
   * Whether the person {@code subject} signed in through {@code idp}, with {@code groups}, is this
   * approver. Subjects and groups are compared exactly, as the provider spells them (OpenID Connect
   * Core 1.0, section 2: {@code sub} is case sensitive).
   */
  public boolean matches(String subject, String idp, Collection<String> groups) {
    if (!provider.equals(idp)) {
      return false;
    }
    return user != null ? user.equals(subject) : groups.contains(group);
  }

  /** Returns it as the configuration writes it: {@code {provider: corp, group: sre}}. */
  @Override
  public String toString() {
    return "{provider: "
        + provider
        + ", "
        + (user != null ? "user: " + user : "group: " + group)
        + "}";
  }
}
