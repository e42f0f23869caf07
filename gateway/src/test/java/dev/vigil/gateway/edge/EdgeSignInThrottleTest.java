package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression: sign-in attempts were not limited (20 wrong passwords at {@code POST /auth/login}
 * answered 401 in about a second, then the right one 200; one-time codes likewise, once the
 * password was known). The clock is the test's, moved past each lock.
 */
class EdgeSignInThrottleTest {

  static final String SECRET = Totp.newSecret();

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private HttpServer upstream;
  private DecisionPoint pdp;
  private EdgeGateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = Fixtures.answering(ex -> "ok");
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow := true\n");
    Route route = Fixtures.appRoute(upstream.getAddress().getPort());
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null),
                new LocalUser(
                    "erin", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), SECRET)),
            Fixtures.sessions(clock),
            clock,
            true);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.stop(0);
    pdp.close();
  }

  private final HttpClient browser =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .cookieHandler(new CookieManager())
          .build();

  private String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  private HttpResponse<String> postJson(String path, String json) throws Exception {
    return browser.send(
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> login(String user, String password, String totp) throws Exception {
    return postJson(
        "/auth/login",
        "{\"username\":\""
            + user
            + "\",\"password\":\""
            + password
            + "\""
            + (totp == null ? "" : ",\"totp\":\"" + totp + "\"")
            + "}");
  }

  /** Signs in through the form (with its login-CSRF token and cookie). */
  private HttpResponse<String> formLogin(String user, String password) throws Exception {
    String form =
        browser
            .send(
                HttpRequest.newBuilder(URI.create(url("/auth/login"))).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String token = form.replaceAll("(?s).*name=csrf value=\"([^\"]+)\".*", "$1");
    String body =
        "csrf="
            + token
            + "&rd=%2F&username="
            + user
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8);
    return browser.send(
        HttpRequest.newBuilder(URI.create(url("/auth/login")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void login_fiveWrongPasswords_thenTheRightOneIs429UntilTheLockEnds() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(login("dave", "wrong " + i, null).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> right = login("dave", "pw", null);
    HttpResponse<String> wrong = login("dave", "wrong again", null);

    assertThat(right.statusCode()).isEqualTo(429);
    assertThat(right.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(right.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(SessionCodec.COOKIE + "="));
    // The right password and a wrong one get the same answer: a lock tells nothing of either.
    assertThat(wrong.statusCode()).isEqualTo(429);
    assertThat(wrong.body()).isEqualTo(right.body());
    now.set(now.get().plusSeconds(30));
    assertThat(login("dave", "pw", null).headers().firstValue("Retry-After")).hasValue("30");

    now.set(now.get().plusSeconds(30));
    assertThat(login("dave", "pw", null).statusCode()).isEqualTo(200);
  }

  @Test
  void formLogin_countsWithTheJsonLogin_andAnswers429WithTheForm() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(login("dave", "wrong " + i, null).statusCode()).isEqualTo(401);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(formLogin("dave", "wrong " + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> r = formLogin("dave", "pw");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(r.body()).contains("too many failed attempts").contains("<form");
  }

  @Test
  void login_wrongCodesWithTheRightPassword_areThrottledToo() throws Exception {
    String code = Totp.code(SECRET, clock);
    String wrong = code.equals("000000") ? "111111" : "000000";
    for (int i = 0; i < 5; i++) {
      assertThat(login("erin", "pw", wrong).statusCode()).isEqualTo(401);
    }

    assertThat(login("erin", "pw", code).statusCode()).isEqualTo(429);
  }

  @Test
  void stepUp_wrongCodes_areThrottledAsSignIns() throws Exception {
    assertThat(login("erin", "pw", null).statusCode()).as("TOTP on demand").isEqualTo(200);
    String code = Totp.code(SECRET, clock);
    String wrong = code.equals("000000") ? "111111" : "000000";
    for (int i = 0; i < 5; i++) {
      assertThat(postJson("/auth/step-up", "{\"totp\":\"" + wrong + "\"}").statusCode())
          .isEqualTo(401);
    }

    HttpResponse<String> r = postJson("/auth/step-up", "{\"totp\":\"" + code + "\"}");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
  }

  /**
   * Regression: with TOTP on demand, a sign-in with the password alone forgot the account's
   * failures, wrong codes at the step-up prompt included; whoever had the password could sign in
   * again after every four wrong codes and guess codes without limit.
   */
  @Test
  void stepUp_wrongCodes_areNotForgottenByASignInWithThePasswordAlone() throws Exception {
    String code = Totp.code(SECRET, clock);
    String wrong = code.equals("000000") ? "111111" : "000000";
    assertThat(login("erin", "pw", null).statusCode()).isEqualTo(200);
    for (int i = 0; i < 4; i++) {
      assertThat(postJson("/auth/step-up", "{\"totp\":\"" + wrong + "\"}").statusCode())
          .isEqualTo(401);
    }
    assertThat(login("erin", "pw", null).statusCode()).isEqualTo(200);
    assertThat(postJson("/auth/step-up", "{\"totp\":\"" + wrong + "\"}").statusCode())
        .isEqualTo(401);

    HttpResponse<String> r = postJson("/auth/step-up", "{\"totp\":\"" + code + "\"}");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
  }

  /** A sign-in that shows the code too proves both factors: it forgets the failures. */
  @Test
  void login_withTheCode_forgetsWrongCodesBeforeIt() throws Exception {
    String code = Totp.code(SECRET, clock);
    String wrong = code.equals("000000") ? "111111" : "000000";
    for (int i = 0; i < 4; i++) {
      assertThat(login("erin", "pw", wrong).statusCode()).isEqualTo(401);
    }
    assertThat(login("erin", "pw", code).statusCode()).isEqualTo(200);
    for (int i = 0; i < 4; i++) {
      assertThat(login("erin", "pw", wrong).statusCode()).isEqualTo(401);
    }

    now.set(now.get().plusSeconds(30));
    assertThat(login("erin", "pw", Totp.code(SECRET, clock)).statusCode()).isEqualTo(200);
  }
}
