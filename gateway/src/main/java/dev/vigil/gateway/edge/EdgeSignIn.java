package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.BoundedWork;
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
 * @param providerCalls the bound on the providers' calls of {@code /auth/start} and {@code
 *     /auth/callback} (discovery, token exchange, keys): past it a sign-in is answered 503 with
 *     {@code Retry-After} rather than queued on the shared worker pool; null for {@link
 *     BoundedWork#providerCalls()}
 * @param tokenChecks the bound on the checks of bearer tokens and the refreshes of provider
 *     sessions, which any request can ask for: past it such a request is answered 503 with {@code
 *     Retry-After}; null for {@link BoundedWork#tokenChecks()}
 */
public record EdgeSignIn(
    LocalAuthenticator local,
    IdentityProviders providers,
    List<String> redirectHosts,
    BoundedWork providerCalls,
    BoundedWork tokenChecks) {

  public EdgeSignIn {
    providers = providers == null ? IdentityProviders.none() : providers;
    redirectHosts = List.copyOf(redirectHosts);
    providerCalls = providerCalls == null ? BoundedWork.providerCalls() : providerCalls;
    tokenChecks = tokenChecks == null ? BoundedWork.tokenChecks() : tokenChecks;
  }

  /** Sign-in with the default bound on bearer-token checks and session refreshes. */
  public EdgeSignIn(
      LocalAuthenticator local,
      IdentityProviders providers,
      List<String> redirectHosts,
      BoundedWork providerCalls) {
    this(local, providers, redirectHosts, providerCalls, null);
  }

  /** Sign-in with the default bound on the providers' calls. */
  public EdgeSignIn(
      LocalAuthenticator local, IdentityProviders providers, List<String> redirectHosts) {
    this(local, providers, redirectHosts, null, null);
  }
}
