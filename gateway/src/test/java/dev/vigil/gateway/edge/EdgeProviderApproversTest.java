package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.GrantEvent;
import dev.vigil.access.Grants;
import dev.vigil.access.ProviderApprover;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approvers who sign in through an OpenID Connect provider (a real one: mock-oauth2-server), named
 * in an entitlement by the provider's group or by their subject: they decide at the gateway's
 * /auth/access/ endpoints as local approvers do, and only they.
 */
class EdgeProviderApproversTest {

  static final String PROVIDER = "default";

  static final Entitlement DB =
      new Entitlement(
          "prod-db-admin",
          List.of("group:dba"),
          Duration.ofHours(1),
          false,
          Duration.ofMinutes(15),
          List.of(
              ProviderApprover.group(PROVIDER, "sre"),
              ProviderApprover.user(PROVIDER, "00u-rita")));

  @TempDir static Path tmp;
  static MockOAuth2Server idp;
  static HttpServer upstream;
  static EdgeGateway gateway;
  static Store store;
  static Grants grants;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    upstream = Fixtures.answering(ex -> "db");
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "jit", Map.of("jit.rego", EdgeGrantsTest.POLICY.getBytes(StandardCharsets.UTF_8))));
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InstantSource clock = InstantSource.system();
    SessionCodec sessions = Fixtures.sessions(clock);
    String hash = PasswordHash.hash("pw");
    // sre is a group of a local user too: a local group is not the provider's group of that name.
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser("alice", "", List.of("dev"), List.of("eng"), hash, null),
                new LocalUser("sara", "", List.of("dev"), List.of("sre"), hash, null)),
            sessions,
            clock);
    OidcLogin oidc =
        new OidcLogin(
            new OidcLogin.Config(
                URI.create(idp.issuerUrl(PROVIDER).toString()),
                "vigil-gw",
                "secret",
                URI.create("http://127.0.0.1:" + port + "/auth/callback"),
                List.of("RS256")),
            sessions,
            clock);
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
    grants = Grants.open(store, clock, List.of(DB));
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withLocalUsers(auth, oidc)
                .withGrants(grants));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    idp.shutdown();
    grants.close();
    store.close();
  }

  static String url(String path) {
    return path.startsWith("http") ? path : "http://127.0.0.1:" + port + path;
  }

  static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path))).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient c, String path, String json) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  }

  static HttpClient local(String user) throws Exception {
    HttpClient c = browser();
    HttpResponse<String> r =
        post(c, "/auth/login", "{\"username\":\"" + user + "\",\"password\":\"pw\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    return c;
  }

  /** Signs {@code subject}, member of {@code groups}, in through the provider, as a browser. */
  static HttpClient provider(String subject, List<String> groups) throws Exception {
    HttpClient c = browser();
    HttpResponse<String> start = get(c, "/auth/start?rd=%2Fauth%2Faccess");
    assertThat(start.statusCode()).isEqualTo(302);
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            PROVIDER,
            subject,
            "JWT",
            List.of("vigil-gw"),
            Map.of("groups", groups, "amr", List.of("pwd", "otp")),
            3600));
    HttpResponse<String> authorize = get(c, location(start));
    assertThat(authorize.statusCode()).isEqualTo(302);
    HttpResponse<String> back = get(c, location(authorize));
    assertThat(back.statusCode()).isEqualTo(302);
    assertThat(location(back)).isEqualTo("/auth/access");
    return c;
  }

  static String location(HttpResponse<String> r) {
    return r.headers().firstValue("Location").orElseThrow();
  }

  static String ask(HttpClient c, String reason) throws Exception {
    HttpResponse<String> asked =
        post(
            c,
            "/auth/access/requests",
            "{\"entitlement\":\"prod-db-admin\",\"duration\":\"30m\",\"reason\":\""
                + reason
                + "\"}");
    assertThat(asked.statusCode()).isEqualTo(201);
    return EdgeGrantsTest.field(asked.body(), "id");
  }

  @Test
  void approve_byProviderUserInApproverGroup_grantActiveAndTrailNamesTheProvider()
      throws Exception {
    HttpClient alice = local("alice");
    String id = ask(alice, "INC-31: reindex");
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(403);
    HttpClient sam = provider("00u-sam", List.of("sre", "eng"));

    assertThat(get(sam, "/auth/access/pending").body()).contains("\"id\":\"" + id + "\"");
    HttpResponse<String> ok =
        post(sam, "/auth/access/requests/" + id + "/approve", "{\"reason\":\"go\"}");

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(EdgeGrantsTest.field(ok.body(), "state")).isEqualTo("active");
    assertThat(EdgeGrantsTest.field(ok.body(), "decided_by")).isEqualTo("00u-sam");
    assertThat(EdgeGrantsTest.field(ok.body(), "decided_by_provider")).isEqualTo(PROVIDER);
    assertThat(get(alice, "/db/tables").statusCode()).isEqualTo(200);
    assertThat(Json.write(GrantInput.of(grants.active("alice", "local"))))
        .contains("\"approved_by\":\"00u-sam\"")
        .contains("\"approved_by_provider\":\"" + PROVIDER + "\"");
    assertThat(grants.events(id))
        .extracting(GrantEvent::action, GrantEvent::who)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("requested", "alice"),
            org.assertj.core.groups.Tuple.tuple("approved", "00u-sam (" + PROVIDER + ")"));
    // The access page of the requester says who decided, with the provider.
    HttpResponse<String> page =
        alice.send(
            HttpRequest.newBuilder(URI.create(url("/auth/access"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).contains("00u-sam (" + PROVIDER + ")");
  }

  @Test
  void approve_byProviderUserOutsideTheGroupOrLocalNamesake_forbidden() throws Exception {
    String id = ask(local("alice"), "INC-32: vacuum");
    HttpClient bob = provider("00u-bob", List.of("eng"));
    // A local user of a group named sre is not in the provider's group sre.
    HttpClient sara = local("sara");

    assertThat(get(bob, "/auth/access/pending").body()).isEqualTo("{\"grants\":[]}");
    HttpResponse<String> refused =
        post(bob, "/auth/access/requests/" + id + "/approve", "{\"reason\":\"go\"}");
    HttpResponse<String> denied =
        post(sara, "/auth/access/requests/" + id + "/deny", "{\"reason\":\"no\"}");

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("not an approver of entitlement");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(grants.get(id).orElseThrow().state()).isEqualTo(Grant.State.PENDING);
    // A provider approver named by subject decides it.
    HttpClient rita = provider("00u-rita", List.of());
    HttpResponse<String> no =
        post(rita, "/auth/access/requests/" + id + "/deny", "{\"reason\":\"not today\"}");
    assertThat(no.statusCode()).isEqualTo(200);
    assertThat(EdgeGrantsTest.field(no.body(), "state")).isEqualTo("denied");
    assertThat(EdgeGrantsTest.field(no.body(), "decided_by_provider")).isEqualTo(PROVIDER);
  }

  @Test
  void approve_ownRequestOfAProviderApprover_forbidden() throws Exception {
    HttpClient rita = provider("00u-rita", List.of("sre"));
    String id = ask(rita, "INC-33: failover");

    assertThat(get(rita, "/auth/access/pending").body()).doesNotContain(id);
    HttpResponse<String> own =
        post(rita, "/auth/access/requests/" + id + "/approve", "{\"reason\":\"me\"}");

    assertThat(own.statusCode()).isEqualTo(403);
    assertThat(own.body()).contains("is your own request");
    assertThat(grants.get(id).orElseThrow().state()).isEqualTo(Grant.State.PENDING);
    HttpResponse<String> other =
        post(
            provider("00u-sam", List.of("sre")),
            "/auth/access/requests/" + id + "/approve",
            "{\"reason\":\"ok\"}");
    assertThat(other.statusCode()).isEqualTo(200);
  }
}
