package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which headers of an upstream's answer are Vigil's own, and so never relayed to the caller. */
class AnswerHygieneTest {

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "X-Vigil-Decision-Id | abc | true",
        "x-vigil-decision-id | abc | true",
        "x_vigil_decision_id | abc | true",
        "X_VIGIL-Spiffe_Id | spiffe://x/y | true",
        "X-Vigil-Anything-Added-Later | v | true",
        "x-vigil- | v | true",
        "X-Vigilant | v | false",
        "x-vigi | v | false",
        "X-App-Vigil-Decision-Id | v | false",
        "Set-Cookie | vigil_session=x; Path=/ | true",
        "set-cookie | '  VIGIL_OIDC=x' | true",
        "SET_COOKIE | Vigil_Login_Csrf = x | true",
        "Set-Cookie | vigil_console=x | true",
        "Set-Cookie | vigil_future_cookie=x | true",
        "Set-Cookie | app=vigil_session | false",
        "Set-Cookie | app_session=x; Path=/vigil_session= | false",
        // Nameless cookies (RFC 6265bis 5.6) come back as their value alone: vigil_session=x.
        "Set-Cookie | =vigil_session=x; Path=/deep | true",
        "Set-Cookie | ' = VIGIL_SESSION=x' | true",
        "Set-Cookie | ==vigil_oidc=x | true",
        "Set-Cookie | vigil_session | true",
        "Set-Cookie | vigil_session; Path=/ | true",
        "Set-Cookie | =app=vigil_session | false",
        // Cookie jars that split at commas (the JDK's CookieManager) store a second cookie.
        "Set-Cookie | 'app=1, vigil_session=x' | true",
        // Over TLS the edge's cookies carry the __Host- prefix; browsers read prefixes in any case.
        "Set-Cookie | __Host-vigil_session=x; Path=/; Secure | true",
        "Set-Cookie | __HOST-VIGIL_OIDC=x | true",
        "Set-Cookie | __host-Vigil_Login_Csrf=x | true",
        "Set-Cookie | __Secure-vigil_session=x | true",
        "Set-Cookie | =__Host-vigil_session=x | true",
        "Set-Cookie | 'app=1, __Host-vigil_future=x' | true",
        "Set-Cookie | __Host-app=1; Path=/; Secure | false",
        "Set-Cookie | __Host-vigil | false",
        "Set-Cookie | __Host-__Host-vigil_session=x | false",
        "Set-Cookie | 'app=1; Version=1,VIGIL_OIDC=x' | true",
        "Set-Cookie | 'app=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT' | false",
        "Set-Cookie | 'app=1, =vigil_session=x' | true",
        "Set-Cookie | vigil-session=x | false",
        "X-Set-Cookie | vigil_session=x | false",
        "Location | /vigil_session=x | false",
        "WWW-Authenticate | Bearer realm=\"vigil\" | false",
        "grpc-status | 0 | false",
      })
  void owned_nameAndValue_onlyVigilsOwn(String name, String value, boolean owned) {
    assertThat(AnswerHygiene.owned(name, value)).isEqualTo(owned);
  }

  @Test
  void owned_setCookieOfEveryCookieVigilSets_isOwned() {
    for (String cookie : GatewayCookies.ALL) {
      assertThat(AnswerHygiene.owned("Set-Cookie", cookie + "=v; Path=/")).as(cookie).isTrue();
    }
  }

  @Test
  void owned_setCookieOfEveryCookieVigilSetsOverTls_isOwned() {
    for (String cookie : GatewayCookies.ALL) {
      String header = GatewayCookies.setCookie(cookie, "v", true, "/auth", "Lax", 60);
      assertThat(AnswerHygiene.owned("Set-Cookie", header)).as(header).isTrue();
    }
  }
}
