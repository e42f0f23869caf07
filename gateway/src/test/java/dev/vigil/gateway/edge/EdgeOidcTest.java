package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sign-in through a real OpenID Connect server (mock-oauth2-server, started here on loopback): the
 * authorization code flow with PKCE end to end, and case C10 (login CSRF): a callback whose state
 * is missing, different or used before is refused before the code is redeemed.
 */
class EdgeOidcTest {

  static MockOAuth2Server idp;
  static HttpServer upstream;
  static EdgeGateway gateway;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body =
              ("hello " + ex.getRequestHeaders().getFirst("X-Vigil-User"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withV0(true));
    pdp.activate(
        BundleReader.fromFiles(
            "authz",
            Map.of("authz.rego", Files.readAllBytes(Path.of("../examples/authz/authz.rego")))));
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    SessionCodec sessions =
        new SessionCodec(
            SessionCodec.newKey(),
            Duration.ofMinutes(30),
            Duration.ofHours(8),
            InstantSource.system());
    OidcLogin oidc =
        new OidcLogin(
            new OidcLogin.Config(
                URI.create(idp.issuerUrl("default").toString()),
                "vigil-gw",
                "secret",
                URI.create("http://127.0.0.1:" + port + "/auth/callback"),
                List.of("RS256")),
            sessions,
            InstantSource.system());
    Route route =
        new Route(
            "prod-app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "authz/allow",
            Mode.ENFORCE,
            Map.of("environment", "production"),
            null);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                    InstantSource.system())
                .withLocalUsers(
                    new LocalAuthenticator(List.of(), sessions, InstantSource.system()), oidc));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    idp.shutdown();
  }

  private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String location(HttpResponse<String> r) {
    return r.headers().firstValue("Location").orElseThrow();
  }

  private static String gw(String path) {
    return path.startsWith("http") ? path : "http://127.0.0.1:" + port + path;
  }

  /** Walks the browser from a protected page to the provider and back to the callback URL. */
  private static String callbackUrl(HttpClient browser, String subject, List<String> roles)
      throws Exception {
    HttpResponse<String> first = get(browser, gw("/reports"));
    assertThat(first.statusCode()).isEqualTo(302);
    assertThat(location(first)).startsWith("/auth/start?rd=");
    HttpResponse<String> start = get(browser, gw(location(first)));
    assertThat(start.statusCode()).isEqualTo(302);
    assertThat(location(start))
        .contains("code_challenge_method=S256")
        .contains("nonce=")
        .contains("state=");
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default",
            subject,
            "JWT",
            List.of("vigil-gw"),
            Map.of("roles", roles, "amr", List.of("pwd", "otp")),
            3600));
    HttpResponse<String> authorize = get(browser, location(start));
    assertThat(authorize.statusCode()).isEqualTo(302);
    return location(authorize);
  }

  private static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  }

  @Test
  void sre_signsInThroughTheProvider_andReadsProduction() throws Exception {
    HttpClient browser = browser();
    String callback = callbackUrl(browser, "alice", List.of("sre"));

    HttpResponse<String> back = get(browser, callback);

    assertThat(back.statusCode()).isEqualTo(302);
    assertThat(location(back)).isEqualTo("/reports");
    HttpResponse<String> page = get(browser, gw("/reports"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("hello alice");
  }

  @Test
  void developer_signsIn_butThePolicyDenies() throws Exception {
    HttpClient browser = browser();
    get(browser, callbackUrl(browser, "bob", List.of("dev")));

    assertThat(get(browser, gw("/reports")).statusCode()).isEqualTo(403);
  }

  @Test
  void callbackWithoutTheBrowsersCookie_refusedWithoutSession_c10() throws Exception {
    String callback = callbackUrl(browser(), "alice", List.of("sre"));

    HttpResponse<String> attacker = get(HttpClient.newHttpClient(), callback);

    assertThat(attacker.statusCode()).isEqualTo(403);
    assertThat(attacker.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith("vigil_session="));
  }

  @Test
  void callbackWithAnotherState_refused_c10() throws Exception {
    HttpClient browser = browser();
    String callback = callbackUrl(browser, "alice", List.of("sre"));
    String forged = callback.replaceAll("state=[^&]+", "state=forged");

    assertThat(get(browser, forged).statusCode()).isEqualTo(403);
  }

  @Test
  void replayedCallback_refused_c10() throws Exception {
    HttpClient browser = browser();
    String callback = callbackUrl(browser, "alice", List.of("sre"));
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
