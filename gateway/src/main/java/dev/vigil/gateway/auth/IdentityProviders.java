package dev.vigil.gateway.auth;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenID Connect providers people and API clients may come from, by name. The first is the
 * default: it serves routes that name no provider. A route may instead name one provider, or {@link
 * Session#LOCAL} for local users only. Immutable.
 */
public final class IdentityProviders {

  private final Map<String, OidcLogin> byName;
  private final OidcLogin first;

  public IdentityProviders(List<OidcLogin> providers) {
    Map<String, OidcLogin> m = new LinkedHashMap<>();
    for (OidcLogin p : providers) {
      String name = p.config().name();
      if (name.equals(Session.LOCAL) || m.put(name, p) != null) {
        throw new IllegalArgumentException(
            "identity provider name \"" + name + "\" is reserved or used twice");
      }
    }
    this.byName = Map.copyOf(m);
    this.first = providers.isEmpty() ? null : providers.get(0);
  }

  /** No provider: local users only. */
  public static IdentityProviders none() {
    return new IdentityProviders(List.of());
  }

  public boolean isEmpty() {
    return first == null;
  }

  /** Returns the provider of this name, or null. */
  public OidcLogin get(String name) {
    return name == null ? null : byName.get(name);
  }

  /** Returns true when a route may name this provider. */
  public boolean knows(String name) {
    return Session.LOCAL.equals(name) || byName.containsKey(name);
  }

  /**
   * Returns the provider that serves a route naming {@code routeProvider} (null: the default), or
   * null when the route takes local users only or there is no provider.
   */
  public OidcLogin forRoute(String routeProvider) {
    return routeProvider == null ? first : byName.get(routeProvider);
  }

  public Collection<OidcLogin> all() {
    return byName.values();
  }
}
