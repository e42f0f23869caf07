package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-ins wait for a bounded number of password checks. Regression: each sign-in at an account and
 * address that were not locked queued one Argon2id hash on Vert.x's shared worker pool without
 * limit, so a flood of sign-ins with different names queued as much work as it sent, and every
 * other blocking task of the node (reading the assertion keys, among them) waited behind it. Now a
 * sign-in past the node's checks at once and waiting is answered 503 with {@code Retry-After} at
 * once, logged as a refused sign-in, and the rest of the gateway goes on.
 */
class EdgeSignInBoundTest {

  @TempDir static Path tmp;

  static Store store;
  static DecisionLog log;
  static DecisionPoint pdp;
  static PasswordChecks checks;
  static EdgeGateway gateway;

  /** Released to let the checks that hold the node's password checks end. */
  private CountDownLatch release = new CountDownLatch(1);

  private final List<CompletableFuture<Void>> holding = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    InstantSource clock = InstantSource.system();
    // One check at once, one waiting.
    checks = new PasswordChecks(new PasswordChecks.Limits(1, 1, Duration.ofSeconds(2)));
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "slow", "", List.of(), List.of(), EdgeSignInOffLoopTest.SLOW_HASH, null),
                new LocalUser("dave", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            clock,
            false,
            SignInThrottle.withDefaults(clock),
            TotpSteps.inMemory(),
            checks);
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:9"),
            "authz/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    checks.close();
    pdp.close();
    log.close();
    store.close();
  }

  @AfterEach
  void letGo() {
    release.countDown();
    holding.forEach(CompletableFuture::join);
  }

  /** Takes every password check of the node (one running, one waiting) until {@link #release}. */
  private void holdEveryCheck() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    holding.add(
        checks.submit(
            () -> {
              running.countDown();
              await(release);
              return null;
            }));
    assertThat(running.await(10, TimeUnit.SECONDS)).as("the held check runs").isTrue();
    holding.add(
        checks.submit(
            () -> {
              await(release);
              return null;
            }));
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void login_everyCheckTaken_503WithRetryAfterAtOnce_loggedAsBusy_thenHeardAgain()
      throws Exception {
    holdEveryCheck();
    HttpClient client = HttpClient.newHttpClient();

    long started = System.nanoTime();
    HttpResponse<String> busy = postJson(client, "dave", "pw");
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(busy.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(busy.body()).contains("too many sign-ins are being checked");
    assertThat(tookMs).as("answered without waiting for a check").isLessThan(5_000);
    String id = busy.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(Fixtures.awaitRecord(store, id).eventJson())
        .contains("\"path\":\"vigil/gateway/sign-in\"")
        .contains("\"refusal\":\"BUSY\"")
        .contains("too many sign-ins being checked")
        .contains("\"user\":\"dave\"")
        .doesNotContain("\"pw\"");

    release.countDown();
    holding.forEach(CompletableFuture::join);
    assertThat(postJson(client, "dave", "pw").statusCode())
        .as("heard once the checks are free; the busy refusal counted no failure")
        .isEqualTo(200);
  }

  /** A name that is no one's is refused busy as a user's is: the answer tells nothing of it. */
  @Test
  void login_everyCheckTaken_unknownNameAndWrongPassword_refusedAlike() throws Exception {
    holdEveryCheck();
    HttpClient client = HttpClient.newHttpClient();

    HttpResponse<String> unknown = postJson(client, "nobody", "x");
    HttpResponse<String> wrong = postJson(client, "dave", "x");

    assertThat(unknown.statusCode()).isEqualTo(503);
    assertThat(wrong.statusCode()).isEqualTo(503);
    assertThat(unknown.body()).isEqualTo(wrong.body());
  }

  @Test
  void loginForm_everyCheckTaken_503FormPageWithRetryAfter() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> page =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login"))).build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher token = Pattern.compile("name=csrf value=\"([^\"]+)\"").matcher(page.body());
    assertThat(token.find()).isTrue();
    String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    holdEveryCheck();

    HttpResponse<String> busy =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", cookie)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "csrf="
                            + URLEncoder.encode(token.group(1), StandardCharsets.UTF_8)
                            + "&username=dave&password=pw"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(busy.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(busy.body()).contains("<form").contains("too many sign-ins are being checked");
  }

  /**
   * A flood of slow sign-ins with names that are no one's: two are taken, the others are refused at
   * once, and the assertion keys, read on the shared worker pool, are served meanwhile.
   */
  @Test
  void login_floodOfSlowChecks_restRefusedAtOnce_keysStillServed() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // The only user's hash is dear: names that are no one's cost as much (seconds each).
      flood.add(postJsonAsync(client, "nobody-" + i, "x"));
    }
    Thread.sleep(500);

    long started = System.nanoTime();
    HttpResponse<String> keys =
        client.send(
            HttpRequest.newBuilder(URI.create(url(IdentityAssertion.JWKS_PATH))).build(),
            HttpResponse.BodyHandlers.ofString());
    long keysMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(keysMs).as("the keys are not queued behind the hashes").isLessThan(3_000);
    long refused =
        flood.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 503).count();
    long heard =
        flood.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 401).count();
    assertThat(refused).isGreaterThanOrEqualTo(6);
    assertThat(refused + heard).isEqualTo(8);
  }

  private static HttpResponse<String> postJson(HttpClient client, String user, String password)
      throws Exception {
    return postJsonAsync(client, user, password).get(60, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> postJsonAsync(
      HttpClient client, String user, String password) {
    return client.sendAsync(
        HttpRequest.newBuilder(URI.create(url("/auth/login")))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }
}
