package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.access.Holders;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Just-in-time grants end to end: asked for and approved at the gateway's /auth/access/ endpoints
 * by signed-in users, read by a route's policy from input.grants, and logged with each decision.
 */
class EdgeGrantsTest {

  static final String POLICY =
      """
      package jit

      default allow := false

      allow if {
        some g in input.grants
        g.entitlement == "prod-db-admin"
      }

      decision := {"allow": allow, "obligations": {"request_access": "prod-db-admin"}}
      """;

  static final Entitlement DB =
      new Entitlement(
          "prod-db-admin", List.of("group:dba"), Duration.ofHours(1), true, Duration.ofMinutes(15));

  @TempDir static Path tmp;
  static HttpServer upstream;
  static EdgeGateway gateway;
  static Store store;
  static DecisionLog log;
  static Grants grants;
  static final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
  static final InstantSource clock = () -> now.get();

  @BeforeAll
  static void start() throws Exception {
    // The app answers with the id of the decision that let the request through.
    upstream = Fixtures.answering(ex -> ex.getRequestHeaders().getFirst("X-Vigil-Decision-Id"));
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles("jit", Map.of("jit.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    Route route =
        new Route(
            "db",
            "*",
            "/db",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "jit/decision",
            Mode.ENFORCE,
            Map.of("service", "db"),
            null);
    String hash = PasswordHash.hash("pw");
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser("alice", "", List.of("dev"), List.of("eng"), hash, null),
                new LocalUser("carol", "", List.of("dba"), List.of("dba"), hash, null),
                new LocalUser("bob", "", List.of("dev"), List.of("eng"), hash, null),
                // dave asks through the access page only, so no other test sees his grants.
                new LocalUser("dave", "", List.of("dev"), List.of("eng"), hash, null)),
            Fixtures.sessions(clock),
            clock);
    grants = Grants.open(store, clock, List.of(DB));
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                    clock)
                .withLocalUsers(auth, null)
                .withGrants(grants));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    grants.close();
    log.close();
    store.close();
  }

  static HttpClient signedIn(String user) throws Exception {
    HttpClient c = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpResponse<String> r =
        post(c, "/auth/login", "{\"username\":\"" + user + "\",\"password\":\"pw\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    return c;
  }

  static String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  static HttpResponse<String> post(HttpClient c, String path, String json) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path))).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String field(String json, String name) {
    return ((StringValue) ((ObjectValue) Json.parse(json)).get(StringValue.of(name))).value();
  }

  @Test
  void grant_deniedBeforeApproval_allowedAfter_deniedAfterRevokeAndExpiry_loggedWithDecision()
      throws Exception {
    HttpClient alice = signedIn("alice");
    HttpClient carol = signedIn("carol");

    HttpResponse<String> before = get(alice, "/db/tables");
    assertThat(before.statusCode()).isEqualTo(403);
    assertThat(before.body())
        .contains("\"request_access\":\"prod-db-admin\"")
        .contains("\"request_at\":\"/auth/access/requests\"");

    HttpResponse<String> asked =
        post(
            alice,
            "/auth/access/requests",
            "{\"entitlement\":\"prod-db-admin\",\"duration\":\"30m\",\"reason\":\"INC-7\"}");
    assertThat(asked.statusCode()).isEqualTo(201);
    assertThat(field(asked.body(), "state")).isEqualTo("pending");
    assertThat(field(asked.body(), "provider")).isEqualTo("local");
    String id = field(asked.body(), "id");
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(403);

    // The requester cannot approve, even through the endpoint; carol (group dba) can.
    HttpResponse<String> own = post(alice, "/auth/access/requests/" + id + "/approve", "{}");
    assertThat(own.statusCode()).isEqualTo(403);
    assertThat(get(carol, "/auth/access/pending").body())
        .contains(id)
        .contains("\"subject\":\"alice\"")
        .contains("\"provider\":\"local\"");
    HttpResponse<String> ok =
        post(carol, "/auth/access/requests/" + id + "/approve", "{\"reason\":\"fine\"}");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(field(ok.body(), "state")).isEqualTo("active");
    assertThat(field(ok.body(), "expires_at")).isEqualTo("2026-12-06T10:30:00Z");

    HttpResponse<String> allowed = get(alice, "/db/tables");
    assertThat(allowed.statusCode()).isEqualTo(200);
    String decision = allowed.body();
    String event = Fixtures.awaitRecord(store, decision).eventJson();
    assertThat(event)
        .contains("\"grants\":[{")
        .contains("\"id\":\"" + id + "\"")
        .contains("\"approved_by\":\"carol\"")
        .contains("\"expires_at\":\"2026-12-06T10:30:00Z\"")
        .contains("\"reason\":\"INC-7\"");
    // Bob has no grant of his own.
    assertThat(get(signedIn("bob"), "/db/tables").statusCode()).isEqualTo(403);

    grants.revoke(id, "admin", "done");
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(403);

    // A second grant, then the clock past its expiry: no refresh runs in between.
    String second =
        field(
            post(
                    alice,
                    "/auth/access/requests",
                    "{\"entitlement\":\"prod-db-admin\",\"duration\":\"10m\",\"reason\":\"again\"}")
                .body(),
            "id");
    post(carol, "/auth/access/requests/" + second + "/approve", "{}");
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(200);
    now.set(now.get().plus(Duration.ofMinutes(10)));
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(403);

    HttpResponse<String> mine = get(alice, "/auth/access/requests");
    assertThat(mine.statusCode()).isEqualTo(200);
    assertThat(mine.body()).contains("\"state\":\"revoked\"").contains("\"state\":\"expired\"");
  }

  @Test
  void breakGlass_activeAtOnce_allowsTheRoute() throws Exception {
    HttpClient bob = signedIn("bob");

    HttpResponse<String> taken =
        post(
            bob,
            "/auth/access/break-glass",
            "{\"entitlement\":\"prod-db-admin\",\"reason\":\"outage\"}");

    assertThat(taken.statusCode()).isEqualTo(201);
    assertThat(taken.body()).contains("\"break_glass\":true").contains("\"reviewed_at\":null");
    assertThat(get(bob, "/db/tables").statusCode()).isEqualTo(200);
    // One at a time: a second would chain access past break_glass_max_duration.
    HttpResponse<String> again =
        post(
            bob,
            "/auth/access/break-glass",
            "{\"entitlement\":\"prod-db-admin\",\"reason\":\"outage again\"}");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(field(again.body(), "error")).isEqualTo("conflict");
    assertThat(field(again.body(), "message"))
        .contains(field(taken.body(), "id"))
        .contains("until " + field(taken.body(), "expires_at"));
    grants.revoke(field(taken.body(), "id"), "admin", "over");
    assertThat(get(bob, "/db/tables").statusCode()).isEqualTo(403);
  }

  @Test
  void reload_breakGlassOffAndCapLowered_inputGrantsCutAtOnce() throws Exception {
    // Regression: grants already active kept counting, with their old end, after a reload that
    // no longer allowed them.
    HttpClient alice = signedIn("alice");
    HttpClient bob = signedIn("bob");
    String asked =
        field(
            post(
                    alice,
                    "/auth/access/requests",
                    "{\"entitlement\":\"prod-db-admin\",\"duration\":\"1h\",\"reason\":\"INC-9\"}")
                .body(),
            "id");
    post(signedIn("carol"), "/auth/access/requests/" + asked + "/approve", "{}");
    Instant start = now.get();
    post(bob, "/auth/access/break-glass", "{\"entitlement\":\"prod-db-admin\",\"reason\":\"x\"}");
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(200);
    assertThat(get(bob, "/db/tables").statusCode()).isEqualTo(200);
    try {
      grants.configure(
          List.of(
              new Entitlement(
                  DB.name(),
                  DB.approvers(),
                  Duration.ofMinutes(20),
                  false,
                  Duration.ofMinutes(15))),
          Holders.ANYONE);

      assertThat(get(bob, "/db/tables").statusCode()).isEqualTo(403);
      HttpResponse<String> allowed = get(alice, "/db/tables");
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(Fixtures.awaitRecord(store, allowed.body()).eventJson())
          .contains("\"id\":\"" + asked + "\"")
          .contains(
              "\"expires_at\":\""
                  + dev.vigil.pdp.Timestamps.iso(start.plus(Duration.ofMinutes(20)))
                  + "\"");
      now.set(now.get().plus(Duration.ofMinutes(20)));
      assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(403);
    } finally {
      grants.configure(List.of(DB), Holders.ANYONE);
    }
  }

  @Test
  void requests_badInput_400NamingTheField() throws Exception {
    HttpClient alice = signedIn("alice");

    HttpResponse<String> unknown =
        post(alice, "/auth/access/requests", "{\"entitlement\":\"root\",\"reason\":\"x\"}");
    HttpResponse<String> tooLong =
        post(
            alice,
            "/auth/access/requests",
            "{\"entitlement\":\"prod-db-admin\",\"duration\":\"3h\",\"reason\":\"x\"}");
    HttpResponse<String> number =
        post(
            alice,
            "/auth/access/requests",
            "{\"entitlement\":\"prod-db-admin\",\"duration\":3600,\"reason\":\"x\"}");
    HttpResponse<String> noReason =
        post(alice, "/auth/access/requests", "{\"entitlement\":\"prod-db-admin\"}");
    HttpResponse<String> notJson = post(alice, "/auth/access/requests", "{");

    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(field(unknown.body(), "field")).isEqualTo("entitlement");
    assertThat(field(tooLong.body(), "field")).isEqualTo("duration");
    assertThat(field(number.body(), "field")).isEqualTo("duration");
    assertThat(field(noReason.body(), "field")).isEqualTo("reason");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("not valid JSON").doesNotContain("Exception");
  }

  /** Each byte that was not UTF-8 was stored in the reason as U+FFFD, and the trail kept that. */
  @Test
  void requests_bodyNotUtf8_400AndNothingAsked() throws Exception {
    HttpClient carol = signedIn("carol");
    byte[] latin1 =
        "{\"entitlement\":\"prod-db-admin\",\"reason\":\"caf\u00e9 down\"}"
            .getBytes(StandardCharsets.ISO_8859_1);

    HttpResponse<String> r =
        carol.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access/requests")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(latin1))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("body is not UTF-8 text");
    assertThat(grants.of("carol", "local")).noneMatch(g -> g.reason().contains("caf"));
  }

  @Test
  void requests_crossSiteOrFormOrAnonymous_refused() throws Exception {
    HttpClient alice = signedIn("alice");
    String body = "{\"entitlement\":\"prod-db-admin\",\"reason\":\"x\"}";

    HttpResponse<String> crossSite =
        alice.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access/requests")))
                .header("Content-Type", "application/json")
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> form =
        alice.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access/requests")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("entitlement=prod-db-admin&reason=x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> anonymous =
        post(HttpClient.newHttpClient(), "/auth/access/requests", body);

    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(grants.of("alice", "local")).noneMatch(g -> g.reason().equals("x"));
  }

  private static final java.util.regex.Pattern FORM_TOKEN =
      java.util.regex.Pattern.compile("name=csrf value=\"([^\"]+)\"");

  static HttpResponse<String> page(HttpClient c, String path) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path))).header("Accept", "text/html").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Posts the access page's form with the token of the page {@code c} was shown last. */
  static HttpResponse<String> form(HttpClient c, String token, String site, String... fields)
      throws Exception {
    StringBuilder body = new StringBuilder("csrf=" + token);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      body.append('&')
          .append(fields[i])
          .append('=')
          .append(java.net.URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url("/auth/access")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (site != null) {
      b.header("Sec-Fetch-Site", site);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String token(HttpResponse<String> page) {
    java.util.regex.Matcher m = FORM_TOKEN.matcher(page.body());
    assertThat(m.find()).as("the page has a form token").isTrue();
    return m.group(1);
  }

  @Test
  void accessPage_askFromTheDenialPage_approverApproves_routeAllowed() throws Exception {
    HttpClient dave = signedIn("dave");
    HttpClient carol = signedIn("carol");

    HttpResponse<String> denied = page(dave, "/db/tables");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body())
        .contains(
            "<a href=\"/auth/access?entitlement=prod-db-admin\">"
                + "Ask for access to prod-db-admin</a>");

    HttpResponse<String> shown = page(dave, "/auth/access?entitlement=prod-db-admin");
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.headers().firstValue("Content-Security-Policy")).isPresent();
    assertThat(shown.body())
        .contains("Signed in as <b>dave</b> (local)")
        .contains("<option value=\"prod-db-admin\" selected>prod-db-admin (up to 1h)</option>")
        .contains("<h2>Break glass</h2>");
    HttpResponse<String> asked =
        form(
            dave,
            token(shown),
            "same-origin",
            "action",
            "request",
            "entitlement",
            "prod-db-admin",
            "duration",
            "30m",
            "reason",
            "INC-11 <b>x</b>");
    assertThat(asked.statusCode()).isEqualTo(303);
    assertThat(asked.headers().firstValue("Location")).hasValue("/auth/access?done=requested");
    assertThat(page(dave, "/auth/access?done=requested").body())
        .contains("Your request is waiting for an approver.")
        .contains("<td>pending");
    Grant mine = grants.of("dave", "local").get(0);
    assertThat(mine.reason()).isEqualTo("INC-11 <b>x</b>");

    // dave cannot decide his own request through the page either.
    HttpResponse<String> own =
        form(dave, token(page(dave, "/auth/access")), null, "action", "approve", "id", mine.id());
    assertThat(own.statusCode()).isEqualTo(403);

    HttpResponse<String> carolsPage = page(carol, "/auth/access");
    assertThat(carolsPage.body())
        .contains("<h2>Waiting for your decision</h2>")
        .contains("dave (local)")
        .contains("INC-11 &lt;b&gt;x&lt;/b&gt;")
        .doesNotContain("INC-11 <b>");
    HttpResponse<String> approved =
        form(carol, token(carolsPage), null, "action", "approve", "id", mine.id(), "reason", "ok");
    assertThat(approved.statusCode()).isEqualTo(303);
    assertThat(grants.of("dave", "local").get(0).decidedBy()).isEqualTo("carol");
    assertThat(get(dave, "/db/tables").statusCode()).isEqualTo(200);
  }

  @Test
  void accessPage_wrongTokenOrCrossSite_refusedAndNothingAsked() throws Exception {
    HttpClient dave = signedIn("dave");
    String token = token(page(dave, "/auth/access"));
    int before = grants.of("dave", "local").size();

    HttpResponse<String> wrong =
        form(
            dave,
            "forged",
            null,
            "action",
            "request",
            "entitlement",
            "prod-db-admin",
            "reason",
            "x");
    HttpResponse<String> crossSite =
        form(
            dave,
            token,
            "cross-site",
            "action",
            "request",
            "entitlement",
            "prod-db-admin",
            "reason",
            "x");

    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.body()).contains("The form has expired or was not sent by this gateway");
    assertThat(grants.of("dave", "local")).hasSize(before);
  }

  @Test
  void accessPage_badInput_shownAgainWithTheReason_anonymousSentToSignIn() throws Exception {
    HttpClient dave = signedIn("dave");

    HttpResponse<String> tooLong =
        form(
            dave,
            token(page(dave, "/auth/access")),
            null,
            "action",
            "request",
            "entitlement",
            "prod-db-admin",
            "duration",
            "3h",
            "reason",
            "x");
    HttpResponse<String> noAction =
        form(dave, token(page(dave, "/auth/access")), null, "action", "delete");
    HttpResponse<String> anonymous = page(HttpClient.newHttpClient(), "/auth/access");

    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("is longer than the max_duration of prod-db-admin");
    assertThat(noAction.statusCode()).isEqualTo(400);
    assertThat(noAction.body())
        .contains("action must be request, break-glass, approve or deny, not &quot;delete&quot;");
    assertThat(anonymous.statusCode()).isEqualTo(303);
    assertThat(anonymous.headers().firstValue("Location"))
        .hasValue("/auth/login?rd=%2Fauth%2Faccess");
  }

  /** Posts {@code body} as the access page's form, as it is: no field is encoded. */
  static HttpResponse<String> rawForm(HttpClient c, String body) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url("/auth/access")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Sec-Fetch-Site", "same-origin")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void accessPage_badEscapeOrFieldTwice_pageWithTheReasonNotJson() throws Exception {
    // Regression: a form body that could not be read was answered {"error": ...} in JSON, where
    // the page promises itself again with the reason.
    HttpClient dave = signedIn("dave");
    String token = token(page(dave, "/auth/access"));
    int before = grants.of("dave", "local").size();

    HttpResponse<String> badEscape =
        rawForm(dave, "csrf=" + token + "&action=request&entitlement=prod-db-admin&reason=50%zz");
    HttpResponse<String> twice =
        rawForm(
            dave,
            "csrf="
                + token
                + "&action=request&entitlement=prod-db-admin&entitlement=other&reason=x");
    HttpResponse<String> crossSite =
        dave.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("reason=%zz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(badEscape.statusCode()).isEqualTo(400);
    assertThat(badEscape.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(badEscape.body())
        .contains("<p role=alert>form field is not valid URL encoding</p>")
        .contains("Signed in as <b>dave</b>");
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(twice.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(twice.body())
        .contains("form field &quot;entitlement&quot; appears twice")
        .doesNotContain("{\"error\"");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.body()).contains("The form has expired or was not sent by this gateway");
    assertThat(grants.of("dave", "local")).hasSize(before);
    // A JSON caller of the sign-in endpoint still gets JSON for a body it cannot read.
    HttpResponse<String> json = post(HttpClient.newHttpClient(), "/auth/login", "{\"username\"");
    assertThat(json.statusCode()).isEqualTo(400);
    assertThat(json.body()).startsWith("{\"error\":");
  }

  /** Sends {@code head} as it is over a socket of its own and returns all the gateway answered. */
  static String raw(String head) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String cookies(HttpClient c) {
    CookieManager m = (CookieManager) c.cookieHandler().orElseThrow();
    return String.join(
        "; ", m.getCookieStore().getCookies().stream().map(Object::toString).toList());
  }

  @Test
  void head_whereGetIsServed_sameStatusAndNoBody() throws Exception {
    // Regression: HEAD /auth/access/requests answered 405, though HTTP asks HEAD wherever GET is.
    HttpClient carol = signedIn("carol");
    String cookie = cookies(carol);

    for (String path : List.of("/auth/access/requests", "/auth/access/pending", "/auth/access")) {
      HttpResponse<String> got = get(carol, path);
      String answer =
          raw(
              "HEAD "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: "
                  + cookie
                  + "\r\nConnection: close\r\n\r\n");

      assertThat(answer).as(path).startsWith("HTTP/1.1 " + got.statusCode() + " ");
      assertThat(got.statusCode()).as(path).isEqualTo(200);
      assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).as(path).isEmpty();
    }
    HttpResponse<String> put =
        carol.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access/requests")))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
  }
}
