package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.http.OAuth2HttpRequest;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponseKt;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The must-show end-to-end case of the gateway for people, against real OpenID Connect servers (two
 * mock-oauth2-server instances on loopback): sign-in, MFA step-up on a route whose policy demands
 * it (the provider is told which amr/acr to issue per login), access allowed and denied per policy,
 * sign-out; the TOTP step-up of local users; token refresh and sign-out when it fails; a route that
 * takes only its own provider's sessions.
 */
class EdgeStepUpTest {

  static final String POLICY =
      """
      package portal
      import rego.v1

      default allow := false

      allow if {
        input.subject.id
        startswith(input.request.path, "/docs")
      }

      allow if {
        admin_path
        "admin" in input.subject.roles
        input.subject.mfa
      }

      allow if {
        startswith(input.request.path, "/partner")
        input.subject.idp == "partner"
      }

      admin_path if startswith(input.request.path, "/admin")

      obligations["step_up"] := "mfa" if {
        admin_path
        "admin" in input.subject.roles
        not input.subject.mfa
      }

      decision := {"allow": allow, "obligations": obligations}
      """;

  static final String MFA_ACR = "urn:example:mfa";
  static final String LOCAL_TOTP = Totp.newSecret();
  static final String ERIN_TOTP = Totp.newSecret();

  @TempDir static Path tmp;
  static MockOAuth2Server corp;
  static MockOAuth2Server partner;
  static HttpServer upstream;
  static EdgeGateway gateway;
  static Store store;
  static DecisionLog log;
  static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  static final InstantSource clock = () -> now.get();

  /** The gateway's bound on bearer checks and refreshes: one at once, none waiting. */
  static final BoundedWork tokenChecks =
      BoundedWork.tokenChecks(new BoundedWork.Limits(1, 0, Duration.ofSeconds(5)));

  /**
   * When set, the provider's next refresh grant says it has arrived (the first latch) and is
   * answered only once the second is released; null: refreshes are answered by the provider.
   */
  static final AtomicReference<CountDownLatch[]> holdRefresh = new AtomicReference<>();

  /** Answers a refresh held by {@link #holdRefresh}: new tokens without an ID token. */
  static final class HeldRefresh implements no.nav.security.mock.oauth2.http.Route {
    @Override
    public boolean match(OAuth2HttpRequest req) {
      return holdRefresh.get() != null
          && req.getUrl().encodedPath().endsWith("/token")
          && req.getBody() != null
          && req.getBody().contains("grant_type=refresh_token");
    }

    @Override
    public OAuth2HttpResponse invoke(OAuth2HttpRequest req) {
      CountDownLatch[] held = holdRefresh.getAndSet(null);
      held[0].countDown();
      try {
        held[1].await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return OAuth2HttpResponseKt.json(
          Map.of(
              "access_token", "a2",
              "token_type", "Bearer",
              "expires_in", 3600,
              "refresh_token", "r2"));
    }
  }

  @BeforeAll
  static void start() throws Exception {
    corp = new MockOAuth2Server(new HeldRefresh());
    corp.start(InetAddress.getLoopbackAddress(), 0);
    partner = new MockOAuth2Server();
    partner.start(InetAddress.getLoopbackAddress(), 0);
    upstream =
        Fixtures.answering(
            ex ->
                ex.getRequestHeaders().getFirst("X-Vigil-User")
                    + " "
                    + ex.getRequestHeaders().getFirst("X-Vigil-Decision-Id"));
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "portal", Map.of("portal.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    gateway = startGateway(pdp);
  }

  static EdgeGateway startGateway(DecisionPoint pdp) throws Exception {
    int port = Fixtures.freePort();
    SessionCodec sessions =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    URI callback = URI.create("http://127.0.0.1:" + port + "/auth/callback");
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    RouteTable routes =
        new RouteTable(
            List.of(
                new Route("portal", "*", "/", up, "portal/decision", Mode.ENFORCE, Map.of(), null),
                new Route(
                    "partner",
                    "*",
                    "/partner",
                    up,
                    "portal/decision",
                    Mode.ENFORCE,
                    Map.of(),
                    null,
                    "partner")));
    LocalAuthenticator local =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "carol", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), LOCAL_TOTP),
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null),
                new LocalUser(
                    "erin", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), ERIN_TOTP)),
            sessions,
            clock,
            true);
    return EdgeGateway.start(
        EdgeGateway.Settings.of(
                "127.0.0.1",
                port,
                new AtomicReference<>(routes),
                pdp,
                new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                clock)
            .withSignIn(
                new EdgeSignIn(
                    local,
                    new IdentityProviders(
                        List.of(
                            provider("corp", corp, callback, sessions),
                            provider("partner", partner, callback, sessions))),
                    List.of(),
                    null,
                    tokenChecks)));
  }

  static OidcLogin provider(String name, MockOAuth2Server s, URI callback, SessionCodec sessions) {
    return new OidcLogin(
        new OidcLogin.Config(
            name,
            URI.create(s.issuerUrl("default").toString()),
            "vigil-gw",
            "secret",
            callback,
            List.of("RS256"),
            List.of("openid", "email"),
            List.of(),
            List.of(MFA_ACR),
            List.of("mfa", "otp", "hwk"),
            Duration.ofSeconds(30)),
        sessions,
        clock);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    corp.shutdown();
    partner.shutdown();
    log.close();
    store.close();
  }

  @BeforeEach
  void reset() {
    now.set(Instant.now());
  }

  static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  }

  static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    String full = url.startsWith("http") ? url : "http://127.0.0.1:" + gateway.port() + url;
    return c.send(
        HttpRequest.newBuilder(URI.create(full)).header("Accept", "text/html").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String location(HttpResponse<String> r) {
    return r.headers().firstValue("Location").orElseThrow(() -> new AssertionError(r.statusCode()));
  }

  static Map<String, String> query(String url) {
    Map<String, String> m = new HashMap<>();
    for (String p : URI.create(url).getRawQuery().split("&")) {
      int eq = p.indexOf('=');
      m.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  /** Who signs in at the provider, and the claims it issues for them. */
  record Who(String sub, Map<String, Object> claims, long expiry) {
    DefaultOAuth2TokenCallback callback() {
      return new DefaultOAuth2TokenCallback(
          "default", sub, "JWT", List.of("vigil-gw"), claims, expiry);
    }
  }

  static Who login(String sub, List<String> roles, Map<String, Object> more) {
    return login(sub, roles, more, 3600);
  }

  static Who login(String sub, List<String> roles, Map<String, Object> more, long expiry) {
    Map<String, Object> claims = new HashMap<>(more);
    claims.put("roles", roles);
    return new Who(sub, claims, expiry);
  }

  /** A sign-in through the provider: the provider's authorize URL and the callback's answer. */
  record Flow(String authorizeUrl, HttpResponse<String> callback) {}

  /**
   * Follows /auth/start (the Location of a challenge) through the provider to the callback. When
   * the provider shows its login form ({@code prompt=login}), the test signs in there as {@code
   * who}, with the same claims.
   */
  static Flow signIn(HttpClient b, String challenge, MockOAuth2Server idp, Who who)
      throws Exception {
    HttpResponse<String> start = get(b, challenge);
    assertThat(start.statusCode()).isEqualTo(302);
    String authorize = location(start);
    idp.enqueueCallback(who.callback());
    HttpResponse<String> back = get(b, authorize);
    if (back.statusCode() == 200) {
      String form =
          "username="
              + who.sub()
              + "&claims="
              + java.net.URLEncoder.encode(json(who.claims()), StandardCharsets.UTF_8);
      back =
          b.send(
              HttpRequest.newBuilder(URI.create(authorize))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }
    assertThat(back.statusCode()).isEqualTo(302);
    return new Flow(authorize, get(b, location(back)));
  }

  /** Writes claims (strings, numbers and lists of strings) as JSON for the provider's form. */
  static String json(Map<String, Object> claims) {
    StringBuilder sb = new StringBuilder("{");
    claims.forEach(
        (k, v) -> {
          if (sb.length() > 1) {
            sb.append(',');
          }
          sb.append('"').append(k).append("\":").append(value(v));
        });
    return sb.append('}').toString();
  }

  private static String value(Object v) {
    if (v instanceof Number n) {
      return n.toString();
    }
    if (v instanceof List<?> l) {
      return l.stream()
          .map(EdgeStepUpTest::value)
          .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }
    return "\"" + v + "\"";
  }

  static long epoch() {
    return Instant.now().getEpochSecond();
  }

  @Test
  void admin_stepsUpThroughTheProvider_thenPasses_andSignsOut() throws Exception {
    HttpClient b = browser();
    HttpResponse<String> first = get(b, "/admin/users");
    assertThat(location(first)).isEqualTo("/auth/start?rd=%2Fadmin%2Fusers&idp=corp");
    Flow plain =
        signIn(
            b,
            location(first),
            corp,
            login("alice", List.of("admin"), Map.of("amr", List.of("pwd"))));
    assertThat(query(plain.authorizeUrl())).doesNotContainKeys("prompt", "max_age", "acr_values");
    assertThat(location(plain.callback())).isEqualTo("/admin/users");

    HttpResponse<String> challenge = get(b, "/admin/users");

    assertThat(challenge.statusCode()).isEqualTo(302);
    assertThat(location(challenge))
        .isEqualTo("/auth/start?rd=%2Fadmin%2Fusers&idp=corp&step_up=mfa");
    assertThat(challenge.headers().firstValue("X-Vigil-Decision-Id")).isPresent();
    assertThat(get(b, "/docs/a").statusCode()).isEqualTo(200);

    Flow strong =
        signIn(
            b,
            location(challenge),
            corp,
            login(
                "alice",
                List.of("admin"),
                Map.of("amr", List.of("pwd", "otp"), "acr", MFA_ACR, "auth_time", epoch())));
    assertThat(query(strong.authorizeUrl()))
        .containsEntry("prompt", "login")
        .containsEntry("max_age", "0")
        .containsEntry("acr_values", MFA_ACR);
    assertThat(location(strong.callback())).isEqualTo("/admin/users");

    HttpResponse<String> page = get(b, "/admin/users");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).startsWith("alice ");
    String id = page.body().substring("alice ".length());
    String event = awaitEvent(id);
    assertThat(event)
        .contains("\"amr\":[\"pwd\",\"otp\"]")
        .contains("\"acr\":\"" + MFA_ACR + "\"")
        .contains("\"mfa\":true")
        .contains("\"idp\":\"corp\"")
        .contains("\"auth_time\":");

    HttpResponse<String> out =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/logout"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get(b, "/admin/users").statusCode()).isEqualTo(302);
    assertThat(get(b, "/docs/a").statusCode()).isEqualTo(302);
  }

  static String awaitEvent(String id) throws InterruptedException {
    return Fixtures.awaitRecord(store, id).eventJson();
  }

  @Test
  void userWithoutTheRole_isDenied403_notSentToStepUp() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("bob", List.of("dev"), Map.of()));

    HttpResponse<String> r = get(b, "/admin/x");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(get(b, "/docs/x").statusCode()).isEqualTo(200);
  }

  @Test
  void stepUpLogin_withoutASecondFactor_refused_andStillChallenged() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("alice", List.of("admin"), Map.of()));
    String challenge = location(get(b, "/admin/x"));

    Flow weak =
        signIn(
            b,
            challenge,
            corp,
            login("alice", List.of("admin"), Map.of("amr", List.of("pwd"), "auth_time", epoch())));

    assertThat(weak.callback().statusCode()).isEqualTo(403);
    assertThat(weak.callback().headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "=") && !c.contains("Max-Age=0"));
    assertThat(location(get(b, "/admin/x"))).endsWith("&step_up=mfa");
  }

  @Test
  void callbackReplayedWithItsCookie_refusedWithADecisionIdAndTheReasonLogged() throws Exception {
    HttpClient plain = HttpClient.newHttpClient();
    HttpResponse<String> start = get(plain, location(get(plain, "/docs/replay")));
    String cookie =
        start.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith(OidcLogin.COOKIE + "="))
            .findFirst()
            .orElseThrow()
            .split(";")[0];
    corp.enqueueCallback(login("alice", List.of("dev"), Map.of()).callback());
    String callback = location(get(plain, location(start)));
    HttpRequest replay =
        HttpRequest.newBuilder(URI.create(callback))
            .header("Accept", "text/html")
            .header("Cookie", cookie)
            .build();
    assertThat(plain.send(replay, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(302);

    HttpResponse<String> again = plain.send(replay, HttpResponse.BodyHandlers.ofString());

    assertThat(again.statusCode()).isEqualTo(403);
    String id = again.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(again.body()).contains(id).doesNotContain("Exception");
    String event = awaitEvent(id);
    assertThat(event)
        .contains("\"path\":\"vigil/gateway/sign-in\"")
        .contains("\"allowed\":false")
        .contains("\"refusal\":\"SIGN_IN_REFUSED\"")
        .contains("state already used")
        .contains("\"idp\":\"corp\"");
  }

  @Test
  void stepUpLogin_withAnOldAuthTimeAsText_refused() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("alice", List.of("admin"), Map.of()));
    String challenge = location(get(b, "/admin/x"));

    Flow stale =
        signIn(
            b,
            challenge,
            corp,
            login(
                "alice",
                List.of("admin"),
                Map.of("amr", List.of("mfa"), "auth_time", Long.toString(epoch() - 86_400))));

    assertThat(stale.callback().statusCode()).isEqualTo(403);
    assertThat(location(get(b, "/admin/x"))).endsWith("&step_up=mfa");
  }

  @Test
  void stepUpLogin_withAnAuthTimeInTheFuture_refused() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("alice", List.of("admin"), Map.of()));
    String challenge = location(get(b, "/admin/x"));

    Flow ahead =
        signIn(
            b,
            challenge,
            corp,
            login(
                "alice",
                List.of("admin"),
                Map.of("amr", List.of("mfa"), "auth_time", epoch() + 86_400)));

    assertThat(ahead.callback().statusCode()).isEqualTo(403);
    assertThat(location(get(b, "/admin/x"))).endsWith("&step_up=mfa");
  }

  @Test
  void stepUpLogin_withAnOldAuthTime_refused() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("alice", List.of("admin"), Map.of()));
    String challenge = location(get(b, "/admin/x"));

    Flow stale =
        signIn(
            b,
            challenge,
            corp,
            login(
                "alice",
                List.of("admin"),
                Map.of("amr", List.of("mfa"), "auth_time", epoch() - 3600)));

    assertThat(stale.callback().statusCode()).isEqualTo(403);
    assertThat(get(b, "/admin/x").statusCode()).isEqualTo(302);
  }

  /** Returns the value of the browser's session cookie. */
  static String sessionCookie(HttpClient b) {
    CookieManager jar = (CookieManager) b.cookieHandler().orElseThrow();
    return jar.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals(SessionCodec.COOKIE))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  /** A request of a browser that holds only the given session cookie. */
  static HttpResponse<String> getWith(String sessionCookie, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Accept", "text/html")
                .header("Cookie", SessionCodec.COOKIE + "=" + sessionCookie)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Regression: a step-up through the provider started a new session and left the old one as it
   * was, so a copy of the cookie taken before the step-up kept working, with its weaker amr, until
   * its timeouts; the same for a plain sign-in again over a session.
   */
  @Test
  void providerSignInAgain_endsTheSessionBefore() throws Exception {
    HttpClient b = browser();
    signIn(
        b,
        location(get(b, "/docs/a")),
        corp,
        login("alice", List.of("admin"), Map.of("amr", List.of("pwd"))));
    String first = sessionCookie(b);
    assertThat(getWith(first, "/docs/a").statusCode()).isEqualTo(200);

    signIn(
        b,
        "/auth/start?rd=%2Fdocs%2Fa&idp=corp",
        corp,
        login("alice", List.of("admin"), Map.of("amr", List.of("pwd"))));
    String second = sessionCookie(b);

    assertThat(second).isNotEqualTo(first);
    assertThat(location(getWith(first, "/docs/a")))
        .as("the session before the second sign-in is over")
        .startsWith("/auth/start");
    assertThat(getWith(second, "/docs/a").statusCode()).isEqualTo(200);
  }

  @Test
  void providerStepUp_endsTheSessionBefore() throws Exception {
    HttpClient b = browser();
    signIn(
        b,
        location(get(b, "/docs/a")),
        corp,
        login("alice", List.of("admin"), Map.of("amr", List.of("pwd"))));
    String second = sessionCookie(b);

    signIn(
        b,
        location(get(b, "/admin/users")),
        corp,
        login(
            "alice",
            List.of("admin"),
            Map.of("amr", List.of("pwd", "otp"), "acr", MFA_ACR, "auth_time", epoch())));
    String stepped = sessionCookie(b);

    assertThat(getWith(stepped, "/admin/users").statusCode()).isEqualTo(200);
    assertThat(location(getWith(second, "/docs/a")))
        .as("the session before the step-up is over, not only short of mfa")
        .startsWith("/auth/start");
  }

  /** Regression: as above for a local user's TOTP step-up, and a sign-in again over a session. */
  @Test
  void localSignInAgain_andStepUp_endTheSessionBefore() throws Exception {
    HttpClient b = browser();
    assertThat(loginLocal(b, "erin", null).statusCode()).isEqualTo(200);
    String first = sessionCookie(b);
    assertThat(loginLocal(b, "erin", null).statusCode()).isEqualTo(200);
    String second = sessionCookie(b);
    assertThat(location(getWith(first, "/docs/a"))).startsWith("/auth/");
    assertThat(getWith(second, "/docs/a").statusCode()).isEqualTo(200);

    HttpResponse<String> done =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/step-up"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"totp\":\"" + Totp.code(ERIN_TOTP, clock) + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(getWith(sessionCookie(b), "/admin/x").statusCode()).isEqualTo(200);
    assertThat(location(getWith(second, "/docs/a"))).startsWith("/auth/");
  }

  @Test
  void stepUpLogin_acrAloneShowsTheSecondFactor() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/admin/x")), corp, login("alice", List.of("admin"), Map.of()));

    signIn(
        b,
        location(get(b, "/admin/x")),
        corp,
        login("alice", List.of("admin"), Map.of("acr", MFA_ACR, "auth_time", epoch())));

    assertThat(get(b, "/admin/x").statusCode()).isEqualTo(200);
  }

  @Test
  void localUser_stepsUpWithTheTotpPrompt() throws Exception {
    HttpClient b = browser();
    HttpResponse<String> in = loginLocal(b, "carol", null);
    assertThat(in.statusCode()).isEqualTo(200);
    HttpResponse<String> challenge = get(b, "/admin/x");
    assertThat(location(challenge)).isEqualTo("/auth/step-up?rd=%2Fadmin%2Fx");
    HttpResponse<String> form = get(b, location(challenge));
    assertThat(form.body()).contains("name=totp").doesNotContain("name=password");
    String csrf = form.body().replaceAll("(?s).*name=csrf value=\"([^\"]+)\".*", "$1");

    HttpResponse<String> done =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/step-up"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf=" + csrf + "&rd=%2Fadmin%2Fx&totp=" + Totp.code(LOCAL_TOTP, clock)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(location(done)).isEqualTo("/admin/x");
    assertThat(get(b, "/admin/x").statusCode()).isEqualTo(200);
  }

  @Test
  void localUserWithoutTotp_isToldNoSecondFactorIsEnrolled() throws Exception {
    HttpClient b = browser();
    loginLocal(b, "dave", null);
    HttpResponse<String> challenge = get(b, "/admin/x");

    HttpResponse<String> prompt = get(b, location(challenge));

    assertThat(prompt.statusCode()).isEqualTo(403);
    assertThat(prompt.body()).contains("none is set up");
  }

  @Test
  void localStepUp_wrongCode_refused() throws Exception {
    HttpClient b = browser();
    loginLocal(b, "carol", null);

    HttpResponse<String> r =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/step-up"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"totp\":\"000000\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(get(b, "/admin/x").statusCode()).isEqualTo(302);
  }

  @Test
  void localSignInAndStepUpRefused_eachLoggedWithTheDecisionIdOfTheAnswer() throws Exception {
    HttpClient b = browser();
    HttpResponse<String> wrong =
        b.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"dave\",\"password\":\"not-his\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    loginLocal(b, "carol", null);
    HttpResponse<String> code =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/step-up"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"totp\":\"000000\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(awaitEvent(wrong.headers().firstValue("X-Vigil-Decision-Id").orElseThrow()))
        .contains("\"path\":\"vigil/gateway/sign-in\"")
        .contains("\"refusal\":\"SIGN_IN_REFUSED\"")
        .contains("\"user\":\"dave\"")
        .contains("\"endpoint\":\"/auth/login\"")
        .doesNotContain("not-his");
    assertThat(code.statusCode()).isEqualTo(401);
    assertThat(awaitEvent(code.headers().firstValue("X-Vigil-Decision-Id").orElseThrow()))
        .contains("\"refusal\":\"STEP_UP_REFUSED\"")
        .contains("wrong one-time code")
        .contains("\"user\":\"carol\"");
  }

  static HttpResponse<String> loginLocal(HttpClient b, String user, String totp) throws Exception {
    return b.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\""
                        + user
                        + "\",\"password\":\"pw\""
                        + (totp == null ? "" : ",\"totp\":\"" + totp + "\"")
                        + "}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static List<String> tokenRequests(MockOAuth2Server idp) {
    return Fixtures.tokenRequests(idp);
  }

  @Test
  void tokensAboutToExpire_areRefreshed_andTheSessionGoesOn() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs/x")), corp, login("erin", List.of("dev"), Map.of(), 600));
    tokenRequests(corp);

    now.set(now.get().plusSeconds(560));
    HttpResponse<String> later = get(b, "/docs/x");

    assertThat(later.statusCode()).isEqualTo(200);
    assertThat(tokenRequests(corp)).singleElement().asString().contains("grant_type=refresh_token");
  }

  /**
   * A refresh is work any signed-in browser can ask for, so it runs on a bound of its own: when the
   * bound is taken, a session whose tokens are still good is served as it is (refreshed by a later
   * request), and one whose tokens have expired gets 503 with {@code Retry-After}, not a sign-out.
   */
  @Test
  void refreshBoundTaken_tokensStillGood_served_expired_503_thenRefreshed() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs/x")), corp, login("erin", List.of("dev"), Map.of(), 600));
    tokenRequests(corp);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> held = Fixtures.hold(tokenChecks, release);
    try {
      now.set(now.get().plusSeconds(560));
      HttpResponse<String> stillGood = get(b, "/docs/x");
      now.set(now.get().plusSeconds(60));
      HttpResponse<String> expired = get(b, "/docs/x");

      assertThat(stillGood.statusCode()).isEqualTo(200);
      assertThat(expired.statusCode()).as(expired.body()).isEqualTo(503);
      assertThat(expired.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(tokenRequests(corp)).isEmpty();
    } finally {
      release.countDown();
      held.join();
    }
    HttpResponse<String> refreshed = get(b, "/docs/x");
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(tokenRequests(corp)).singleElement().asString().contains("grant_type=refresh_token");
  }

  /**
   * Regression: a request whose session was being refreshed when the browser signed out (or signed
   * in again) was still served as the signed-out user once the provider answered, and its cookie
   * sealed again.
   */
  @Test
  void refreshUnderWay_whenTheSessionIsSignedOut_servesNoOne() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs/x")), corp, login("erin", List.of("dev"), Map.of(), 600));
    String cookie = sessionCookie(b);
    tokenRequests(corp);
    now.set(now.get().plusSeconds(560));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch refreshing = new CountDownLatch(1);
    holdRefresh.set(new CountDownLatch[] {refreshing, release});
    CompletableFuture<HttpResponse<String>> during =
        HttpClient.newHttpClient()
            .sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/docs/x"))
                    .header("Accept", "text/html")
                    .header("Cookie", SessionCodec.COOKIE + "=" + cookie)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(refreshing.await(10, TimeUnit.SECONDS))
        .as("the refresh reached the provider")
        .isTrue();

    HttpResponse<String> out =
        b.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/auth/logout"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    release.countDown();

    assertThat(out.statusCode()).isEqualTo(303);
    HttpResponse<String> served = during.get(10, TimeUnit.SECONDS);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(302);
    assertThat(served.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "=") && !c.contains("Max-Age=0"));
  }

  @Test
  void tokensExpiredAndRefreshFails_signsOut() throws Exception {
    MockOAuth2Server gone = new MockOAuth2Server();
    gone.start(InetAddress.getLoopbackAddress(), 0);
    SessionCodec sessions =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "portal", Map.of("portal.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    int port = Fixtures.freePort();
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    try (EdgeGateway gw =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(
                        new RouteTable(
                            List.of(
                                new Route(
                                    "p",
                                    "*",
                                    "/",
                                    up,
                                    "portal/decision",
                                    Mode.ENFORCE,
                                    Map.of(),
                                    null)))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(
                    new EdgeSignIn(
                        new LocalAuthenticator(List.of(), sessions, clock),
                        new IdentityProviders(
                            List.of(
                                provider(
                                    "gone",
                                    gone,
                                    URI.create("http://127.0.0.1:" + port + "/auth/callback"),
                                    sessions))),
                        List.of())))) {
      HttpClient b = browser();
      String base = "http://127.0.0.1:" + port;
      signIn(
          b,
          base + location(get(b, base + "/docs/x")),
          gone,
          login("frank", List.of(), Map.of(), 600));
      assertThat(get(b, base + "/docs/x").statusCode()).isEqualTo(200);
      gone.shutdown();

      now.set(now.get().plusSeconds(560));
      HttpResponse<String> r = get(b, base + "/docs/x");

      assertThat(r.statusCode()).isEqualTo(302);
      assertThat(r.headers().allValues("Set-Cookie"))
          .anyMatch(c -> c.startsWith(SessionCodec.COOKIE + "=;") && c.contains("Max-Age=0"));
    }
  }

  @Test
  void routeOfAnotherProvider_ignoresThisSession_andSignsInThere() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs/x")), corp, login("alice", List.of("admin"), Map.of()));

    HttpResponse<String> other = get(b, "/partner/x");

    assertThat(location(other)).isEqualTo("/auth/start?rd=%2Fpartner%2Fx&idp=partner");
    Flow there = signIn(b, location(other), partner, login("alice", List.of(), Map.of()));
    assertThat(URI.create(there.authorizeUrl()).getPort()).isEqualTo(partner.baseUrl().port());
    assertThat(get(b, "/partner/x").statusCode()).isEqualTo(200);
  }

  @Test
  void sessionOfASecondProvider_onARouteOfTheDefault_isNoSession() throws Exception {
    HttpClient b = browser();
    Flow there =
        signIn(
            b,
            location(get(b, "/partner/x")),
            partner,
            login("alice", List.of("admin"), Map.of("amr", List.of("mfa"))));
    assertThat(location(there.callback())).isEqualTo("/partner/x");
    assertThat(get(b, "/partner/x").statusCode()).isEqualTo(200);

    HttpResponse<String> docs = get(b, "/docs/x");
    HttpResponse<String> admin = get(b, "/admin/x");

    assertThat(docs.statusCode()).isEqualTo(302);
    assertThat(location(docs)).isEqualTo("/auth/start?rd=%2Fdocs%2Fx&idp=corp");
    assertThat(admin.statusCode()).isEqualTo(302);
    assertThat(location(admin)).isEqualTo("/auth/start?rd=%2Fadmin%2Fx&idp=corp");
  }
}
