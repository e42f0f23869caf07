package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kind (b) of the security cases: client-spoofed identity or routing headers (C05). */
class HeaderHygieneTest {

  private final HeaderHygiene hygiene = new HeaderHygiene(Set.of("X-App-User"));

  private List<String> removed(boolean trusted, String... names) {
    List<String> out = new ArrayList<>();
    hygiene.strip(List.of(names), trusted, out::add);
    return out;
  }

  @Test
  void strip_untrustedPeer_dropsForwardingHeaders_c05() {
    assertThat(
            removed(
                false,
                "Host",
                "X-Forwarded-Uri",
                "X-Forwarded-Host",
                "Forwarded",
                "X-Real-IP",
                "X-Original-URI",
                "X-Forwarded-Method",
                "Accept"))
        .containsExactly(
            "X-Forwarded-Uri",
            "X-Forwarded-Host",
            "Forwarded",
            "X-Real-IP",
            "X-Original-URI",
            "X-Forwarded-Method");
  }

  @Test
  void strip_trustedPeer_keepsForwardingButNeverIdentity() {
    assertThat(removed(true, "X-Forwarded-Uri", "X-Forwarded-User", "X-Vigil-Assertion"))
        .containsExactly("X-Forwarded-User", "X-Vigil-Assertion");
  }

  @Test
  void strip_identityHeaderSpellings_allRemoved() {
    assertThat(
            removed(
                true,
                "x-vigil-user",
                "X_VIGIL_USER",
                "X-Vigil-Anything-New",
                "x_forwarded_email",
                "X-Auth-Request-User",
                "Remote-User",
                "x_app_user",
                "X-SPIFFE-ID",
                "Content-Type"))
        .containsExactly(
            "x-vigil-user",
            "X_VIGIL_USER",
            "X-Vigil-Anything-New",
            "x_forwarded_email",
            "X-Auth-Request-User",
            "Remote-User",
            "x_app_user",
            "X-SPIFFE-ID");
  }

  @Test
  void strip_otherProxiesIdentityAndClientAddressHeaders_allRemoved() {
    List<String> spoofed =
        List.of(
            "X-Forwarded-Client-Cert",
            "X-Forwarded-Anything-New",
            "x_forwarded_ssl",
            "True-Client-IP",
            "CF-Connecting-IP",
            "X-Client-IP",
            "X-Cluster-Client-IP",
            "X-Envoy-External-Address",
            "X-ProxyUser-Ip",
            "X-Amzn-Oidc-Identity",
            "X-Amzn-Oidc-Data",
            "x_amzn_oidc_accesstoken",
            "X-Goog-Authenticated-User-Email",
            "X-Goog-Authenticated-User-Id",
            "X-Ms-Client-Principal-Name",
            "X-MS-CLIENT-PRINCIPAL",
            "X-User",
            "X-Webauth-User",
            "X-Authenticated-User",
            "Client-IP",
            "X-Originating-IP",
            "Ssl-Client-Verify",
            "X-HTTP-Method-Override",
            "X-HTTP-Method",
            "X_Method_Override");
    List<String> names = new ArrayList<>(spoofed);
    names.addAll(List.of("Accept", "X-Request-Id", "User-Agent"));

    assertThat(removed(false, names.toArray(String[]::new))).containsExactlyElementsOf(spoofed);
  }

  /** A family of identity headers is removed whole, not only the names listed first. */
  @Test
  void strip_wholeIdentityFamilies_removedEvenFromATrustedPeer() {
    List<String> spoofed =
        List.of(
            "X-Webauth-Role",
            "x_webauth_groups",
            "X-Auth-Request-Access-Token",
            "Remote-Groups",
            "Remote-Email",
            "X-Remote-Group",
            "X-Remote-Extra-Scopes",
            "X-Authenticated-Scope",
            "Ssl-Client-S-Dn",
            "X-Ssl-Client-Verify",
            "X-Client-Cert-Present",
            "Cf-Access-Authenticated-User-Email",
            "X-Pomerium-Claim-Email",
            "X-Authentik-Username",
            "Tailscale-User-Login",
            "X-Vouch-User");
    List<String> names = new ArrayList<>(spoofed);
    names.addAll(List.of("Accept", "X-Remote", "Remotely", "X-Authentication", "X-Client-Id"));

    assertThat(removed(true, names.toArray(String[]::new))).containsExactlyElementsOf(spoofed);
  }

  @Test
  void removedNames_areWhatStripRemoves_lowerCased() {
    HeaderHygiene h = new HeaderHygiene(Set.of());
    List<String> names = List.of("Host", "X-Vigil-User", "x_forwarded_for", "Accept", "X-Real-IP");
    List<String> stripped = new ArrayList<>();
    h.strip(names, false, stripped::add);

    assertThat(h.removedNames(names, false))
        .containsExactlyInAnyOrderElementsOf(
            stripped.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList())
        .containsExactlyInAnyOrder("x-vigil-user", "x_forwarded_for", "x-real-ip");
    assertThat(h.removedNames(names, true)).containsExactly("x-vigil-user");
    assertThat(h.removedNames(List.of("Host", "Accept"), false)).isEmpty();
  }
}
