package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayCookiesTest {

  @Test
  void everyCookieVigilSets_carriesThePrefixTheGatewayStrips() {
    assertThat(GatewayCookies.ALL).allMatch(n -> n.startsWith(GatewayCookies.PREFIX));
    for (String name : GatewayCookies.ALL) {
      assertThat(GatewayCookies.withoutGatewayCookies("a=1; " + name + "=x; b=2"))
          .as(name)
          .isEqualTo("a=1; b=2");
    }
  }

  @Test
  void withoutGatewayCookies_anyVigilCookieInAnyCase_removed_othersKept() {
    assertThat(
            GatewayCookies.withoutGatewayCookies(
                "vigil_oidc=s; app=1;VIGIL_SESSION=x; vigil_future=y; myvigil_x=2"))
        .isEqualTo("app=1; myvigil_x=2");
    assertThat(GatewayCookies.withoutGatewayCookies("vigil_session=x")).isEmpty();
  }

  @Test
  void withoutGatewayCookies_hostOrSecurePrefixedInAnyCase_removed_othersKept() {
    assertThat(
            GatewayCookies.withoutGatewayCookies(
                "__Host-vigil_session=x; app=1; __HOST-VIGIL_OIDC=y; __secure-vigil_z=1;"
                    + " __Host-app=2; __Host-vigil=3"))
        .isEqualTo("app=1; __Host-app=2; __Host-vigil=3");
  }

  @Test
  void name_overTls_hostPrefixed_onPlainHttp_asIs() {
    assertThat(GatewayCookies.name(GatewayCookies.SESSION, true)).isEqualTo("__Host-vigil_session");
    assertThat(GatewayCookies.name(GatewayCookies.SESSION, false)).isEqualTo("vigil_session");
  }

  /** RFC 6265bis 4.1.3.2: a browser keeps a __Host- cookie only if Secure, Path=/, no Domain. */
  @Test
  void setCookie_overTls_meetsTheHostPrefixRules_whateverPathIsAskedOnPlainHttp() {
    assertThat(GatewayCookies.setCookie(GatewayCookies.OIDC, "v", true, "/auth", "Lax", 600))
        .isEqualTo("__Host-vigil_oidc=v; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=600");
    assertThat(GatewayCookies.setCookie(GatewayCookies.OIDC, "v", false, "/auth", "Lax", 600))
        .isEqualTo("vigil_oidc=v; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600");
    assertThat(GatewayCookies.setCookie(GatewayCookies.SESSION, "v", true, "/", "Lax", -1))
        .isEqualTo("__Host-vigil_session=v; Path=/; HttpOnly; SameSite=Lax; Secure");
  }
}
