package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Security cases at the gateway beyond the inputs the case file lists: kind (b) spoofed routing and
 * identity headers, kind (c) open redirects through the whole OpenID Connect sign-in (C06, C07),
 * kind (e) cookie tampering, session fixation and login CSRF, and kind (h) odd or missing policy
 * answers (C16) with the decision log naming the reason.
 */
class EdgeSecurityCasesTest {

  static final Map<String, String> POLICIES =
      Map.of(
          "gw.rego",
          """
          package gw
          import rego.v1

          default allow := false
          allow if input.subject.id
          allow if startswith(input.request.path, "/public/")
          """,
          "c16.rego",
          """
          package c16undefined
          alow := true
          """,
          "c16s.rego",
          """
          package c16string
          allow := "true"
          """,
          "c16o.rego",
          """
          package c16object
          allow := {"allowed": true}
          """,
          "c16c.rego",
          """
          package c16conflict
          allow := true
          allow := false if { true }
          """,
          "c16ok.rego",
          """
          package c16named
          default allow := false
          allow if input.subject.id == "user-123"
          """,
          "slow.rego",
          """
          package slow
          import rego.v1
          allow if {
            every x in numbers.range(1, 3000) {
              every y in numbers.range(1, 3000) { x * y > 0 }
            }
          }
          """);

  @TempDir static Path tmp;
  static MockOAuth2Server idp;
  static HttpServer upstream;
  static final List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
  static EdgeGateway gateway;
  static SessionCodec sessions;
  static Store store;
  static DecisionLog log;

  @BeforeAll
  static void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    upstream =
        Fixtures.answering(
            ex -> {
              Map<String, List<String>> h = new HashMap<>(ex.getRequestHeaders());
              h.put(":path", List.of(ex.getRequestURI().getRawPath()));
              seen.add(h);
              return "ok";
            });
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp =
        new DecisionPoint(
            new DecisionPoint.Options(
                "local",
                InstantSource.system(),
                Duration.ofMillis(300),
                false,
                ModeTable.enforceAll(),
                Masking.none(),
                log));
    Map<String, byte[]> files = new HashMap<>();
    POLICIES.forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
    pdp.activate(BundleReader.fromFiles("gw", files));
    int port = Fixtures.freePort();
    sessions =
        new SessionCodec(
            SessionCodec.newKey(),
            Duration.ofMinutes(30),
            Duration.ofHours(8),
            InstantSource.system());
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    List<Route> routes = new java.util.ArrayList<>();
    routes.add(new Route("app", "*", "/", up, "gw/allow", Mode.ENFORCE, Map.of(), null));
    routes.add(
        new Route("trial", "trial.example", "/", up, "gw/allow", Mode.MONITOR, Map.of(), null));
    for (String p :
        List.of(
            "c16undefined",
            "c16string",
            "c16object",
            "c16conflict",
            "c16named",
            "slow",
            "nothing")) {
      routes.add(new Route(p, p + ".example", "/", up, p + "/allow", Mode.ENFORCE, Map.of(), null));
    }
    LocalAuthenticator local =
        new LocalAuthenticator(
            List.of(
                new LocalUser("user-123", "", List.of(), List.of(), PasswordHash.hash("pw"), null),
                new LocalUser("mallory", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            sessions,
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
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(new RouteTable(routes)),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                    InstantSource.system())
                .withSignIn(
                    new EdgeSignIn(
                        local, new IdentityProviders(List.of(oidc)), List.of(".example.com"))));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    idp.shutdown();
    log.close();
    store.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  static String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  static String[] raw(String target, String host, String... headers) throws Exception {
    return EdgeGatewayTest.raw(gateway.port(), target, host, headers);
  }

  static String sessionCookie(String user) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/auth/login")))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"" + user + "\",\"password\":\"pw\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    String set = r.headers().firstValue("Set-Cookie").orElseThrow();
    return set.substring(0, set.indexOf(';'));
  }

  static String awaitEvent(String id) throws InterruptedException {
    return Fixtures.awaitRecord(store, id).eventJson();
  }

  static String decisionId(String[] response) {
    return response[1].replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
  }

  // Kind (b): routing and identity headers a client may not set.

  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Forwarded-Host: trial.example",
        "Forwarded: host=trial.example;proto=https",
        "X-Original-URL: /public/health",
        "X-Rewrite-URL: /public/health",
        "X-Forwarded-Prefix: /public",
        "X-Forwarded-Uri: /public/health",
        "X_Forwarded_Host: trial.example",
        "X-Original-Host: trial.example"
      })
  void spoofedRoutingHeader_neverPicksRouteOrPath_c05(String header) throws Exception {
    String[] r = raw("/admin", "app.example", header);

    assertThat(r[0]).isEqualTo("401");
    assertThat(seen).isEmpty();
  }

  @Test
  void spoofedClientAddress_neverReachesThePolicyInput_c05() throws Exception {
    String[] r =
        raw(
            "/admin",
            "app.example",
            "X-Forwarded-For: 10.9.8.7",
            "X-Real-IP: 10.9.8.7",
            "Forwarded: for=10.9.8.7");

    String event = awaitEvent(decisionId(r));
    assertThat(event).contains("\"source_ip\":\"127.0.0.1\"").doesNotContain("10.9.8.7");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Vigil-User",
        "x-vigil-user",
        "X_VIGIL_USER",
        "X-Vigil_User",
        "X-Vigil-Roles",
        "X-Vigil-Email",
        "X-Vigil-Decision-Id",
        "X-Vigil-Assertion",
        "X-Forwarded-User",
        "X-Forwarded-Email",
        "X-Auth-Request-User",
        "Remote-User",
        "X-Remote-User",
        "X-Spiffe-Id",
        "X-Client-Cert",
        "X-Forwarded-Client-Cert",
        "True-Client-IP",
        "CF-Connecting-IP",
        "X-Client-IP",
        "X-Cluster-Client-IP",
        "X-Envoy-External-Address",
        "X-ProxyUser-Ip",
        "X-Amzn-Oidc-Identity",
        "X-Amzn-Oidc-Data",
        "X-Goog-Authenticated-User-Email",
        "X-Ms-Client-Principal-Name",
        "X-User",
        "Ssl-Client-Verify",
        "X-HTTP-Method-Override",
        "X-HTTP-Method",
        "X-Method-Override"
      })
  void spoofedIdentityHeader_neverReachesTheUpstreamOrMakesOneSignedIn(String name)
      throws Exception {
    String[] anonymous = raw("/admin", "app.example", name + ": user-123");
    String[] signedIn =
        raw("/info", "app.example", name + ": user-123", "Cookie: " + sessionCookie("mallory"));

    assertThat(anonymous[0]).isEqualTo("401");
    assertThat(signedIn[0]).isEqualTo("200");
    Map<String, List<String>> h = seen.get(0);
    h.forEach((k, v) -> assertThat(v).as(k).noneMatch(x -> x.equals("user-123")));
  }

  /**
   * Regression: of several identity-header families only some names were removed, so their siblings
   * reached the upstream as the client wrote them: Grafana's auth proxy lost {@code X-Webauth-User}
   * but kept {@code X-Webauth-Role: Admin}, Authelia's {@code Remote-Groups}, Kubernetes' {@code
   * X-Remote-Group}, an nginx client-certificate pair {@code X-Ssl-Client-Verify: SUCCESS} with
   * {@code X-Ssl-Client-S-Dn}, and the identity headers of identity-aware proxies beside those
   * already removed (Cloudflare Access, Pomerium, authentik, Tailscale, Vouch). Each family is
   * removed whole.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "X-Webauth-Role",
        "X-WEBAUTH-GROUPS",
        "X-Webauth-Name",
        "X-Auth-Request-Access-Token",
        "X-Auth-Request-Roles",
        "Remote-Groups",
        "Remote-Email",
        "Remote-Name",
        "X-Remote-Group",
        "X-Remote-Extra-Scopes",
        "X-Authenticated-Scope",
        "X-Authenticated-Groups",
        "Ssl-Client-S-Dn",
        "X-Ssl-Client-Verify",
        "X-Ssl-Client-S-Dn",
        "X-Client-Cert-Present",
        "X-Client-Cert-Chain-Verified",
        "Cf-Access-Authenticated-User-Email",
        "Cf-Access-Jwt-Assertion",
        "X-Pomerium-Claim-Email",
        "X-Pomerium-Jwt-Assertion",
        "X-Authentik-Username",
        "X-authentik-groups",
        "Tailscale-User-Login",
        "X-Vouch-User"
      })
  void spoofedHeaderOfAnIdentityFamily_neverReachesTheUpstream(String name) throws Exception {
    String[] r =
        raw("/info", "app.example", name + ": user-123", "Cookie: " + sessionCookie("mallory"));

    assertThat(r[0]).isEqualTo("200");
    Map<String, List<String>> h = seen.get(0);
    h.forEach((k, v) -> assertThat(v).as(k).noneMatch(x -> x.equals("user-123")));
  }

  @Test
  void gatewayCookies_neverReachTheUpstream_othersDo() throws Exception {
    String[] r =
        raw(
            "/info",
            "app.example",
            "Cookie: app=1; "
                + sessionCookie("mallory")
                + "; vigil_oidc=sealed; vigil_login_csrf=t; vigil_console=c; Vigil_Other=o; b=2");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seen.get(0).get("Cookie")).containsExactly("app=1; b=2");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"c16undefined.example.", "C16UNDEFINED.Example.", "c16undefined.example.:8080"})
  void hostWithTrailingDotOrCase_stillMatchesItsOwnRoute(String host) throws Exception {
    // The catch-all route allows /public/; the host's own route (undefined policy) denies.
    String[] r = raw("/public/x", host);

    assertThat(r[0]).isEqualTo("401");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"c16undefined.example..", ".c16undefined.example", "a..b", "a~b", "a b"})
  void hostWithEmptyLabelOrForeignCharacter_refused400(String host) throws Exception {
    assertThat(raw("/public/x", host)[0]).isEqualTo("400");
    assertThat(seen).isEmpty();
  }

  @Test
  void upstream_getsTheNormalisedHostInXForwardedHost() throws Exception {
    assertThat(raw("/public/x", "App.Example.:8080")[0]).isEqualTo("200");
    assertThat(seen.get(0).get("X-forwarded-host")).containsExactly("app.example:8080");
  }

  @Test
  void http11RequestWithoutHost_refused400_http10Allowed() throws Exception {
    for (String version : List.of("HTTP/1.1", "HTTP/1.0")) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
        s.getOutputStream()
            .write(
                ("GET /public/x " + version + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer)
            .as(version)
            .startsWith(version.equals("HTTP/1.1") ? "HTTP/1.1 400" : "HTTP/1.0 200");
      }
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void absoluteFormTarget_refused400_withAClearMessage() throws Exception {
    String[] r = raw("http://evil.example/public/x", "app.example");

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).contains("absolute form");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%2Fb", "/a%C0%AFb", "/info/..;/private"})
  void pathRefusal_isADeniedDecisionWithAnIdAndItsReason(String target) throws Exception {
    String[] r = raw(target, "app.example");

    assertThat(r[0]).isEqualTo("400");
    String id = decisionId(r);
    assertThat(r[1]).contains("X-Vigil-Decision-Id: " + id);
    String event = awaitEvent(id);
    assertThat(event)
        .contains("\"allowed\":false")
        .contains("\"path\":\"" + EdgeGateway.REQUEST_LOG_PATH + "\"")
        .contains("\"refusal\":\"BAD_PATH\"")
        .contains("refused: the request path is ambiguous");
    assertThat(seen).isEmpty();
  }

  @Test
  void hostRefusal_isADeniedDecisionWithAnId() throws Exception {
    String[] r = raw("/info", "a..b");

    assertThat(r[0]).isEqualTo("400");
    assertThat(awaitEvent(decisionId(r)))
        .contains("\"refusal\":\"BAD_HOST\"")
        .contains("refused: the Host header is not a host name");
  }

  /**
   * Regression: of two Authorization headers the gateway read the first as the caller's bearer
   * token and forwarded both, so the upstream could take the other for the caller's.
   */
  @Test
  void twoAuthorizationHeaders_refused400_neverForwarded() throws Exception {
    String[] r =
        raw("/public/x", "app.example", "Authorization: Bearer a", "Authorization: Bearer b");

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).contains("the request has 2 Authorization headers; send one");
    assertThat(awaitEvent(decisionId(r))).contains("\"refusal\":\"BAD_AUTHORIZATION\"");
    assertThat(seen).isEmpty();
  }

  // Kind (c): the post-login target, checked at /auth/start and again at the callback.

  static String loginThroughProvider(String rd) throws Exception {
    HttpClient b = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpResponse<String> start =
        b.send(
            HttpRequest.newBuilder(URI.create(url("/auth/start?rd=" + rd))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(start.statusCode()).isEqualTo(302);
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default", "alice", "JWT", List.of("vigil-gw"), Map.of(), 3600));
    HttpResponse<String> authorize =
        b.send(
            HttpRequest.newBuilder(URI.create(start.headers().firstValue("Location").orElseThrow()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> back =
        b.send(
            HttpRequest.newBuilder(
                    URI.create(authorize.headers().firstValue("Location").orElseThrow()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(back.statusCode()).isEqualTo(302);
    return back.headers().firstValue("Location").orElseThrow();
  }

  @ParameterizedTest(name = "rd={0} -> {1}")
  @CsvSource({
    "//evil.example/, /",
    "/%5Cevil.example, /",
    "/%09/evil.example, /",
    "/%0a/evil.example, /",
    "/%0b/evil.example, /",
    "/%0d/evil.example, /",
    "/%20%5Cevil.example, /",
    "/.%2F%5Cevil.example, /",
    "%5C%5Cevil.example, /",
    "/%2F/evil.example, /",
    "https:evil.example, /",
    "/%E3%80%82/evil.example, /%E3%80%82/evil.example",
    "/app/page%3Fx%3D1, /app/page?x=1",
    "https%3A%2F%2Fapp.example.com%2Fx, https://app.example.com/x",
    "https%3A%2F%2Fbadexample.com%2Fx, /",
    "https%3A%2F%2Fexample.com.evil.example%2Fx, /",
    "https%3A%2F%2Fevil.example%2Fx%3Fnext%3Dapp.example.com, /",
    "https%3A%2F%2Fapp.example.com%40evil.example%2F, /",
    "https%3A%2F%2Fapp.example.com%3A8443%2Fx, /",
    "https%3A%2F%2Fapp.example.com%5C%40evil.example%2F, /",
    "https%3A%2F%2FAPP.EXAMPLE.COM.%2Fx, /",
  })
  void postLoginTarget_checkedAtStartAndCallback_c06c07(String rd, String want) throws Exception {
    assertThat(loginThroughProvider(rd)).isEqualTo(want);
  }

  // Kind (e): cookies, sessions and login CSRF.

  static String flip(String cookieValue, int at) {
    byte[] raw = Base64.getUrlDecoder().decode(cookieValue);
    raw[at % raw.length] ^= 0x01;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  @Test
  void tamperedSessionCookie_isAnonymous() throws Exception {
    String good = sessionCookie("user-123").substring(SessionCodec.COOKIE.length() + 1);
    SessionCodec otherKey =
        new SessionCodec(
            SessionCodec.newKey(),
            Duration.ofMinutes(30),
            Duration.ofHours(8),
            InstantSource.system());
    String sealedElsewhere =
        otherKey.seal(
            otherKey.start(
                new LocalUser("user-123", "", List.of(), List.of(), "", null), List.of("pwd")));
    List<String> forged =
        List.of(
            flip(good, 0),
            flip(good, 13),
            flip(good, 200),
            good.substring(0, good.length() - 4),
            good + "AAAA",
            "",
            "\"" + flip(good, 40) + "\"",
            "%%%not-base64%%%",
            sessions.sealText(OidcLogin.COOKIE, "user-123"),
            sealedElsewhere);

    for (String f : forged) {
      String[] r = raw("/admin", "app.example", "Cookie: " + SessionCodec.COOKIE + "=" + f);
      assertThat(r[0]).as(f).isEqualTo("401");
    }
    assertThat(raw("/admin", "app.example", "Cookie: " + SessionCodec.COOKIE + "=" + good)[0])
        .isEqualTo("200");
    assertThat(seen).hasSize(1);
  }

  @Test
  void plantedSessionCookie_isReplacedAtSignIn_sessionFixation() throws Exception {
    CookieManager jar = new CookieManager();
    HttpClient victim = HttpClient.newBuilder().cookieHandler(jar).build();
    String planted = sessionCookie("mallory");
    jar.getCookieStore()
        .add(URI.create(url("/")), HttpCookie.parse("Set-Cookie: " + planted + "; Path=/").get(0));

    HttpResponse<String> login =
        victim.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"user-123\",\"password\":\"pw\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    String issued = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(issued.substring(0, issued.indexOf(';'))).isNotEqualTo(planted);
    raw("/who", "user-123.example", "Cookie: " + issued.substring(0, issued.indexOf(';')));
    String[] plantedAfter = raw("/who", "app.example", "Cookie: " + planted);
    assertThat(seen.get(0).get("X-vigil-user")).containsExactly("user-123");
    // The sign-in ends every session the browser presented, the planted one too.
    assertThat(plantedAfter[0]).isNotEqualTo("200");
    assertThat(seen).hasSize(1);
  }

  @Test
  void oidcCallback_withATamperedSignInCookie_refusedBeforeRedeeming_c10() throws Exception {
    CookieManager jar = new CookieManager();
    HttpClient b = HttpClient.newBuilder().cookieHandler(jar).build();
    HttpResponse<String> start =
        b.send(
            HttpRequest.newBuilder(URI.create(url("/auth/start?rd=%2F"))).build(),
            HttpResponse.BodyHandlers.ofString());
    String state =
        start
            .headers()
            .firstValue("Location")
            .orElseThrow()
            .replaceAll(".*[?&]state=([^&]+).*", "$1");
    String cookie =
        jar.getCookieStore().getCookies().stream()
            .filter(c -> c.getName().equals(OidcLogin.COOKIE))
            .findFirst()
            .orElseThrow()
            .getValue();

    Fixtures.tokenRequests(idp);

    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(url("/auth/callback?code=attacker-code&state=" + state)))
                    .header("Cookie", OidcLogin.COOKIE + "=" + flip(cookie, 30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "=") && !c.contains("Max-Age=0"));
    assertThat(Fixtures.tokenRequests(idp)).as("the code is never redeemed").isEmpty();
  }

  @Test
  void loginForm_postedWithAnotherBrowsersToken_refused_loginCsrf() throws Exception {
    HttpClient attacker = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpClient victim = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String form =
        attacker
            .send(
                HttpRequest.newBuilder(URI.create(url("/auth/login"))).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    victim.send(
        HttpRequest.newBuilder(URI.create(url("/auth/login"))).build(),
        HttpResponse.BodyHandlers.ofString());
    String token = form.replaceAll("(?s).*name=csrf value=\"([^\"]+)\".*", "$1");

    HttpResponse<String> r =
        victim.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf="
                            + URLEncoder.encode(token, StandardCharsets.UTF_8)
                            + "&username=mallory&password=pw"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "="));
  }

  // Kind (h): only a JSON true allows; anything else is a denial the log explains.

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "c16undefined, undefined",
    "c16string, non-boolean",
    "c16object, non-boolean",
    "c16conflict, error",
    "slow, error",
    "nothing, undefined"
  })
  void oddOrMissingPolicyAnswer_neverForwards_andTheLogSaysWhy_c16(String route, String reason)
      throws Exception {
    String[] r = raw("/x", route + ".example", "Cookie: " + sessionCookie("user-123"));

    assertThat(r[0]).isEqualTo("403");
    assertThat(seen).isEmpty();
    assertThat(awaitEvent(decisionId(r))).contains("\"reason\":\"" + reason);
  }

  @Test
  void namedUser_forwarded_othersDenied_c16Bundle5() throws Exception {
    assertThat(raw("/x", "c16named.example", "Cookie: " + sessionCookie("user-123"))[0])
        .isEqualTo("200");
    assertThat(raw("/x", "c16named.example", "Cookie: " + sessionCookie("mallory"))[0])
        .isEqualTo("403");
    assertThat(seen).hasSize(1);
  }

  @Test
  void decisionPointStopped_neverForwards_c16() throws Exception {
    try (Store own = Store.open(StoreLocation.embedded(tmp.resolve("stopped")))) {
      DecisionLog ownLog = new DecisionLog(own, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(ownLog));
      pdp.activate(
          BundleReader.fromFiles(
              "open", Map.of("open.rego", "package open\nallow := true\n".getBytes())));
      URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
      try (EdgeGateway gw =
          EdgeGateway.start(
              EdgeGateway.Settings.of(
                  "127.0.0.1",
                  0,
                  new AtomicReference<>(
                      new RouteTable(
                          List.of(
                              new Route(
                                  "o", "*", "/", up, "open/allow", Mode.ENFORCE, Map.of(), null)))),
                  pdp,
                  new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                  InstantSource.system()))) {
        assertThat(EdgeGatewayTest.raw(gw.port(), "/x", "o.example")[0]).isEqualTo("200");

        pdp.close();
        String[] r = EdgeGatewayTest.raw(gw.port(), "/x", "o.example");

        assertThat(r[0]).isIn("401", "403", "503");
        assertThat(seen).hasSize(1);
      }
    }
  }
}
