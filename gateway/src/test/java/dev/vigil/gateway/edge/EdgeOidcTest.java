package dev.vigil.gateway.edge;

import static dev.vigil.gateway.edge.OidcEdge.browser;
import static dev.vigil.gateway.edge.OidcEdge.get;
import static dev.vigil.gateway.edge.OidcEdge.location;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.pdp.DecisionPoint;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sign-in through a real OpenID Connect server (mock-oauth2-server, started here on loopback): the
 * authorization code flow with PKCE end to end, and case C10 (login CSRF): a callback whose state
 * is missing, different or used before is refused before the code is redeemed.
 */
class EdgeOidcTest {

  static OidcEdge edge;
  static MockOAuth2Server idp;
  static EdgeGateway gateway;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    edge = OidcEdge.start(new DecisionPoint(DecisionPoint.Options.defaults().withV0(true)));
    idp = edge.idp();
    gateway = edge.gateway();
    port = edge.port();
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  void sre_signsInThroughTheProvider_andReadsProduction() throws Exception {
    HttpClient browser = browser();
    String callback = edge.callbackUrl(browser, "alice", List.of("sre"));

    HttpResponse<String> back = get(browser, callback);

    assertThat(back.statusCode()).isEqualTo(302);
    assertThat(location(back)).isEqualTo("/reports");
    HttpResponse<String> page = get(browser, edge.gw("/reports"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("hello alice");
  }

  @Test
  void developer_signsIn_butThePolicyDenies() throws Exception {
    HttpClient browser = browser();
    get(browser, edge.callbackUrl(browser, "bob", List.of("dev")));

    assertThat(get(browser, edge.gw("/reports")).statusCode()).isEqualTo(403);
  }

  @Test
  void callbackWithoutTheBrowsersCookie_refusedWithoutSession_c10() throws Exception {
    String callback = edge.callbackUrl(browser(), "alice", List.of("sre"));

    HttpResponse<String> attacker = get(HttpClient.newHttpClient(), callback);

    assertThat(attacker.statusCode()).isEqualTo(403);
    assertThat(attacker.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith("vigil_session="));
  }

  @Test
  void callbackWithAnotherState_refused_c10() throws Exception {
    HttpClient browser = browser();
    String callback = edge.callbackUrl(browser, "alice", List.of("sre"));
    String forged = callback.replaceAll("state=[^&]+", "state=forged");

    assertThat(get(browser, forged).statusCode()).isEqualTo(403);
  }

  @Test
  void replayedCallback_refused_c10() throws Exception {
    HttpClient browser = browser();
    String callback = edge.callbackUrl(browser, "alice", List.of("sre"));
    String cookie =
        ((CookieManager) browser.cookieHandler().orElseThrow())
            .getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals(OidcLogin.COOKIE))
                .findFirst()
                .orElseThrow()
                .getValue();
    assertThat(get(browser, callback).statusCode()).isEqualTo(302);

    HttpResponse<String> replay =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(callback))
                    .header("Cookie", OidcLogin.COOKIE + "=" + cookie)
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(replay.statusCode()).isEqualTo(403);
  }
}
