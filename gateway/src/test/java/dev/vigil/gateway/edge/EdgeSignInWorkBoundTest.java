package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TOTP step-up and the OpenID Connect start and callback wait for a bounded number of threads,
 * as password checks do. Regression: they ran on Vert.x's shared worker pool with an unbounded
 * queue, so a flood of them (or a provider that answers slowly) queued as much work as it sent, in
 * front of every other blocking task of the node. Now past the bound they are answered 503 with
 * {@code Retry-After} at once and logged as refusals with the code {@code BUSY}, and the rest of
 * the gateway goes on.
 */
class EdgeSignInWorkBoundTest {

  static final String ERIN_TOTP = Totp.newSecret();

  @TempDir static Path tmp;

  static MockOAuth2Server corp;
  static Store store;
  static DecisionLog log;
  static DecisionPoint pdp;
  static PasswordChecks checks;
  static BoundedWork providerCalls;
  static BoundedWork tokenChecks;
  static EdgeGateway gateway;

  private final CountDownLatch release = new CountDownLatch(1);
  private final List<CompletableFuture<Void>> holding = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    corp = new MockOAuth2Server();
    corp.start(InetAddress.getLoopbackAddress(), 0);
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    InstantSource clock = InstantSource.system();
    checks = new PasswordChecks(new PasswordChecks.Limits(1, 0, Duration.ofSeconds(2)));
    providerCalls = BoundedWork.providerCalls(new BoundedWork.Limits(1, 0, Duration.ofSeconds(3)));
    tokenChecks = BoundedWork.tokenChecks(new BoundedWork.Limits(1, 0, Duration.ofSeconds(4)));
    SessionCodec sessions = Fixtures.sessions(clock);
    LocalAuthenticator local =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "erin", "", List.of(), List.of(), PasswordHash.hash("pw"), ERIN_TOTP)),
            sessions,
            clock,
            // The second factor asked only when a policy asks it: the sign-in takes no code.
            true,
            SignInThrottle.withDefaults(clock),
            TotpSteps.inMemory(),
            checks);
    int port = Fixtures.freePort();
    OidcLogin provider = provider("corp", URI.create(corp.issuerUrl("default").toString()), port);
    gateway = start(port, local, provider, providerCalls, tokenChecks);
  }

  static OidcLogin provider(String name, URI issuer, int gatewayPort) {
    return new OidcLogin(
        new OidcLogin.Config(
            name,
            issuer,
            "vigil-gw",
            "secret",
            URI.create("http://127.0.0.1:" + gatewayPort + "/auth/callback"),
            List.of("RS256"),
            List.of("openid", "email"),
            List.of(),
            List.of(),
            List.of("mfa", "otp"),
            Duration.ofSeconds(30)),
        Fixtures.sessions(InstantSource.system()),
        InstantSource.system());
  }

  static EdgeGateway start(
      int port,
      LocalAuthenticator local,
      OidcLogin provider,
      BoundedWork calls,
      BoundedWork checks) {
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
    return EdgeGateway.start(
        EdgeGateway.Settings.of(
                "127.0.0.1",
                port,
                new AtomicReference<>(new RouteTable(List.of(route))),
                pdp,
                new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                InstantSource.system())
            .withSignIn(
                new EdgeSignIn(
                    local, new IdentityProviders(List.of(provider)), List.of(), calls, checks)));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    checks.close();
    providerCalls.close();
    tokenChecks.close();
    corp.shutdown();
    pdp.close();
    log.close();
    store.close();
  }

  @AfterEach
  void letGo() {
    release.countDown();
    holding.forEach(CompletableFuture::join);
  }

  /** Takes the one thread of {@code work} (no place waits) until {@link #release}. */
  private void hold(BoundedWork work) throws Exception {
    holding.add(Fixtures.hold(work, release));
  }

  @Test
  void oidcStart_providerCallsTaken_503WithRetryAfter_loggedBusy_thenStartsAgain()
      throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    hold(providerCalls);

    HttpResponse<String> busy = get(client, gateway, "/auth/start?rd=%2F");

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(busy.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(busy.body()).contains("identity provider");
    String id = busy.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(Fixtures.awaitRecord(store, id).eventJson())
        .contains("\"path\":\"vigil/gateway/sign-in\"")
        .contains("\"refusal\":\"BUSY\"")
        .contains("\"idp\":\"corp\"")
        .contains("/auth/start");

    release.countDown();
    holding.forEach(CompletableFuture::join);
    HttpResponse<String> started = get(client, gateway, "/auth/start?rd=%2F");
    assertThat(started.statusCode()).isEqualTo(302);
    assertThat(started.headers().firstValue("Location").orElseThrow())
        .startsWith(corp.issuerUrl("default").toString());
  }

  @Test
  void bearerToken_tokenChecksTaken_503WithRetryAfter_loggedBusy_thenChecked() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    hold(tokenChecks);

    HttpResponse<String> busy = getBearer(client, "/app/x", "not.a.token");

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("4");
    assertThat(busy.body()).contains("busy");
    String id = busy.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(Fixtures.awaitRecord(store, id).eventJson())
        .contains("\"refusal\":\"BUSY\"")
        .contains("bearer tokens and sessions waiting on the identity provider")
        .contains("/app/x");

    release.countDown();
    holding.forEach(CompletableFuture::join);
    HttpResponse<String> checked = getBearer(client, "/app/x", "not.a.token");
    assertThat(checked.statusCode()).isEqualTo(401);
    assertThat(checked.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("invalid_token");
  }

  @Test
  void signIn_startsWhileBearerChecksAreTaken() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    hold(tokenChecks);

    HttpResponse<String> started = get(client, gateway, "/auth/start?rd=%2F");

    assertThat(started.statusCode()).isEqualTo(302);
  }

  @Test
  void oidcCallback_providerCallsTaken_503WithRetryAfter_loggedBusy() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    hold(providerCalls);

    HttpResponse<String> busy = get(client, gateway, "/auth/callback?code=c&state=s");

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("3");
    String id = busy.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(Fixtures.awaitRecord(store, id).eventJson())
        .contains("\"refusal\":\"BUSY\"")
        .contains("/auth/callback");
  }

  @Test
  void totpStepUp_passwordChecksTaken_503WithRetryAfter_loggedBusy_thenSteppedUp()
      throws Exception {
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpResponse<String> in =
        postJson(browser, "/auth/login", "{\"username\":\"erin\",\"password\":\"pw\"}");
    assertThat(in.statusCode()).isEqualTo(200);
    hold(checks);

    String code = Totp.code(ERIN_TOTP, InstantSource.system());
    HttpResponse<String> busy = postJson(browser, "/auth/step-up", "{\"totp\":\"" + code + "\"}");

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(busy.body()).contains("too many sign-ins are being checked");
    String id = busy.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(Fixtures.awaitRecord(store, id).eventJson())
        .contains("\"refusal\":\"BUSY\"")
        .contains("\"user\":\"erin\"")
        .doesNotContain(code);

    release.countDown();
    holding.forEach(CompletableFuture::join);
    HttpResponse<String> stepped =
        postJson(browser, "/auth/step-up", "{\"totp\":\"" + code + "\"}");
    assertThat(stepped.statusCode())
        .as("the code refused busy was not spent: heard once the checks are free")
        .isEqualTo(200);
  }

  /**
   * A flood of sign-ins at a provider that accepts connections and never answers: one waits on it,
   * another waits for it, the others are refused at once, and the assertion keys, read on the
   * shared worker pool (20 threads), are served meanwhile.
   */
  @Test
  void oidcStart_floodAtAStalledProvider_restRefusedAtOnce_keysStillServed() throws Exception {
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    try (ServerSocket stalled = new ServerSocket(0, 64, InetAddress.getLoopbackAddress())) {
      Thread.ofPlatform()
          .daemon(true)
          .start(
              () -> {
                while (!stalled.isClosed()) {
                  try {
                    accepted.add(stalled.accept());
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      int port = Fixtures.freePort();
      BoundedWork calls =
          BoundedWork.providerCalls(new BoundedWork.Limits(1, 1, Duration.ofSeconds(1)));
      LocalAuthenticator none =
          new LocalAuthenticator(
              List.of(), Fixtures.sessions(InstantSource.system()), InstantSource.system());
      URI issuer = URI.create("http://127.0.0.1:" + stalled.getLocalPort() + "/stalled");
      EdgeGateway slow = start(port, none, provider("stalled", issuer, port), calls, null);
      try {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          flood.add(getAsync(client, slow, "/auth/start?rd=%2F"));
        }
        long refused = 0;
        for (CompletableFuture<HttpResponse<String>> f : flood) {
          try {
            if (f.get(2, TimeUnit.SECONDS).statusCode() == 503) {
              refused++;
            }
          } catch (java.util.concurrent.TimeoutException e) {
            // held on the provider: counted below
          }
        }

        HttpResponse<String> keys =
            getAsync(client, slow, IdentityAssertion.JWKS_PATH).get(10, TimeUnit.SECONDS);

        assertThat(keys.statusCode()).isEqualTo(200);
        assertThat(refused).as("all but the one running and the one waiting").isEqualTo(28);
      } finally {
        for (Socket s : accepted) {
          s.close();
        }
        slow.close();
        calls.close();
      }
    }
  }

  private static HttpResponse<String> get(HttpClient client, EdgeGateway gw, String path)
      throws Exception {
    return getAsync(client, gw, path).get(30, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> getAsync(
      HttpClient client, EdgeGateway gw, String path) {
    return client.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> getBearer(HttpClient client, String path, String token)
      throws Exception {
    return client
        .sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> postJson(HttpClient client, String path, String json)
      throws Exception {
    return client
        .sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .get(30, TimeUnit.SECONDS);
  }
}
