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
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cookie tossing and login CSRF over TLS: the gateway's cookies there are {@code __Host-vigil_*}
 * (Secure, {@code Path=/}, no {@code Domain}), which a sibling subdomain or a plain-HTTP page of
 * the same host cannot set, and a cookie of the plain name, which they can, is never read there:
 * not the session, not the OpenID Connect sign-in state, not the login form's token. On the plain
 * listener the names stay as they were. The gateway, its users and the provider
 * (mock-oauth2-server) are real, on loopback.
 */
class EdgeCookiePrefixTest {

  static final String POLICY =
      """
      package t
      import rego.v1

      default allow := false

      allow if input.user.id
      """;

  @TempDir static Path tmp;
  static MockOAuth2Server corp;
  static HttpServer upstream;
  static ServerCertificate serverCert;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    corp = new MockOAuth2Server();
    corp.start(InetAddress.getLoopbackAddress(), 0);
    upstream =
        Fixtures.answering(
            ex ->
                ex.getRequestHeaders().getFirst("X-Vigil-User")
                    + " cookie="
                    + ex.getRequestHeaders().getFirst("Cookie"));
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles("t", Map.of("t.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    int tlsPort = Fixtures.freePort();
    InstantSource clock = InstantSource.system();
    SessionCodec sessions = Fixtures.sessions(clock);
    LocalAuthenticator local =
        new LocalAuthenticator(
            List.of(new LocalUser("ann", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            sessions,
            clock);
    OidcLogin provider =
        new OidcLogin(
            new OidcLogin.Config(
                URI.create(corp.issuerUrl("default").toString()),
                "vigil-gw",
                "secret",
                URI.create("https://127.0.0.1:" + tlsPort + "/auth/callback"),
                List.of("RS256")),
            sessions,
            clock);
    serverCert = ServerCertificate.selfSigned(tmp, Instant.now());
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(
                        new RouteTable(
                            List.of(
                                new Route(
                                    "app",
                                    "*",
                                    "/",
                                    up,
                                    "t/allow",
                                    Mode.ENFORCE,
                                    Map.of(),
                                    null)))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(
                    new EdgeSignIn(local, new IdentityProviders(List.of(provider)), List.of()))
                .withTls(new TlsListener("127.0.0.1", tlsPort, serverCert, null)));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    corp.shutdown();
  }

  @Test
  void tlsLocalSignIn_sessionCookieIsHostPrefixed_andSignsTheBrowserIn() throws Exception {
    HttpClient b = browser();

    HttpResponse<String> in = loginJson(b, tls("/auth/login"), null);

    assertThat(in.statusCode()).isEqualTo(200);
    assertThat(setCookie(in, "__Host-vigil_session="))
        .contains("; Path=/;", "; Secure", "HttpOnly", "SameSite=Lax")
        .doesNotContainIgnoringCase("domain");
    assertThat(get(b, tls("/docs"), null).body()).startsWith("ann ");
  }

  /**
   * Regression: a {@code vigil_session} cookie, which a page of a sibling subdomain or a script of
   * {@code http://} on the same host can set in the victim's browser, was read over TLS when the
   * gateway's own was absent, so an attacker could sign the victim in as the attacker.
   */
  @Test
  void tlsRequest_sessionCookieOfThePlainName_isIgnored() throws Exception {
    HttpResponse<String> plain = loginJson(HttpClient.newHttpClient(), plain("/auth/login"), null);
    String sealed = cookieValue(setCookie(plain, "vigil_session="));
    HttpClient noJar = trusting(HttpClient.newBuilder()).build();

    HttpResponse<String> tossed = get(noJar, tls("/docs"), "vigil_session=" + sealed);
    HttpResponse<String> prefixed = get(noJar, tls("/docs"), "__Host-vigil_session=" + sealed);

    assertThat(tossed.statusCode()).isEqualTo(302);
    assertThat(tossed.headers().firstValue("Location").orElse("")).startsWith("/auth/start");
    assertThat(prefixed.statusCode()).isEqualTo(200);
    assertThat(prefixed.body()).startsWith("ann ");
  }

  @Test
  void plainListener_keepsTheUnprefixedNames() throws Exception {
    HttpClient b = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

    HttpResponse<String> in = loginJson(b, plain("/auth/login"), null);
    HttpResponse<String> form = get(b, plain("/auth/login"), null);

    assertThat(setCookie(in, "vigil_session=")).doesNotContain("Secure");
    assertThat(setCookie(form, "vigil_login_csrf=")).contains("Path=/auth");
    assertThat(get(b, plain("/docs"), null).body()).startsWith("ann ");
  }

  @Test
  void tlsOidcSignIn_stateCookieIsHostPrefixed_andTheSignInCompletes() throws Exception {
    HttpClient b = browser();

    HttpResponse<String> started = get(b, tls("/auth/start?rd=%2Fdocs"), null);
    assertThat(setCookie(started, "__Host-vigil_oidc="))
        .contains("; Path=/;", "; Secure", "Max-Age=600")
        .doesNotContainIgnoringCase("domain");
    HttpResponse<String> callback = get(b, authorize(b, started, "bob"), null);

    assertThat(callback.statusCode()).isEqualTo(302);
    assertThat(setCookie(callback, "__Host-vigil_oidc=")).contains("Max-Age=0", "Secure");
    assertThat(setCookie(callback, "__Host-vigil_session=")).contains("Secure");
    assertThat(get(b, tls("/docs"), null).body()).startsWith("bob ");
  }

  /**
   * Regression: over TLS the callback read a {@code vigil_oidc} cookie, so an attacker who began a
   * sign-in as themselves could toss its state cookie into the victim's browser and hand it their
   * own authorization code (login CSRF).
   */
  @Test
  void tlsCallback_stateCookieOfThePlainName_refusedBeforeTheCodeIsRedeemed() throws Exception {
    HttpClient attacker = trusting(HttpClient.newBuilder()).build();
    HttpResponse<String> started = get(attacker, tls("/auth/start?rd=%2Fdocs"), null);
    String state = cookieValue(setCookie(started, "__Host-vigil_oidc="));
    String callback = authorize(attacker, started, "mallory");

    HttpResponse<String> victim = get(attacker, callback, "vigil_oidc=" + state);

    assertThat(victim.statusCode()).isEqualTo(403);
    assertThat(victim.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.contains("vigil_session=") && !c.contains("Max-Age=0"));
  }

  /** Regression: over TLS the login form's token was read from a {@code vigil_login_csrf}. */
  @Test
  void tlsLoginForm_tokenCookieOfThePlainName_refused() throws Exception {
    HttpClient noJar = trusting(HttpClient.newBuilder()).build();
    HttpResponse<String> form = get(noJar, tls("/auth/login"), null);
    String token = cookieValue(setCookie(form, "__Host-vigil_login_csrf="));
    assertThat(setCookie(form, "__Host-vigil_login_csrf="))
        .contains("; Path=/;", "; Secure", "SameSite=Strict");
    String body = "csrf=" + token + "&username=ann&password=pw&rd=%2Fdocs";

    HttpResponse<String> tossed = postForm(noJar, "vigil_login_csrf=" + token, body);
    HttpResponse<String> own = postForm(noJar, "__Host-vigil_login_csrf=" + token, body);

    assertThat(tossed.statusCode()).isEqualTo(403);
    assertThat(own.statusCode()).isEqualTo(303);
    assertThat(setCookie(own, "__Host-vigil_session=")).contains("Secure");
    assertThat(setCookie(own, "__Host-vigil_login_csrf=")).contains("Max-Age=0", "Secure");
  }

  @Test
  void tlsRequest_gatewayCookiesInAnySpelling_neverReachTheUpstream() throws Exception {
    HttpResponse<String> in = loginJson(browser(), tls("/auth/login"), null);
    String sealed = cookieValue(setCookie(in, "__Host-vigil_session="));

    HttpResponse<String> r =
        get(
            trusting(HttpClient.newBuilder()).build(),
            tls("/docs"),
            "__Host-vigil_session="
                + sealed
                + "; app=1; __HOST-VIGIL_x=2; __Secure-vigil_y=3; vigil_session=4; __Host-app=5");

    assertThat(r.body()).isEqualTo("ann cookie=app=1; __Host-app=5");
  }

  @Test
  void tlsLogout_expiresThePrefixedCookie() throws Exception {
    HttpClient b = browser();
    loginJson(b, tls("/auth/login"), null);

    HttpResponse<String> out =
        b.send(
            HttpRequest.newBuilder(URI.create(tls("/auth/logout")))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(setCookie(out, "__Host-vigil_session="))
        .isEqualTo("__Host-vigil_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0");
    assertThat(get(b, tls("/docs"), null).statusCode()).isEqualTo(302);
  }

  // ---- helpers ----

  static String tls(String path) {
    return "https://127.0.0.1:" + gateway.tlsPort() + path;
  }

  static String plain(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  static HttpClient browser() throws Exception {
    return trusting(HttpClient.newBuilder()).cookieHandler(new CookieManager()).build();
  }

  static HttpClient.Builder trusting(HttpClient.Builder b) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "gateway",
        dev.vigil.access.DeviceCertificates.certificates(serverCert.certificatePem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return b.sslContext(ssl);
  }

  static HttpResponse<String> get(HttpClient c, String url, String cookie) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html");
    if (cookie != null) {
      r.header("Cookie", cookie);
    }
    return c.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> loginJson(HttpClient c, String url, String cookie) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString("{\"username\":\"ann\",\"password\":\"pw\"}"));
    if (cookie != null) {
      r.header("Cookie", cookie);
    }
    return c.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> postForm(HttpClient c, String cookie, String body) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(tls("/auth/login")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", cookie)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Follows a started sign-in to the provider, which signs {@code sub} in, and returns the callback
   * URL it sends the browser to.
   */
  static String authorize(HttpClient c, HttpResponse<String> started, String sub) throws Exception {
    String authorize = started.headers().firstValue("Location").orElseThrow();
    corp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default", sub, "JWT", List.of("vigil-gw"), Map.of("amr", List.of("pwd")), 3600));
    HttpResponse<String> back = get(c, authorize, null);
    assertThat(back.statusCode()).isEqualTo(302);
    return back.headers().firstValue("Location").orElseThrow();
  }

  /** Returns the answer's one {@code Set-Cookie} that starts with {@code start}. */
  static String setCookie(HttpResponse<String> r, String start) {
    List<String> found =
        r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(start)).toList();
    assertThat(found).as("Set-Cookie %s... of %s", start, r.headers().map()).hasSize(1);
    return found.get(0);
  }

  static String cookieValue(String setCookie) {
    String pair = setCookie.split(";", 2)[0];
    return pair.substring(pair.indexOf('=') + 1);
  }
}
