package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-in through the gateway with local users (password and TOTP), and the v0 authz policy of the
 * Rego engine issue guarding a route unchanged.
 */
class EdgeSignInTest {

  @TempDir static Path tmp;
  static HttpServer upstream;
  static final List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
  static EdgeGateway gateway;
  static Store store;
  static DecisionLog log;
  static final String ALICE_TOTP = Totp.newSecret();

  /** A clock that tests move forward, so each TOTP code belongs to a fresh step. */
  static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

  static final InstantSource clock = () -> now.get();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          seen.add(Map.copyOf(ex.getRequestHeaders()));
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp =
        new DecisionPoint(DecisionPoint.Options.defaults().withV0(true).withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "authz",
            Map.of("authz.rego", Files.readAllBytes(Path.of("../examples/authz/authz.rego")))));
    Route route =
        new Route(
            "prod-app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "authz/allow",
            Mode.ENFORCE,
            Map.of("service", "app", "environment", "production"),
            null);
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "alice",
                    "alice@example.com",
                    List.of("sre"),
                    List.of("ops"),
                    PasswordHash.hash("correct horse"),
                    ALICE_TOTP),
                new LocalUser(
                    "bob",
                    "bob@example.com",
                    List.of("dev"),
                    List.of("eng"),
                    PasswordHash.hash("battery staple"),
                    null)),
            Fixtures.sessions(clock),
            clock);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    log.close();
    store.close();
  }

  @BeforeEach
  void reset() {
    seen.clear();
    now.set(now.get().plusSeconds(90));
  }

  private final HttpClient browser =
      HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

  private String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  private HttpResponse<String> get(HttpClient c, String path, String accept) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path))).header("Accept", accept).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> loginJson(HttpClient c, String user, String pw, String totp)
      throws Exception {
    String body =
        "{\"username\":\""
            + user
            + "\",\"password\":\""
            + pw
            + "\""
            + (totp == null ? "" : ",\"totp\":\"" + totp + "\"")
            + "}";
    return c.send(
        HttpRequest.newBuilder(URI.create(url("/auth/login")))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void login_jsonBodyRepeatingUsername_400NamingTheKeyAndNoSession() throws Exception {
    HttpResponse<String> r =
        browser.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"bob\",\"password\":\"battery staple\","
                            + "\"username\":\"alice\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("sign-in body: duplicate key").contains("username");
    assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("vigil_session="));
  }

  @Test
  void login_jsonFieldOfAnotherType_400NamingIt_notAFailedAttempt() throws Exception {
    List<HttpResponse<String>> answers = new java.util.ArrayList<>();
    for (String body :
        List.of(
            "{\"username\":\"alice\",\"password\":123}",
            "{\"username\":[\"alice\"],\"password\":\"x\"}")) {
      answers.add(
          browser.send(
              HttpRequest.newBuilder(URI.create(url("/auth/login")))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }

    assertThat(answers.get(0).statusCode()).isEqualTo(400);
    assertThat(answers.get(0).body()).contains("password must be a string");
    assertThat(answers.get(1).statusCode()).isEqualTo(400);
    assertThat(answers.get(1).body()).contains("username must be a string");
    // Neither counted against alice: her right password still signs her in at once.
    assertThat(
            loginJson(browser, "alice", "correct horse", Totp.code(ALICE_TOTP, clock)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void anonymous_browserSentToSignIn_apiGets401() throws Exception {
    HttpResponse<String> b = get(browser, "/reports?q=1", "text/html");
    assertThat(b.statusCode()).isEqualTo(302);
    assertThat(b.headers().firstValue("Location")).hasValue("/auth/login?rd=%2Freports%3Fq%3D1");

    assertThat(get(browser, "/reports", "application/json").statusCode()).isEqualTo(401);
    assertThat(seen).isEmpty();
  }

  @Test
  void sre_withPasswordAndTotp_readsProduction_andUpstreamSeesWhoItIs() throws Exception {
    HttpResponse<String> login =
        loginJson(browser, "alice", "correct horse", Totp.code(ALICE_TOTP, clock));
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.body()).contains("\"mfa\":true");
    assertThat(login.headers().allValues("Set-Cookie"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("vigil_session=")
                    .contains("HttpOnly")
                    .contains("SameSite=Lax"));

    HttpResponse<String> r = get(browser, "/reports", "application/json");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(seen.get(0).get("X-vigil-user")).containsExactly("alice");
    SignedJWT jwt = SignedJWT.parse(seen.get(0).get("X-vigil-assertion").get(0));
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("prod-app");
  }

  @Test
  void developer_isDenied403_andTheLogExplainsWhichConditionFailed() throws Exception {
    assertThat(loginJson(browser, "bob", "battery staple", null).statusCode()).isEqualTo(200);

    HttpResponse<String> r = get(browser, "/reports", "application/json");

    assertThat(r.statusCode()).isEqualTo(403);
    String id = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    Thread.sleep(300);
    var rec = new DecisionReader(store).get(id).orElseThrow();
    assertThat(rec.subject()).isEqualTo("bob");
    assertThat(rec.eventJson())
        .contains("input.user.role == \\\"sre\\\" failed: " + "input.user.role is \\\"dev\\\"");
    assertThat(seen).isEmpty();
  }

  @Test
  void writeAction_isDeniedEvenForSre() throws Exception {
    loginJson(browser, "alice", "correct horse", Totp.code(ALICE_TOTP, clock));

    HttpResponse<String> r =
        browser.send(
            HttpRequest.newBuilder(URI.create(url("/reports")))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void wrongPasswordMissingOrReplayedCode_refused() throws Exception {
    assertThat(loginJson(browser, "alice", "wrong", Totp.code(ALICE_TOTP, clock)).statusCode())
        .isEqualTo(401);
    assertThat(loginJson(browser, "alice", "correct horse", null).statusCode()).isEqualTo(401);
    assertThat(loginJson(browser, "nobody", "x", null).statusCode()).isEqualTo(401);
    String code = Totp.code(ALICE_TOTP, clock);
    assertThat(loginJson(browser, "alice", "correct horse", code).statusCode()).isEqualTo(200);
    HttpClient other = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    assertThat(loginJson(other, "alice", "correct horse", code).statusCode())
        .as("the same code a second time")
        .isEqualTo(401);
  }

  /**
   * Regression: the gateway's own pages (the sign-in form, the TOTP prompt) were sent without
   * anything against framing: any site could show them in a frame under its own page and have its
   * visitors type or click in them unawares (clickjacking).
   */
  @Test
  void signInAndStepUpPages_refuseFraming() throws Exception {
    loginJson(browser, "alice", "correct horse", Totp.code(ALICE_TOTP, clock));

    for (String path : List.of("/auth/login?rd=%2F", "/auth/step-up?rd=%2F")) {
      HttpResponse<String> r = get(browser, path, "text/html");

      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.body()).as(path).contains("<form");
      assertThat(r.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
      assertThat(r.headers().firstValue("Content-Security-Policy"))
          .as(path)
          .hasValueSatisfying(v -> assertThat(v).contains("frame-ancestors 'none'"));
      assertThat(r.headers().firstValue("Cache-Control")).as(path).hasValue("no-store");
    }
  }

  @Test
  void formLogin_needsItsCsrfToken_andRedirectIsChecked() throws Exception {
    HttpResponse<String> form = get(browser, "/auth/login?rd=//evil.example/", "text/html");
    String token = form.body().replaceAll("(?s).*name=csrf value=\"([^\"]+)\".*", "$1");
    assertThat(form.body()).contains("name=rd value=\"/\"");
    assertThat(
            ((CookieManager) browser.cookieHandler().orElseThrow())
                .getCookieStore()
                .getCookies()
                .toString())
        .contains("vigil_login_csrf");

    HttpClient noCookie = HttpClient.newBuilder().build();
    String body = "csrf=" + token + "&rd=%2Freports&username=bob&password=battery+staple";
    HttpResponse<String> forged =
        noCookie.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith("vigil_session="));

    HttpResponse<String> ok =
        browser.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        body.replace("%2Freports", "%2F%5Cevil.example")))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(ok.headers().firstValue("Location")).hasValue("/");
  }

  /** Signs in with a client of its own; returns the value of its session cookie. */
  private String sessionOf(String user, String password, String totp) throws Exception {
    HttpClient c = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    assertThat(loginJson(c, user, password, totp).statusCode()).isEqualTo(200);
    return ((CookieManager) c.cookieHandler().orElseThrow())
        .getCookieStore().getCookies().stream()
            .filter(k -> k.getName().equals("vigil_session"))
            .findFirst()
            .orElseThrow()
            .getValue();
  }

  /**
   * The status of {@code GET /reports} sent over a socket of its own with each of {@code
   * cookieHeaders} as a {@code Cookie} header line of its own (an HTTP client may merge them).
   */
  private int statusWithCookies(String... cookieHeaders) throws Exception {
    StringBuilder head = new StringBuilder("GET /reports HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : cookieHeaders) {
      head.append("Cookie: ").append(h).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
      socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
      String status =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  @Test
  void twoSessionCookies_readAsNone_whicheverComesFirst() throws Exception {
    // A page's script, a sibling domain or a nameless cookie can put a second vigil_session
    // beside the gateway's own (here bob's session, tossed at alice's browser); the request
    // cannot tell which one the gateway set.
    String alice = sessionOf("alice", "correct horse", Totp.code(ALICE_TOTP, clock));
    String bob = sessionOf("bob", "battery staple", null);
    assertThat(statusWithCookies("vigil_session=" + alice)).isEqualTo(200);

    assertThat(statusWithCookies("vigil_session=" + bob + "; vigil_session=" + alice))
        .isEqualTo(401);
    assertThat(statusWithCookies("vigil_session=" + alice + "; other=1; vigil_session=" + bob))
        .isEqualTo(401);
    assertThat(statusWithCookies("vigil_session=" + alice, "vigil_session=" + bob))
        .as("in two Cookie headers")
        .isEqualTo(401);
    assertThat(statusWithCookies("vigil_session=" + alice + "; vigil_session=" + alice))
        .as("the same cookie twice is still one")
        .isEqualTo(200);
  }

  @Test
  void sessionCookie_inASecondCookieHeader_isRead() throws Exception {
    // HTTP/2 clients may split cookies over several header fields (RFC 9113 section 8.2.3).
    String alice = sessionOf("alice", "correct horse", Totp.code(ALICE_TOTP, clock));

    assertThat(statusWithCookies("theme=dark", "vigil_session=" + alice)).isEqualTo(200);
  }

  @Test
  void signOut_oldCookieIsRefusedEvenIfReplayed() throws Exception {
    loginJson(browser, "bob", "battery staple", null);
    String cookie =
        ((CookieManager) browser.cookieHandler().orElseThrow())
            .getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("vigil_session"))
                .findFirst()
                .orElseThrow()
                .getValue();
    browser.send(
        HttpRequest.newBuilder(URI.create(url("/auth/logout")))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());

    HttpResponse<String> replay =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/reports")))
                    .header("Cookie", "vigil_session=" + cookie)
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(replay.statusCode()).isEqualTo(401);
  }

  /** Posts a sign-out form as a browser would, with the given Origin and Sec-Fetch-Site. */
  private HttpResponse<String> formSignOut(String origin, String fetchSite) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url("/auth/logout")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.noBody());
    if (origin != null) {
      b.header("Origin", origin);
    }
    if (fetchSite != null) {
      b.header("Sec-Fetch-Site", fetchSite);
    }
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void signOut_formPostedByAnotherOrigin_refusedAndSessionKept() throws Exception {
    // A sibling sub-domain is the same site: the SameSite=Lax cookie goes with its form post.
    loginJson(browser, "bob", "battery staple", null);
    String[][] posts = {
      {"http://evil.example", "same-site"},
      {"http://evil.example", null},
      {null, "same-site"},
      {null, "cross-site"},
      {"null", null},
      {"https://127.0.0.1:" + gateway.port(), null},
      {"http://127.0.0.1:" + (gateway.port() + 1), null},
    };
    for (String[] p : posts) {
      HttpResponse<String> out = formSignOut(p[0], p[1]);

      assertThat(out.statusCode()).as("Origin %s, Sec-Fetch-Site %s", p[0], p[1]).isEqualTo(403);
      assertThat(out.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("vigil_"));
      // Still bob: refused by policy (403), not asked to sign in (401).
      assertThat(get(browser, "/reports", "application/json").statusCode()).isEqualTo(403);
    }
  }

  @Test
  void signOut_formPostedByTheGatewaysOwnPage_signsOut() throws Exception {
    loginJson(browser, "bob", "battery staple", null);

    HttpResponse<String> out = formSignOut("http://127.0.0.1:" + gateway.port(), "same-origin");

    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get(browser, "/reports", "application/json").statusCode()).isEqualTo(401);
  }

  @Test
  void signOut_sameOriginBehindAProxyEndingTls_signsOut() throws Exception {
    // The page was https://gateway, the proxy in front reached the gateway over plain HTTP: the
    // browser's Sec-Fetch-Site, not the Origin's scheme, says whose page it was.
    loginJson(browser, "bob", "battery staple", null);

    HttpResponse<String> out = formSignOut("https://127.0.0.1:" + gateway.port(), "same-origin");

    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get(browser, "/reports", "application/json").statusCode()).isEqualTo(401);
  }

  @Test
  void signOut_byGet_refusedAndSessionKept() throws Exception {
    // A link or a top-level navigation from another site carries a SameSite=Lax cookie on GET.
    loginJson(browser, "bob", "battery staple", null);

    HttpResponse<String> get =
        browser.send(
            HttpRequest.newBuilder(URI.create(url("/auth/logout"))).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> after = get(browser, "/reports", "application/json");

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).contains("POST");
    // Still bob: refused by policy (403), not asked to sign in (401).
    assertThat(after.statusCode()).isEqualTo(403);
  }

  @Test
  void tamperedOrForeignCookie_isAnonymous() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/reports")))
                    .header(
                        "Cookie", "vigil_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void idleSession_expires() throws Exception {
    HttpClient c = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    loginJson(c, "bob", "battery staple", null);
    now.set(now.get().plus(Duration.ofMinutes(31)));

    assertThat(get(c, "/reports", "application/json").statusCode()).isEqualTo(401);
  }

  @Test
  void consoleCookies_neverReachTheUpstream() throws Exception {
    HttpClient c = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    loginJson(c, "alice", "correct horse", Totp.code(ALICE_TOTP, clock));

    HttpResponse<String> r =
        c.send(
            HttpRequest.newBuilder(URI.create(url("/reports")))
                .header("Accept", "application/json")
                .header("Cookie", "vigil_console=admin-session; app=1; vigil_console_login=t")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(String.join(";", seen.get(0).get("Cookie"))).isEqualTo("app=1");
  }
}
