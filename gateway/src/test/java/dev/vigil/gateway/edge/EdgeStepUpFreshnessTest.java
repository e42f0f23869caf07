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
import dev.vigil.gateway.auth.StepUp;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
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
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Step-up to a recent authentication ({@code step_up} with {@code max_age}), end to end against a
 * real OpenID Connect server (mock-oauth2-server on loopback) and with local users: a session whose
 * second factor is too old for the policy is sent to authenticate again, the new {@code auth_time}
 * reaches the policy, which then allows; a provider that answers with an authentication older than
 * asked is refused once, with a page or JSON saying so, rather than sent back in a loop. The
 * gateway's clock is stepped past the limit; nothing sleeps.
 */
class EdgeStepUpFreshnessTest {

  /**
   * {@code /prod}: a second factor within 5 minutes. {@code /fresh}: a sign-in of any kind within 5
   * minutes. {@code /tight}: a second factor within 30 s. {@code /locked}: never, though it names a
   * step-up. {@code /broken}: an obligation the gateway cannot read. {@code /zero}: a sign-in of
   * any kind, {@code max_age} 0, the policy allowing 5 s. {@code /strict}: the same, the policy
   * allowing none, stricter than any step-up round can show.
   */
  static final String POLICY =
      """
      package prod
      import rego.v1

      default allow := false

      age := (time.parse_rfc3339_ns(input.request.time) / 1000000000) - input.user.auth_time

      allow if {
        startswith(input.request.path, "/prod")
        input.user.mfa
        age <= 300
      }

      allow if {
        startswith(input.request.path, "/fresh")
        age <= 300
      }

      allow if {
        startswith(input.request.path, "/tight")
        input.user.mfa
        age <= 30
      }

      obligations["step_up"] := {"max_age": 300} if {
        input.user.id
        startswith(input.request.path, "/prod")
        not allow
      }

      obligations["step_up"] := {"mfa": false, "max_age": 300} if {
        input.user.id
        startswith(input.request.path, "/fresh")
        not allow
      }

      obligations["step_up"] := {"max_age": 30} if {
        input.user.id
        startswith(input.request.path, "/tight")
        not allow
      }

      obligations["step_up"] := {"max_age": 300} if startswith(input.request.path, "/locked")

      obligations["step_up"] := {"max_age": "5m"} if startswith(input.request.path, "/broken")

      allow if {
        startswith(input.request.path, "/decade")
        age <= 1000000000
      }

      obligations["step_up"] := {"mfa": false, "max_age": 1000000000} if {
        input.user.id
        startswith(input.request.path, "/decade")
        not allow
      }

      allow if {
        startswith(input.request.path, "/zero")
        age <= 5
      }

      obligations["step_up"] := {"mfa": false, "max_age": 0} if {
        input.user.id
        startswith(input.request.path, "/zero")
        not allow
      }

      allow if {
        startswith(input.request.path, "/strict")
        age <= 0
      }

      obligations["step_up"] := {"mfa": false, "max_age": 0} if {
        input.user.id
        startswith(input.request.path, "/strict")
        not allow
      }

      obligations["step_up"] := {"max_age": 300} if startswith(input.request.path, "/conflict")

      obligations["step_up"] := {"max_age": 0} if startswith(input.request.path, "/conflict")

      obligations["step_up"] := {"max_age"} if startswith(input.request.path, "/set")

      decision := {"allow": allow, "obligations": obligations}
      """;

  static final String MFA_ACR = "urn:example:mfa";
  static final String CAROL_TOTP = Totp.newSecret();
  static final String ERIN_TOTP = Totp.newSecret();
  static final String FRANK_TOTP = Totp.newSecret();

  @TempDir static Path tmp;
  static MockOAuth2Server corp;
  static HttpServer upstream;
  static EdgeGateway gateway;
  static Store store;
  static DecisionLog log;
  static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  static final InstantSource clock = () -> now.get();

  @BeforeAll
  static void start() throws Exception {
    corp = new MockOAuth2Server();
    corp.start(InetAddress.getLoopbackAddress(), 0);
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
            "prod", Map.of("prod.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    int port = Fixtures.freePort();
    SessionCodec sessions =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    RouteTable routes =
        new RouteTable(
            List.of(
                new Route("prod", "*", "/", up, "prod/decision", Mode.ENFORCE, Map.of(), null)));
    LocalAuthenticator local =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "carol", "", List.of(), List.of(), PasswordHash.hash("pw"), CAROL_TOTP),
                new LocalUser("dave", "", List.of(), List.of(), PasswordHash.hash("pw"), null),
                new LocalUser("erin", "", List.of(), List.of(), PasswordHash.hash("pw"), ERIN_TOTP),
                new LocalUser(
                    "frank", "", List.of(), List.of(), PasswordHash.hash("pw"), FRANK_TOTP)),
            sessions,
            clock);
    OidcLogin provider =
        new OidcLogin(
            new OidcLogin.Config(
                "corp",
                URI.create(corp.issuerUrl("default").toString()),
                "vigil-gw",
                "secret",
                URI.create("http://127.0.0.1:" + port + "/auth/callback"),
                List.of("RS256"),
                List.of("openid", "email"),
                List.of(),
                List.of(MFA_ACR),
                List.of("mfa", "otp", "hwk"),
                Duration.ofSeconds(30)),
            sessions,
            clock);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(routes),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(
                    new EdgeSignIn(local, new IdentityProviders(List.of(provider)), List.of())));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    corp.shutdown();
    log.close();
    store.close();
  }

  @BeforeEach
  void reset() {
    now.set(Instant.now());
  }

  // ---- OpenID Connect sessions ----

  @Test
  void oidcSession_secondFactorTooOld_isSentToTheProviderWithMaxAge_thenPasses() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch()));
    assertThat(get(b, "/prod/deploy").statusCode()).isEqualTo(200);

    now.set(now.get().plusSeconds(600));
    HttpResponse<String> challenge = get(b, "/prod/deploy");

    assertThat(challenge.statusCode()).isEqualTo(302);
    assertThat(location(challenge))
        .isEqualTo("/auth/start?rd=%2Fprod%2Fdeploy&idp=corp&step_up=mfa&max_age=300");
    long renewedAt = epoch();
    Flow again = signIn(b, location(challenge), mfaLogin("alice", renewedAt));
    assertThat(query(again.authorizeUrl()))
        .containsEntry("prompt", "login")
        .containsEntry("max_age", "300")
        .containsEntry("acr_values", MFA_ACR);
    assertThat(location(again.callback())).isEqualTo("/prod/deploy");

    HttpResponse<String> page = get(b, "/prod/deploy");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).startsWith("alice ");
    assertThat(awaitEvent(page.body().substring("alice ".length())))
        .contains("\"auth_time\":" + renewedAt + ",");
  }

  @Test
  void oidcSession_freshLoginAsked_withoutSecondFactor_passesWithAPasswordLogin() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), login("bob", Map.of("amr", List.of("pwd"))));
    now.set(now.get().plusSeconds(600));

    HttpResponse<String> challenge = get(b, "/fresh/x");

    assertThat(location(challenge))
        .isEqualTo("/auth/start?rd=%2Ffresh%2Fx&idp=corp&step_up=login&max_age=300");
    Flow again =
        signIn(
            b,
            location(challenge),
            login("bob", Map.of("amr", List.of("pwd"), "auth_time", epoch())));
    assertThat(query(again.authorizeUrl()))
        .containsEntry("prompt", "login")
        .containsEntry("max_age", "300")
        .doesNotContainKey("acr_values");
    assertThat(get(b, "/fresh/x").statusCode()).isEqualTo(200);
  }

  @Test
  void providerIgnoringMaxAge_isRefusedOnceWithAPage_notSentBackInALoop() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch() - 600));
    HttpResponse<String> challenge = get(b, "/tight/x");
    assertThat(location(challenge)).endsWith("&step_up=mfa&max_age=30");

    // Its authentication of 50 s ago is within the skew of the step-up's start, not within 30 s.
    Flow stale = signIn(b, location(challenge), mfaLogin("alice", epoch() - 50));

    HttpResponse<String> refused = stale.callback();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(refused.headers().firstValue("Location")).isEmpty();
    assertThat(refused.body())
        .contains("Re-authentication not confirmed")
        .contains("older than the 30 s asked (max_age)");
    assertThat(refused.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "=") && !c.contains("Max-Age=0"));
    String id = refused.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(awaitEvent(id))
        .contains("\"path\":\"vigil/gateway/sign-in\"")
        .contains("\"refusal\":\"SIGN_IN_REFUSED\"")
        .contains("max_age");
  }

  @Test
  void providerIgnoringMaxAge_apiClientAtTheCallback_getsJsonNamingWhy() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch() - 600));
    String challenge = location(get(b, "/tight/x"));

    Flow stale = signIn(b, challenge, mfaLogin("alice", epoch() - 50), "application/json");

    assertThat(stale.callback().statusCode()).isEqualTo(403);
    ObjectValue body = (ObjectValue) Json.parse(stale.callback().body());
    assertThat(body.get("error")).hasToString("\"step_up_failed\"");
    assertThat(body.get("message").toString()).contains("max_age");
    assertThat(body.get("decision_id")).isNotNull();
  }

  /**
   * Regression: with {@code max_age} 0 the callback measured the provider's {@code auth_time}
   * against its own arrival, so a provider that re-authenticates silently, answering with the
   * second the round began or one just before it, was refused every time.
   */
  @Test
  void maxAgeZero_silentReauthenticationJustBeforeTheRound_meetsIt_andPasses() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), pwdLogin("bob", epoch() - 600));
    HttpResponse<String> challenge = get(b, "/zero/x");
    assertThat(location(challenge))
        .isEqualTo("/auth/start?rd=%2Fzero%2Fx&idp=corp&step_up=login&max_age=0");

    Flow silent = signIn(b, location(challenge), pwdLogin("bob", epoch() - 2));
    assertThat(query(silent.authorizeUrl()))
        .containsEntry("prompt", "login")
        .containsEntry("max_age", "0");
    assertThat(location(silent.callback())).isEqualTo("/zero/x");
    now.set(now.get().plusSeconds(1));

    HttpResponse<String> page = get(b, "/zero/x");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).startsWith("bob ");
  }

  /**
   * Regression: a session fresh from a {@code max_age} 0 round was a second old when the browser
   * came back, so a policy that still refused it sent the browser to the provider again, which
   * re-authenticated silently and sent it back, round and round.
   */
  @Test
  void maxAgeZero_policyStillRefusingAfterTheRound_refused403Once_notSentRound() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), pwdLogin("bob", epoch() - 600));
    String challenge = location(get(b, "/strict/x"));
    Flow silent = signIn(b, challenge, pwdLogin("bob", epoch()));
    assertThat(location(silent.callback())).isEqualTo("/strict/x");
    now.set(now.get().plusSeconds(1));

    HttpResponse<String> back = get(b, "/strict/x");
    HttpResponse<String> api = send(b, "/strict/x", "application/json");

    assertThat(back.statusCode()).isEqualTo(403);
    assertThat(back.headers().firstValue("Location")).isEmpty();
    assertThat(api.statusCode()).isEqualTo(403);
    assertThat(((ObjectValue) Json.parse(api.body())).get("message").toString())
        .contains("shows what the policy's step_up asks (a sign-in within the last 0 s)")
        .contains("the policy still refuses");

    now.set(now.get().plusSeconds(StepUp.RETURN_S + 60));
    assertThat(location(get(b, "/strict/x"))).isEqualTo(challenge);
  }

  @Test
  void maxAgeZero_providerAnswersWithAnEarlierAuthentication_refusedOnceAtTheCallback()
      throws Exception {
    HttpClient b = browser();
    long previous = epoch() - 20;
    signIn(b, location(get(b, "/docs")), pwdLogin("bob", previous));
    String challenge = location(get(b, "/zero/x"));

    Flow same = signIn(b, challenge, pwdLogin("bob", previous));

    HttpResponse<String> refused = same.callback();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Location")).isEmpty();
    assertThat(refused.body()).contains("20 s old, older than the 0 s asked (max_age)");
  }

  @Test
  void stepUpLoginWithoutAuthTime_refused_thoughItsIssueTimeIsFresh() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), login("bob", Map.of("auth_time", epoch() - 600)));
    String challenge = location(get(b, "/fresh/x"));

    Flow noTime = signIn(b, challenge, login("bob", Map.of("amr", List.of("pwd"))));

    assertThat(noTime.callback().statusCode()).isEqualTo(403);
    assertThat(noTime.callback().body()).contains("no auth_time");
    assertThat(location(get(b, "/fresh/x"))).isEqualTo(challenge);
  }

  /**
   * Regression: a plain sign-in (no {@code step_up} at {@code /auth/start}, so no {@code
   * prompt=login}) whose ID token has no {@code auth_time} took its {@code iat} as the time of the
   * authentication, so a person whose provider session was hours old got a session that every
   * {@code max_age} took for a fresh sign-in: the step-up's own check of {@code auth_time} was
   * bypassed by starting the sign-in without it.
   */
  @Test
  void plainSignInWithoutAuthTime_afterAStepUpWasAsked_isNotARecentSignIn() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), login("bob", Map.of("auth_time", epoch() - 3600)));
    String challenge = location(get(b, "/fresh/x"));
    assertThat(challenge).endsWith("&step_up=login&max_age=300");

    signIn(b, "/auth/start?rd=%2Ffresh%2Fx&idp=corp", login("bob", Map.of("amr", List.of("pwd"))));
    HttpResponse<String> after = get(b, "/fresh/x");
    HttpResponse<String> api = send(b, "/fresh/x", "application/json");

    assertThat(after.statusCode()).isEqualTo(302);
    assertThat(location(after)).isEqualTo(challenge);
    assertThat(api.body()).contains("\"error\":\"step_up_required\"");
    assertThat(awaitEvent(api.headers().firstValue("X-Vigil-Decision-Id").orElseThrow()))
        .contains("\"auth_time\":0,");
  }

  /**
   * Regression: a bearer token without {@code auth_time} counted as an authentication at its {@code
   * iat}, so a client that refreshes its access token met every {@code max_age} without the person
   * ever authenticating again.
   */
  @Test
  void bearerTokenWithoutAuthTime_freshlyIssued_getsTheRfc9470Challenge() throws Exception {
    String noAuthTime =
        corp.issueToken(
                "default",
                "vigil-gw",
                new DefaultOAuth2TokenCallback(
                    "default",
                    "alice",
                    "JWT",
                    List.of("vigil-gw"),
                    Map.of("amr", List.of("mfa")),
                    300))
            .serialize();

    HttpResponse<String> r = send(HttpClient.newHttpClient(), "/prod/x", "Bearer " + noAuthTime);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"insufficient_user_authentication\"")
        .contains("max_age=\"300\"");
  }

  /**
   * Regression: the gateway read any whole {@code max_age} from the obligation but {@code
   * /auth/start} took at most 9 digits, so a step-up of {@code max_age} 1000000000 sent the browser
   * to a 400 instead of the provider.
   */
  @Test
  void maxAgeOfTenDigits_challengeLeadsToTheProvider_notA400() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), login("bob", Map.of("amr", List.of("pwd"))));
    String challenge = location(get(b, "/decade/x"));
    assertThat(challenge).endsWith("&step_up=login&max_age=1000000000");

    HttpResponse<String> started = get(b, challenge);

    assertThat(started.statusCode()).isEqualTo(302);
    assertThat(query(location(started))).containsEntry("max_age", "1000000000");
  }

  @Test
  void startWithAMaxAgeBeyondALong_refused400NamingIt() throws Exception {
    HttpResponse<String> r =
        get(
            HttpClient.newHttpClient(),
            "/auth/start?rd=%2F&idp=corp&step_up=login&max_age=99999999999999999999");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("max_age must be a whole number of seconds");
  }

  @Test
  void conflictingOrSetObligations_refused_neverForwardedNorChallenged() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch()));

    for (String path : List.of("/conflict/x", "/set/x")) {
      HttpResponse<String> r = get(b, path);
      assertThat(r.statusCode()).as(path).isBetween(403, 500);
      assertThat(r.headers().firstValue("Location")).as(path).isEmpty();
      assertThat(r.body()).as(path).doesNotStartWith("alice ");
    }
  }

  /**
   * A token refresh renews the tokens, not the authentication: a provider whose refreshed ID token
   * carries an {@code auth_time} of now (or omits it) leaves the session's as it was at sign-in, so
   * a session kept alive by refreshes is still asked to authenticate again.
   */
  @Test
  void refreshedTokensWithAFreshAuthTime_keepTheSignInsAuthTime_stillChallenged() throws Exception {
    HttpClient b = browser();
    Who alice =
        new Who("alice", Map.of("amr", List.of("pwd", "otp"), "auth_time", epoch() - 600), 120);
    signIn(b, location(get(b, "/docs")), alice);
    Fixtures.tokenRequests(corp);

    now.set(now.get().plusSeconds(70));
    corp.enqueueCallback(mfaLogin("alice", epoch()).callback());
    HttpResponse<String> r = get(b, "/tight/x");

    assertThat(Fixtures.tokenRequests(corp))
        .singleElement()
        .asString()
        .contains("grant_type=refresh_token");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(location(r)).endsWith("&step_up=mfa&max_age=30");
  }

  @Test
  void apiClientWithAStaleSession_gets401NamingTheStepUpAndWhereToGo() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch()));
    now.set(now.get().plusSeconds(301));

    HttpResponse<String> r = send(b, "/prod/deploy", "application/json");

    assertThat(r.statusCode()).isEqualTo(401);
    ObjectValue body = (ObjectValue) Json.parse(r.body());
    assertThat(body.get("error")).hasToString("\"step_up_required\"");
    assertThat(body.get("message"))
        .hasToString("\"a second factor within the last 300 s is required for this resource\"");
    assertThat(Json.write(body.get("step_up"))).isEqualTo("{\"max_age\":300,\"mfa\":true}");
    assertThat(((StringValue) body.get("location")).value())
        .isEqualTo("/auth/start?rd=%2Fprod%2Fdeploy&idp=corp&step_up=mfa&max_age=300");
  }

  @Test
  void bearerTokenTooOld_getsTheRfc9470ChallengeWithMaxAge() throws Exception {
    String old = token(epoch() - 600);
    String fresh = token(epoch() - 10);

    HttpResponse<String> refused = send(HttpClient.newHttpClient(), "/prod/x", "Bearer " + old);
    HttpResponse<String> passed = send(HttpClient.newHttpClient(), "/prod/x", "Bearer " + fresh);

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"insufficient_user_authentication\"")
        .contains("max_age=\"300\"")
        .contains("acr_values=\"" + MFA_ACR + "\"");
    assertThat(refused.body()).contains("\"max_age\":300").doesNotContain("location");
    assertThat(passed.statusCode()).isEqualTo(200);
  }

  @Test
  void sessionThatMeetsTheStepUp_yetDenied_gets403_notAnotherChallenge() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), mfaLogin("alice", epoch()));

    HttpResponse<String> r = get(b, "/locked/x");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void obligationTheGatewayCannotRead_refused403NamingIt_notAChallenge() throws Exception {
    HttpClient b = browser();
    signIn(b, location(get(b, "/docs")), login("bob", Map.of("amr", List.of("pwd"))));

    HttpResponse<String> page = get(b, "/broken/x");
    HttpResponse<String> json = send(b, "/broken/x", "application/json");

    assertThat(page.statusCode()).isEqualTo(403);
    assertThat(json.statusCode()).isEqualTo(403);
    assertThat(json.body())
        .contains("step_up.max_age must be a whole number of seconds")
        .contains("not \\\"5m\\\"");
  }

  @Test
  void startWithAMaxAgeThatIsNotANumber_refused400NamingIt() throws Exception {
    HttpResponse<String> r =
        get(HttpClient.newHttpClient(), "/auth/start?rd=%2F&idp=corp&step_up=mfa&max_age=5m");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("max_age must be a whole number of seconds, not \\\"5m\\\"");
  }

  // ---- local users ----

  @Test
  void localUser_secondFactorTooOld_confirmsWithTheTotpPrompt_thenPasses() throws Exception {
    HttpClient b = browser();
    assertThat(loginLocal(b, "carol", code()).statusCode()).isEqualTo(200);
    assertThat(get(b, "/prod/deploy").statusCode()).isEqualTo(200);

    now.set(now.get().plusSeconds(600));
    HttpResponse<String> challenge = get(b, "/prod/deploy");
    HttpResponse<String> api = send(b, "/prod/deploy", "application/json");

    assertThat(location(challenge)).isEqualTo("/auth/step-up?rd=%2Fprod%2Fdeploy");
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.body()).contains("\"location\":\"/auth/step-up?rd=%2Fprod%2Fdeploy\"");
    HttpResponse<String> done = post(b, "/auth/step-up", "{\"totp\":\"" + code() + "\"}");
    assertThat(done.statusCode()).isEqualTo(200);
    long renewedAt = now.get().getEpochSecond();
    assertThat(done.body()).contains("\"auth_time\":" + renewedAt);

    HttpResponse<String> page = get(b, "/prod/deploy");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(awaitEvent(page.body().substring("carol ".length())))
        .contains("\"auth_time\":" + renewedAt + ",");
  }

  @Test
  void localUserWithoutTotp_freshSignInAsked_isSentToSignInAgain_thenPasses() throws Exception {
    HttpClient b = browser();
    loginLocal(b, "dave", null);
    assertThat(get(b, "/fresh/x").statusCode()).isEqualTo(200);

    now.set(now.get().plusSeconds(600));
    HttpResponse<String> challenge = get(b, "/fresh/x");

    assertThat(location(challenge)).isEqualTo("/auth/login?rd=%2Ffresh%2Fx");
    assertThat(loginLocal(b, "dave", null).statusCode()).isEqualTo(200);
    assertThat(get(b, "/fresh/x").statusCode()).isEqualTo(200);
  }

  @Test
  void localUserWithTotp_freshSignInAsked_confirmsWithTheCode() throws Exception {
    HttpClient b = browser();
    assertThat(loginLocal(b, "erin", Totp.code(ERIN_TOTP, clock)).statusCode()).isEqualTo(200);
    now.set(now.get().plusSeconds(600));

    assertThat(location(get(b, "/fresh/x"))).isEqualTo("/auth/step-up?rd=%2Ffresh%2Fx");
    String code = Totp.code(ERIN_TOTP, clock);
    assertThat(post(b, "/auth/step-up", "{\"totp\":\"" + code + "\"}").statusCode()).isEqualTo(200);
    assertThat(get(b, "/fresh/x").statusCode()).isEqualTo(200);
  }

  /**
   * Regression: a TOTP step-up gave an {@code auth_time} of now, a second old when the browser came
   * back, so a {@code max_age} 0 the policy still refused asked for the code again and again.
   */
  @Test
  void localUser_maxAgeZero_afterTheTotpStepUp_refused403_notPromptedAgain() throws Exception {
    HttpClient b = browser();
    assertThat(loginLocal(b, "frank", Totp.code(FRANK_TOTP, clock)).statusCode()).isEqualTo(200);
    now.set(now.get().plusSeconds(600));
    assertThat(location(get(b, "/strict/x"))).isEqualTo("/auth/step-up?rd=%2Fstrict%2Fx");
    String code = Totp.code(FRANK_TOTP, clock);
    assertThat(post(b, "/auth/step-up", "{\"totp\":\"" + code + "\"}").statusCode()).isEqualTo(200);
    now.set(now.get().plusSeconds(1));

    HttpResponse<String> back = get(b, "/strict/x");

    assertThat(back.statusCode()).isEqualTo(403);
    assertThat(back.headers().firstValue("Location")).isEmpty();
  }

  // ---- helpers ----

  static String code() {
    return Totp.code(CAROL_TOTP, clock);
  }

  static long epoch() {
    return now.get().getEpochSecond();
  }

  static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  }

  static String url(String path) {
    return path.startsWith("http") ? path : "http://127.0.0.1:" + gateway.port() + path;
  }

  static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return send(c, path, "text/html", null);
  }

  static HttpResponse<String> send(HttpClient c, String path, String acceptOrBearer)
      throws Exception {
    return acceptOrBearer.startsWith("Bearer ")
        ? send(c, path, "application/json", acceptOrBearer)
        : send(c, path, acceptOrBearer, null);
  }

  static HttpResponse<String> send(HttpClient c, String path, String accept, String authorization)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url(path))).header("Accept", accept);
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return c.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient c, String path, String json) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> loginLocal(HttpClient b, String user, String totp) throws Exception {
    return post(
        b,
        "/auth/login",
        "{\"username\":\""
            + user
            + "\",\"password\":\"pw\""
            + (totp == null ? "" : ",\"totp\":\"" + totp + "\"")
            + "}");
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

  static String awaitEvent(String id) throws InterruptedException {
    return Fixtures.awaitRecord(store, id).eventJson();
  }

  /** Who signs in at the provider, and the claims it issues for them. */
  record Who(String sub, Map<String, Object> claims, long expirySeconds) {
    Who(String sub, Map<String, Object> claims) {
      this(sub, claims, 3600);
    }

    DefaultOAuth2TokenCallback callback() {
      return new DefaultOAuth2TokenCallback(
          "default", sub, "JWT", List.of("vigil-gw"), claims, expirySeconds);
    }
  }

  static Who login(String sub, Map<String, Object> claims) {
    return new Who(sub, claims);
  }

  /** A login with a password only, authenticated at {@code authTime} (epoch seconds). */
  static Who pwdLogin(String sub, long authTime) {
    return login(sub, Map.of("amr", List.of("pwd"), "auth_time", authTime));
  }

  /** A login with a second factor, authenticated at {@code authTime} (epoch seconds). */
  static Who mfaLogin(String sub, long authTime) {
    return login(sub, Map.of("amr", List.of("pwd", "otp"), "auth_time", authTime));
  }

  /** A bearer token of the provider with a second factor, authenticated at {@code authTime}. */
  static String token(long authTime) {
    return corp.issueToken(
            "default",
            "vigil-gw",
            new DefaultOAuth2TokenCallback(
                "default",
                "alice",
                "JWT",
                List.of("vigil-gw"),
                Map.of("amr", List.of("mfa"), "auth_time", authTime),
                300))
        .serialize();
  }

  /** A sign-in through the provider: the provider's authorize URL and the callback's answer. */
  record Flow(String authorizeUrl, HttpResponse<String> callback) {}

  static Flow signIn(HttpClient b, String start, Who who) throws Exception {
    return signIn(b, start, who, "text/html");
  }

  /**
   * Follows {@code /auth/start} through the provider to the callback, which is asked with {@code
   * accept}. When the provider shows its login form ({@code prompt=login}), the test signs in there
   * as {@code who}, with the same claims.
   */
  static Flow signIn(HttpClient b, String start, Who who, String accept) throws Exception {
    HttpResponse<String> started = get(b, start);
    assertThat(started.statusCode()).isEqualTo(302);
    String authorize = location(started);
    corp.enqueueCallback(who.callback());
    HttpResponse<String> back = get(b, authorize);
    if (back.statusCode() == 200) {
      String form =
          "username="
              + who.sub()
              + "&claims="
              + URLEncoder.encode(EdgeStepUpTest.json(who.claims()), StandardCharsets.UTF_8);
      back =
          b.send(
              HttpRequest.newBuilder(URI.create(authorize))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }
    assertThat(back.statusCode()).isEqualTo(302);
    return new Flow(authorize, send(b, location(back), accept, null));
  }
}
