package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import java.util.List;

/**
 * How people and API clients prove who they are at the gateway.
 *
 * @param local local users (password and TOTP), and the session machinery every sign-in shares
 * @param providers OpenID Connect providers; the first serves routes that name none
 * @param redirectHosts absolute post-login targets allowed besides relative paths, as {@code
 *     .example.com} (the domain and its sub-domains) or {@code host:port} (see RedirectTarget)
 */
public record EdgeSignIn(
    LocalAuthenticator local, IdentityProviders providers, List<String> redirectHosts) {

  public EdgeSignIn {
    providers = providers == null ? IdentityProviders.none() : providers;
    redirectHosts = List.copyOf(redirectHosts);
  }
}
