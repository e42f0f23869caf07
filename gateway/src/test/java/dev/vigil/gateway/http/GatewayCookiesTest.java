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
}
