package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.Mode;
import dev.vigil.store.SessionSignOuts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console over real sockets: who gets in, what the pages show, and the mode form. */
class ConsoleTest {

  @TempDir Path tmp;
  private ConsoleFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ConsoleFixture(tmp);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static HttpResponse<String> changePassword(
      ConsoleFixture.Browser b, String current, String next) throws Exception {
    b.get("/console/password");
    return b.post(
        "/console/password",
        "csrf",
        b.lastCsrf,
        "current",
        current,
        "password",
        next,
        "confirm",
        next);
  }

  @Test
  void pages_withoutSession_sendToSignIn() throws Exception {
    HttpResponse<String> r = f.browser().get("/console/decisions");

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/console/login");
  }

  @Test
  void signIn_userWithoutAdminRole_isRefused() throws Exception {
    ConsoleFixture.Browser b = f.browser();

    assertThat(b.signIn("bob", ConsoleFixture.ADMIN_PASSWORD).statusCode()).isEqualTo(401);
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(303);
  }

  @Test
  void signIn_withoutFormToken_isRefused() throws Exception {
    HttpResponse<String> r =
        f.browser()
            .post("/console/login", "username", "carol", "password", ConsoleFixture.ADMIN_PASSWORD);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(ConsoleSignIn.COOKIE + "="));
  }

  @Test
  void signIn_setsStrictHttpOnlyCookieUnderConsole() throws Exception {
    HttpResponse<String> r = f.browser().signIn("carol", ConsoleFixture.ADMIN_PASSWORD);

    assertThat(r.headers().allValues("Set-Cookie"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("vigil_console=")
                    .contains("Path=/console", "HttpOnly", "SameSite=Strict"));
    assertThat(r.headers().firstValue("Location")).hasValue("/console/decisions");
  }

  @Test
  void firstAdmin_oneTimePassword_reachesOnlyThePasswordPageUntilChanged() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    HttpResponse<String> in = b.signIn("admin", f.firstPassword);
    assertThat(in.headers().firstValue("Location")).hasValue("/console/password");
    assertThat(b.get("/console/routes").headers().firstValue("Location"))
        .hasValue("/console/password");

    b.get("/console/password");
    HttpResponse<String> changed = changePassword(b, f.firstPassword, "my own password 42");

    assertThat(changed.statusCode()).isEqualTo(303);
    assertThat(b.get("/console/routes").statusCode()).isEqualTo(200);
    assertThat(f.browser().signIn("admin", f.firstPassword).statusCode()).isEqualTo(401);
    assertThat(f.browser().signIn("admin", "my own password 42").headers().firstValue("Location"))
        .hasValue("/console/decisions");
    assertThat(Files.readString(tmp.resolve(AdminAccounts.FILE)))
        .doesNotContain(f.firstPassword)
        .doesNotContain("my own password 42")
        .contains("\"must_change\": false");
  }

  @Test
  void passwordChange_tooShort_isRefusedAndOneTimePasswordStays() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.signIn("admin", f.firstPassword);
    b.get("/console/password");

    HttpResponse<String> r = changePassword(b, f.firstPassword, "short");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("at least 12 characters");
    assertThat(f.accounts.mustChange("admin")).isTrue();
  }

  /**
   * Regression: the password page's current password was checked without the sign-in throttle, so
   * whoever held a session (a browser left signed in) could guess the password without limit.
   */
  @Test
  void passwordChange_afterFiveWrongCurrentPasswords_theRightOneIs429() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.signIn("admin", f.firstPassword);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> wrong = changePassword(b, "wrong " + i, "my own password 42");
      assertThat(wrong.statusCode()).isEqualTo(400);
      assertThat(wrong.body()).contains("the current password is wrong");
    }

    HttpResponse<String> r = changePassword(b, f.firstPassword, "my own password 42");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
    assertThat(r.body()).contains("Too many wrong passwords");
    assertThat(f.accounts.mustChange("admin")).isTrue();
    // The guesses count as failed sign-ins of the account: its sign-in is locked too.
    assertThat(f.browser().signIn("admin", f.firstPassword).statusCode()).isEqualTo(429);
  }

  /** The right current password clears the account's count, as a sign-in does. */
  @Test
  void passwordChange_rightCurrentPassword_afterFourWrongOnes_isTaken() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.signIn("admin", f.firstPassword);
    for (int i = 0; i < 4; i++) {
      assertThat(changePassword(b, "wrong " + i, "my own password 42").statusCode()).isEqualTo(400);
    }

    HttpResponse<String> r = changePassword(b, f.firstPassword, "my own password 42");

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(f.accounts.mustChange("admin")).isFalse();
  }

  @Test
  void passwordChange_twelveSpaces_isRefusedNamingTheField() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.signIn("admin", f.firstPassword);

    HttpResponse<String> r = changePassword(b, f.firstPassword, " ".repeat(12));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("the new password must not be blank or only spaces");
    assertThat(f.accounts.mustChange("admin")).isTrue();
  }

  @Test
  void decisions_filteredByDeniedRouteAndSubject_showOnlyThose() throws Exception {
    Decision bob = f.decide("echo", "bob", "dev");
    Decision alice = f.decide("echo", "alice", "sre");
    Decision staging = f.decide("staging", "bob", "dev");
    ConsoleFixture.Browser b = f.carol();

    String denied = b.get("/console/decisions?denied=1&route=echo").body();
    String bobs = b.get("/console/decisions?subject=bob&since=1h").body();

    assertThat(denied)
        .contains(bob.decisionId())
        .doesNotContain(alice.decisionId())
        .doesNotContain(staging.decisionId());
    assertThat(bobs)
        .contains(bob.decisionId(), staging.decisionId())
        .doesNotContain(alice.decisionId());
  }

  @Test
  void decision_one_showsItsExplanation() throws Exception {
    Decision d = f.decide("echo", "bob", "dev");

    String page = f.carol().get("/console/decisions/" + d.decisionId()).body();

    assertThat(page)
        .contains(d.decisionId())
        .contains("input.user.role == &quot;sre&quot; failed: input.user.role is &quot;dev&quot;")
        .contains("authz.rego:5");
  }

  @Test
  void decisions_valuesFromRequests_areEscaped() throws Exception {
    Decision d = f.decide("echo", "<script>alert(1)</script>", "<img src=x>");
    ConsoleFixture.Browser b = f.carol();

    String list = b.get("/console/decisions").body();
    String one = b.get("/console/decisions/" + d.decisionId()).body();

    assertThat(list).doesNotContain("<script>alert").contains("&lt;script&gt;alert(1)");
    assertThat(one).doesNotContain("<script>alert").doesNotContain("<img src=x>");
  }

  @Test
  void pages_carryStrictSecurityHeaders() throws Exception {
    HttpResponse<String> r = f.carol().get("/console/health");

    assertThat(r.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'", "frame-ancestors 'none'");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(r.body()).contains("&lt;ok&gt;");
  }

  @Test
  void routeMode_changedByForm_takesEffectInTheTable() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/routes");

    HttpResponse<String> r =
        b.post("/console/routes/echo/mode", "csrf", b.lastCsrf, "mode", "monitor");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Route echo is now in monitor mode.");
    Route echo = f.routes.get().match("any.host", "/x");
    assertThat(echo.name()).isEqualTo("echo");
    assertThat(echo.mode()).isEqualTo(Mode.MONITOR);
  }

  @Test
  void routeMode_withoutCsrfToken_isRefusedAndUnchanged() throws Exception {
    ConsoleFixture.Browser b = f.carol();

    HttpResponse<String> r =
        b.post("/console/routes/echo/mode", "csrf", "forged", "mode", "observe");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(f.routes.get().match("any.host", "/x").mode()).isEqualTo(Mode.ENFORCE);
  }

  @Test
  void routeMode_unknownRouteOrMode_isRefused() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/routes");

    assertThat(
            b.post("/console/routes/nope/mode", "csrf", b.lastCsrf, "mode", "observe").statusCode())
        .isEqualTo(404);
    assertThat(b.post("/console/routes/echo/mode", "csrf", b.lastCsrf, "mode", "fast").statusCode())
        .isEqualTo(400);
    HttpResponse<String> none = b.post("/console/routes/echo/mode", "csrf", b.lastCsrf);
    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(none.body()).contains("choose a mode").doesNotContain("null");
    b.get("/console/routes");
    HttpResponse<String> nul =
        b.post("/console/routes/echo%00/mode", "csrf", b.lastCsrf, "mode", "observe");
    assertThat(nul.statusCode()).isEqualTo(404);
    assertThat(nul.body()).doesNotContain("\u0000").contains("echo\uFFFD");
  }

  @Test
  void decisions_filterNotUnderstood_isRefusedNotIgnored() throws Exception {
    Decision bob = f.decide("echo", "bob", "dev");
    ConsoleFixture.Browser b = f.carol();

    for (String query : new String[] {"since=5y", "since=-1h", "denied=maybe"}) {
      HttpResponse<String> r = b.get("/console/decisions?" + query);

      assertThat(r.statusCode()).as(query).isEqualTo(400);
      assertThat(r.body()).as(query).contains("is not").doesNotContain(bob.decisionId());
    }
    assertThat(b.get("/console/decisions?denied=0&since=").body()).contains(bob.decisionId());
  }

  @Test
  void identity_showsTrustDomainRootsAndTheGatewaySvid() throws Exception {
    String page = f.carol().get("/console/identity").body();

    assertThat(page)
        .contains("<h2>prod</h2>")
        .contains("spiffe://prod/vigil/gateway")
        .contains(f.svids.held().values().iterator().next().serial().toString(16))
        .contains("active");
  }

  /** Regression: the console's sign-in took any number of wrong passwords. */
  @Test
  void signIn_afterFiveWrongPasswords_theRightOneIs429WithRetryAfter() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    for (int i = 0; i < 5; i++) {
      assertThat(b.signIn("carol", "wrong " + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> r = b.signIn("carol", ConsoleFixture.ADMIN_PASSWORD);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
    assertThat(r.body()).contains("Too many failed sign-ins");
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(ConsoleSignIn.COOKIE + "="));
  }

  /**
   * Regression: an administrator whose password was changed in the configuration file kept the
   * console session started with the old one.
   */
  @Test
  void configuredPasswordChanged_oldSessionIsOver() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(200);

    f.signIn.replaceConfigUsers(
        List.of(
            new LocalUser(
                "carol", "", List.of("admin"), List.of(), PasswordHash.hash("another one"), null)));

    assertThat(b.get("/console/decisions").headers().firstValue("Location"))
        .hasValue("/console/login");
  }

  @Test
  void adminRemovedAndPutBack_oldSessionStaysOver() throws Exception {
    LocalUser carol =
        new LocalUser(
            "carol",
            "",
            List.of("admin"),
            List.of(),
            PasswordHash.hash(ConsoleFixture.ADMIN_PASSWORD),
            null);
    f.signIn.replaceConfigUsers(List.of(carol));
    ConsoleFixture.Browser b = f.carol();
    String cookie = b.cookie(ConsoleSignIn.COOKIE);

    f.signIn.replaceConfigUsers(List.of());
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(303);
    f.signIn.replaceConfigUsers(List.of(carol));

    // Put back as she was, with the same password hash: the old cookie was signed out.
    ConsoleFixture.Browser replay = f.browser();
    replay.setCookie(ConsoleSignIn.COOKIE, cookie);
    assertThat(replay.get("/console/decisions").headers().firstValue("Location"))
        .hasValue("/console/login");
    assertThat(f.carol().get("/console/decisions").statusCode()).isEqualTo(200);
  }

  /**
   * Regression: a sign-in over a console session left the old one valid until its timeouts, so a
   * copy of its cookie taken before kept working after the administrator signed in again.
   */
  @Test
  void signIn_overASession_endsIt_onEveryNodeOfTheStore() throws Exception {
    String before = f.carol().cookie(ConsoleSignIn.COOKIE);
    ConsoleFixture.Browser b = f.browser();
    b.get("/console/login");
    b.setCookie(ConsoleSignIn.COOKIE, before);

    HttpResponse<String> in =
        b.post(
            "/console/login",
            "csrf",
            b.lastCsrf,
            "username",
            "carol",
            "password",
            ConsoleFixture.ADMIN_PASSWORD,
            "totp",
            "");

    assertThat(in.statusCode()).isEqualTo(303);
    assertThat(b.cookie(ConsoleSignIn.COOKIE)).isNotEqualTo(before);
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(200);
    ConsoleFixture.Browser replay = f.browser();
    replay.setCookie(ConsoleSignIn.COOKIE, before);
    assertThat(replay.get("/console/decisions").headers().firstValue("Location"))
        .hasValue("/console/login");
    try (SessionSignOuts next =
        SessionSignOuts.open(f.store, "console", Duration.ofHours(8), InstantSource.system())) {
      SessionCodec codec =
          new SessionCodec(
              f.sessionKey,
              Duration.ofMinutes(30),
              Duration.ofHours(8),
              InstantSource.system(),
              next);
      assertThat(codec.open(before)).as("stored before the answer").isNull();
    }
  }

  @Test
  void signOut_endsTheSession() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/decisions");

    assertThat(b.post("/console/logout", "csrf", b.lastCsrf).statusCode()).isEqualTo(303);
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(303);
  }

  /** Regression: the console's sign-out was held in memory and forgotten at a restart. */
  @Test
  void signOut_cookieStaysRefusedByACodecOpenedAfterwardsOnTheStore() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/decisions");
    String cookie = b.cookie(ConsoleSignIn.COOKIE);

    assertThat(b.post("/console/logout", "csrf", b.lastCsrf).statusCode()).isEqualTo(303);

    // As the console of the next start, or of another node of the store, would open it.
    try (SessionSignOuts next =
        SessionSignOuts.open(f.store, "console", Duration.ofHours(8), InstantSource.system())) {
      SessionCodec codec =
          new SessionCodec(
              f.sessionKey,
              Duration.ofMinutes(30),
              Duration.ofHours(8),
              InstantSource.system(),
              next);
      assertThat(cookie).isNotNull();
      assertThat(codec.open(cookie)).isNull();
    }
  }

  @Test
  void metrics_countGatewayDecisionsByRoute_andSvidExpiry() throws Exception {
    f.decide("echo", "bob", "dev");
    f.decide("echo", "alice", "sre");

    String scrape = f.metrics.scrape();

    assertThat(scrape)
        .contains(
            "vigil_gateway_decisions_total{mode=\"enforce\",result=\"deny\",route=\"echo\"} 1.0")
        .contains(
            "vigil_gateway_decisions_total{mode=\"enforce\",result=\"allow\",route=\"echo\"} 1.0")
        .contains("vigil_decide_latency_seconds_count 2")
        .containsPattern("vigil_svid_earliest_expiry_seconds\\{trust_domain=\"prod\"} [1-9]");
  }
}
