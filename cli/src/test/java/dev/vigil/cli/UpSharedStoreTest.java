package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.StallingRelay;
import dev.vigil.testkit.TestSchemas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil up --store} on the real PostgreSQL at 127.0.0.1:5432 (a fresh schema per test): a
 * node keeps its decisions there and nothing in an SQLite file, two nodes with the same CA key
 * share route modes and serve each other's assertion keys, a node with another CA key is refused
 * before it writes a CA, and bad values are refused with a message naming them.
 */
class UpSharedStoreTest {

  private static final long BOUND_NANOS = 30_000_000_000L;

  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_up_");
  private String schema;
  private String url;

  @BeforeEach
  void freshSchema() throws Exception {
    schema = schemas.create();
    url = TestSchemas.url(schema);
  }

  private int status(String u) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(u)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** The key ids of the JWKS at {@code u}, sorted. */
  private List<String> kids(String u) throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(u)).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    return JWKSet.parse(body).getKeys().stream().map(k -> k.getKeyID()).sorted().toList();
  }

  /** Polls until {@code condition} holds, for a bounded time; returns whether it did. */
  private static boolean eventually(Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + BOUND_NANOS;
    while (System.nanoTime() < deadline) {
      if (condition.call()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  @Test
  void up_withStore_decisionIsInPostgres_andNoSqliteFile() throws Exception {
    try (UpProcess up = UpProcess.shared(tmp.resolve("node"), url)) {
      List<String> banner = up.start();

      assertThat(banner).anySatisfy(l -> assertThat(l).contains("store").contains(url));
      assertThat(status(up.gatewayUrl("/hello"))).isEqualTo(401);
      boolean logged =
          eventually(
              () -> {
                CliRun logs = CliRun.of("logs", "--store", url, "--format", "json");
                return logs.status() == 0 && logs.out().contains("\"echo\"");
              });
      assertThat(logged).as("the gateway's decision read back from PostgreSQL").isTrue();
      // Named after its host (VIGIL_NODE is not set here), so nodes of one store differ.
      assertThat(CliRun.of("logs", "--store", url, "--format", "json").out())
          .contains("\"node\":\"" + NodeName.of(java.util.Map.of()) + "\"");
      assertThat(up.dataDir.resolve("vigil.db")).doesNotExist();
      assertThat(up.dataDir.resolve("ca.key")).exists();
      assertThat(up.stop()).isTrue();
    }
  }

  @Test
  void twoNodes_sameCaKey_modeSetInTheStoreReachesBoth_otherCaKeyRefused() throws Exception {
    try (UpProcess one = UpProcess.shared(tmp.resolve("one"), url);
        UpProcess two = UpProcess.shared(tmp.resolve("two"), url)) {
      // Node one runs no trust domain: the store holds the device CA only, so the CA key of
      // node two is checked by that CA before any trust domain's CA is made.
      Files.writeString(
          one.config,
          Files.readString(one.config)
              .replace("trust_domains: [prod, staging]", "trust_domains: []"));
      one.start();

      // Node two with a CA key of its own, and a trust domain the store does not hold yet:
      // refused before it seals a CA with that key.
      String file = Files.readString(two.config);
      Files.writeString(
          two.config,
          file.replace("trust_domains: [prod, staging]", "trust_domains: [extra, prod, staging]"));
      CliRun other =
          CliRun.of(
              "up",
              "--config",
              two.config.toString(),
              "--data-dir",
              two.dataDir.toString(),
              "--store",
              url);
      assertThat(other.status()).as(other.err()).isEqualTo(1);
      assertThat(other.err())
          .contains("cannot decrypt the key of CA device-ca")
          .contains("copy ca.key")
          .doesNotContain("\tat ");
      assertThat(casOf("extra")).as("CAs sealed with the refused key").isZero();
      Files.writeString(two.config, file);

      Files.copy(
          one.dataDir.resolve("ca.key"),
          two.dataDir.resolve("ca.key"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      two.start();
      // Each node's JWKS serves the assertion keys of both: an app may fetch it from either.
      assertThat(
              eventually(
                  () -> {
                    List<String> fromOne = kids(one.gatewayUrl(IdentityAssertion.JWKS_PATH));
                    return fromOne.size() == 2
                        && fromOne.equals(kids(two.gatewayUrl(IdentityAssertion.JWKS_PATH)));
                  }))
          .as("both nodes serve both assertion keys")
          .isTrue();
      // Enforced in the file: anonymous requests are refused on both nodes.
      assertThat(status(one.gatewayUrl("/hello"))).isEqualTo(401);
      assertThat(status(two.gatewayUrl("/hello"))).isEqualTo(401);

      // As the console of a node stores it; node two reads it only when the feed says so.
      try (Store store = Store.open(StoreLocation.parse(url))) {
        new RouteModeOverrides(store)
            .put(new RouteModeOverride("echo", "observe", "alice", Instant.now()));
      }

      // Observed, let through to the echo upstream, which does not run here.
      assertThat(eventually(() -> status(two.gatewayUrl("/hello")) == 502))
          .as("node two follows the mode set in the shared store")
          .isTrue();
      assertThat(eventually(() -> status(one.gatewayUrl("/hello")) == 502)).isTrue();
    }
  }

  /**
   * Regression: a sign-out was remembered only by the node that handled it, in memory, so the same
   * cookie still opened on the other nodes sharing the session key, and on that node after a
   * restart.
   */
  @Test
  void twoNodes_sameSessionKey_signOutOnOne_cookieRefusedOnBoth_andAfterARestart()
      throws Exception {
    try (UpProcess one = UpProcess.shared(tmp.resolve("one"), url);
        UpProcess two = UpProcess.shared(tmp.resolve("two"), url)) {
      String user =
          "\nusers:\n  - username: carol\n    roles: [sre]\n    password_hash: \""
              + PasswordHash.hash("carol's password")
              + "\"\n";
      startBoth(one, two, user, "ca.key", "session.key");
      String cookie = signIn(one, "carol", "carol's password");
      assertThat(status(two.gatewayUrl("/hello"), cookie))
          .as("signed in on node one, known on node two")
          .isNotEqualTo(401);

      HttpResponse<Void> out =
          http.send(
              HttpRequest.newBuilder(URI.create(one.gatewayUrl("/auth/logout")))
                  .header("Cookie", cookie)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      assertThat(out.statusCode()).isEqualTo(303);

      assertThat(status(one.gatewayUrl("/hello"), cookie)).isEqualTo(401);
      assertThat(eventually(() -> status(two.gatewayUrl("/hello"), cookie) == 401))
          .as("the sign-out on node one reaches node two")
          .isTrue();
      assertThat(one.stop()).isTrue();
      one.start();
      assertThat(status(one.gatewayUrl("/hello"), cookie)).as("after a restart").isEqualTo(401);
      // A new sign-in still works on the restarted node.
      assertThat(status(one.gatewayUrl("/hello"), signIn(one, "carol", "carol's password")))
          .isNotEqualTo(401);
    }
  }

  @Test
  void twoNodes_oneTimeCodeUsedOnOne_refusedOnTheOther_andGuessesOnBothCountTogether()
      throws Exception {
    try (UpProcess one = UpProcess.shared(tmp.resolve("one"), url);
        UpProcess two = UpProcess.shared(tmp.resolve("two"), url)) {
      String secret = Totp.newSecret();
      String user =
          "\nusers:\n  - username: erin\n    roles: [sre]\n    password_hash: \""
              + PasswordHash.hash("erin's password")
              + "\"\n    totp_secret: "
              + secret
              + "\n  - username: carol\n    roles: [sre]\n    password_hash: \""
              + PasswordHash.hash("carol's password")
              + "\"\n";
      startBoth(one, two, user, "ca.key");
      String code = Totp.code(secret, java.time.Clock.systemUTC());
      String body =
          "{\"username\":\"erin\",\"password\":\"erin's password\",\"totp\":\"" + code + "\"}";
      assertThat(login(one, body).statusCode()).as("the code on node one").isEqualTo(200);

      HttpResponse<String> replay = login(two, body);

      assertThat(replay.statusCode()).as("the same code on node two").isEqualTo(401);
      assertThat(replay.headers().firstValue("Set-Cookie")).isEmpty();

      // Five wrong passwords for one account, spread over the two nodes, lock it on both.
      String wrong = "{\"username\":\"carol\",\"password\":\"guess\"}";
      for (UpProcess node : List.of(one, two, one, two, one)) {
        assertThat(login(node, wrong).statusCode()).isEqualTo(401);
      }
      HttpResponse<String> locked =
          login(two, "{\"username\":\"carol\",\"password\":\"carol's password\"}");
      assertThat(locked.statusCode()).as("the right password, refused unheard").isEqualTo(429);
      assertThat(locked.headers().firstValue("Retry-After")).isPresent();
    }
  }

  /**
   * Regression: a node whose store stopped answering without closing its connections held every
   * sign-in for ever (in the read of the failed sign-ins counted in the store), and a sign-out too.
   */
  @Test
  void storeStalled_signInAndSignOutAnswerWithinSeconds_codesRefused() throws Exception {
    try (StallingRelay relay = StallingRelay.start();
        UpProcess node = UpProcess.shared(tmp.resolve("node"), relay.url(schema))) {
      String secret = Totp.newSecret();
      Files.writeString(
          node.config,
          Files.readString(node.config)
              + "\nusers:\n  - username: erin\n    roles: [sre]\n    password_hash: \""
              + PasswordHash.hash("erin's password")
              + "\"\n    totp_secret: "
              + secret
              + "\n  - username: carol\n    roles: [sre]\n    password_hash: \""
              + PasswordHash.hash("carol's password")
              + "\"\n");
      node.start();
      String cookie = signIn(node, "carol", "carol's password");

      relay.stall();

      long start = System.nanoTime();
      HttpResponse<String> right =
          login(node, "{\"username\":\"carol\",\"password\":\"carol's password\"}");
      HttpResponse<String> code =
          login(
              node,
              "{\"username\":\"erin\",\"password\":\"erin's password\",\"totp\":\""
                  + Totp.code(secret, java.time.Clock.systemUTC())
                  + "\"}");
      HttpResponse<Void> out =
          http.send(
              HttpRequest.newBuilder(URI.create(node.gatewayUrl("/auth/logout")))
                  .header("Cookie", cookie)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .timeout(java.time.Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;

      assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
      assertThat(code.statusCode()).as("a code that cannot be recorded").isEqualTo(401);
      assertThat(out.statusCode()).isEqualTo(303);
      assertThat(status(node.gatewayUrl("/hello"), cookie)).as("signed out here").isEqualTo(401);
      assertThat(seconds).as("two sign-ins and a sign-out on a silent store").isLessThan(15);
      relay.resume();
    }
  }

  private HttpResponse<String> login(UpProcess node, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(node.gatewayUrl("/auth/login")))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .timeout(java.time.Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Adds {@code yaml} to both nodes' configuration, starts node one, gives node two copies of the
   * keys named (from node one's data directory), and starts node two.
   */
  private static void startBoth(UpProcess one, UpProcess two, String yaml, String... keys)
      throws Exception {
    Files.writeString(one.config, Files.readString(one.config) + yaml);
    Files.writeString(two.config, Files.readString(two.config) + yaml);
    one.start();
    Files.createDirectories(two.dataDir);
    for (String key : keys) {
      Files.copy(one.dataDir.resolve(key), two.dataDir.resolve(key));
    }
    two.start();
  }

  /** Signs in at the node's gateway; returns the session cookie, {@code vigil_session=...}. */
  private String signIn(UpProcess node, String user, String password) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(node.gatewayUrl("/auth/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("vigil_session="))
        .map(c -> c.substring(0, c.indexOf(';')))
        .findFirst()
        .orElseThrow();
  }

  private int status(String u, String cookie) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(u)).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private long casOf(String trustDomain) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test");
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT count(*) FROM "
                    + schema
                    + ".identity_cas WHERE trust_domain = '"
                    + trustDomain
                    + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void badStoreFlag_refusedNamingIt_nothingCreated() {
    Path data = tmp.resolve("data");

    CliRun r = CliRun.of("up", "--store", "mysql://127.0.0.1/vigil", "--data-dir", data.toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("vigil up: store URL \"mysql://127.0.0.1/vigil\" is not supported")
        .doesNotContain("\tat ");
    assertThat(data).doesNotExist();
  }

  @Test
  void badStoreKey_refusedWithFileAndLine() throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, "gateway:\n  addr: 127.0.0.1:0\nstore: postgresql://:5432\n");

    CliRun r =
        CliRun.of("up", "--config", cfg.toString(), "--data-dir", tmp.resolve("d").toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil.yaml:3: store: store URL \"postgresql://:5432\" must name a host")
        .doesNotContain("\tat ");
  }

  @Test
  void demo_withStore_refused() throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, "store: " + url + "\n");

    CliRun flag =
        CliRun.of(
            "up", "--demo", "--config", cfg.toString(), "--data-dir", tmp.resolve("d").toString());

    assertThat(flag.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(flag.err())
        .contains("--demo runs on the embedded store of one node, not on a shared store")
        .contains(url);
    assertThat(tmp.resolve("d")).doesNotExist();
  }

  @Test
  void storeFlag_winsOverTheFile() throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, "store: postgresql://127.0.0.1:5432/from_the_file\n");

    // --demo refuses a shared store naming it: the one in force is the flag's.
    CliRun r =
        CliRun.of(
            "up",
            "--demo",
            "--config",
            cfg.toString(),
            "--store",
            url,
            "--data-dir",
            tmp.resolve("d").toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains(url).doesNotContain("from_the_file");
  }
}
