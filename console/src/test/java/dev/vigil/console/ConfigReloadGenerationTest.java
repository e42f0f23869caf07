package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.SteppingClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a reload swapped the users and then the route table as two steps, and a request read
 * the route table when it was routed and the users when its session was resolved. A request that
 * fell between the two was decided on the routes of one configuration and the users of the other:
 * bob, a developer on a route for SREs before the reload and an SRE on a route for developers after
 * it, was let through although neither configuration lets him in.
 *
 * <p>The test runs the reload at the worst moment instead of hoping for it: the session codec's
 * clock, read while the request resolves bob's session (after it picked its route), runs the reload
 * in the middle of the request.
 */
class ConfigReloadGenerationTest {

  static final String POLICY =
      """
      package p

      default sre_only := false

      sre_only if "sre" in input.user.roles

      default dev_only := false

      dev_only if "dev" in input.user.roles

      default signed_in := false

      signed_in if input.user.id
      """;

  static final String HASH = PasswordHash.hash("bob's password");

  @TempDir Path tmp;
  private Store store;
  private HttpServer upstream;
  private DecisionPoint pdp;
  private EdgeGateway gateway;
  private final SteppingClock sessionClock = new SteppingClock();

  @BeforeEach
  void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("store")));
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body = "upstream".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    upstream.start();
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("p.rego", POLICY);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.stop(0);
    pdp.close();
    store.close();
  }

  /**
   * A configuration with one enforced route deciding by {@code rule}, and bob in {@code role}, or
   * without bob when {@code role} is null.
   */
  private VigilConfig config(String name, String rule, String role) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(
        f,
        "routes:\n  - name: app\n    upstream: http://127.0.0.1:"
            + upstream.getAddress().getPort()
            + "\n    policy: p/"
            + rule
            + "\n    mode: enforce\n"
            + (role == null
                ? ""
                : "users:\n  - username: bob\n    roles: ["
                    + role
                    + "]\n    password_hash: '"
                    + HASH
                    + "'\n"));
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  /** Starts the gateway as vigil up does, on {@code before}; returns its reload. */
  private ConfigReload start(VigilConfig before, LocalAuthenticator auth) {
    // As vigil up starts it: the table carries the users of its configuration.
    RouteModes modes =
        RouteModes.start(
            before.routes(),
            LocalUsers.of(before.users()),
            new RouteModeOverrides(store),
            InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"),
            new SessionCodec(
                SessionCodec.newKey(),
                Duration.ofMinutes(30),
                Duration.ofHours(8),
                InstantSource.system()),
            InstantSource.system(),
            "admin",
            before.users());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    modes.table(),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                    InstantSource.system())
                .withLocalUsers(auth, null));
    return new ConfigReload(before, modes, auth, console, List.of());
  }

  private SessionCodec codec() {
    return new SessionCodec(
        SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), sessionClock);
  }

  private static String cookie(SessionCodec codec, LocalAuthenticator auth) {
    Session bob = auth.authenticate("bob", "bob's password", null, null).session();
    return SessionCodec.COOKIE + "=" + codec.seal(bob);
  }

  private HttpResponse<String> get(String cookie) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/app"))
                .header("Accept", "application/json")
                .header("Cookie", cookie)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void apply_duringARequest_requestSeesOneGenerationOnly() throws Exception {
    VigilConfig before = config("before", "sre_only", "dev");
    VigilConfig after = config("after", "dev_only", "sre");
    SessionCodec codec = codec();
    LocalAuthenticator auth = new LocalAuthenticator(before.users(), codec, sessionClock);
    ConfigReload reload = start(before, auth);
    String cookie = cookie(codec, auth);
    assertThat(get(cookie).statusCode()).as("bob, a developer, on the SREs' route").isEqualTo(403);

    sessionClock.runOnce(() -> reload.apply(after));
    HttpResponse<String> during = get(cookie);

    assertThat(sessionClock.ran()).as("the reload ran in the middle of the request").isTrue();
    assertThat(during.statusCode())
        .as("a request routed before the reload is decided on the users before it")
        .isEqualTo(403);
    assertThat(during.body()).doesNotContain("upstream");
    assertThat(get(cookie).statusCode()).as("bob, an SRE, on the developers' route").isEqualTo(403);
  }

  @Test
  void apply_userRemoved_oldSessionIsNotHonouredOnTheNewRoutes() throws Exception {
    VigilConfig before = config("before", "dev_only", "dev");
    VigilConfig after = config("after", "signed_in", null);
    SessionCodec codec = codec();
    LocalAuthenticator auth = new LocalAuthenticator(before.users(), codec, sessionClock);
    ConfigReload reload = start(before, auth);
    String cookie = cookie(codec, auth);
    assertThat(get(cookie).statusCode())
        .as("bob, a developer, on the developers' route")
        .isEqualTo(200);

    reload.apply(after);
    HttpResponse<String> removed = get(cookie);

    assertThat(removed.statusCode())
        .as("anyone signed in may pass, but bob is gone")
        .isEqualTo(401);
    assertThat(removed.headers().allValues("Set-Cookie"))
        .anySatisfy(c -> assertThat(c).startsWith(SessionCodec.COOKIE + "=;"));
    assertThat(auth.authenticate("bob", "bob's password", null, null).session()).isNull();
  }
}
