package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.access.Holders;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class InsightAccessReviewCommandTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_reviewcli_");

  private static final Entitlement DB =
      new Entitlement(
          "prod-db-admin", List.of("carol"), Duration.ofHours(1), true, Duration.ofMinutes(30));

  /** Decision ids and grant ids, by name. */
  private final Map<String, String> ids = new HashMap<>();

  /**
   * Alice (SRE) reads the database 80 days ago and again 100 days ago (outside the default 90d);
   * bob (SRE) reads only the wiki, and never uses the grant carol approves him; carol never signs
   * in.
   */
  private void record(StoreLocation where) throws Exception {
    Instant now = Instant.now();
    Instant[] at = {now};
    InstantSource clock = () -> at[0];
    try (Store store = Store.open(where)) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      try (DecisionPoint pdp =
              new DecisionPoint(
                  new DecisionPoint.Options(
                      "node-a",
                      clock,
                      Duration.ofSeconds(2),
                      false,
                      ModeTable.enforceAll(),
                      Masking.none(),
                      log));
          Grants grants = Grants.open(store, clock, List.of(DB))) {
        pdp.activate(
            BundleReader.fromFiles(
                "t",
                Map.of("authz.rego", InsightCommandTest.POLICY.getBytes(StandardCharsets.UTF_8))));
        at[0] = now.minus(Duration.ofDays(100));
        decide(pdp, "alice-old", "alice", "db", "high");
        at[0] = now.minus(Duration.ofDays(80));
        decide(pdp, "alice-db", "alice", "db", "high");
        at[0] = now.minus(Duration.ofDays(2));
        decide(pdp, "bob-wiki", "bob", "wiki", "low");
        grants.configure(List.of(DB), Holders.of(List.of("alice", "bob", "carol"), List.of()));
        Grant g = grants.request("bob", "local", "prod-db-admin", "30m", "INC-3");
        grants.approve(g.id(), "carol", Set.of(), null);
        ids.put("bob-grant", g.id());
      }
    }
  }

  private void decide(DecisionPoint pdp, String name, String who, String route, String critical)
      throws Exception {
    String input =
        ("{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"host\":\"%s.localhost\"},"
                + "\"resource\":{\"service\":\"%s\",\"criticality\":\"%s\"},"
                + "\"subject\":{\"type\":\"user\",\"id\":\"%s\",\"idp\":\"local\","
                + "\"email\":\"%s@example.com\",\"roles\":[\"sre\"],\"groups\":[]}}")
            .formatted(route, route, critical, who, who);
    Decision d =
        pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse(input),
            Map.of("route", route, "subject", who),
            pdp.evalOptions(),
            Mode.ENFORCE);
    d.logged().get(10, TimeUnit.SECONDS);
    ids.put(name, d.decisionId());
  }

  private Path config() throws Exception {
    Path config = tmp.resolve("vigil.yaml");
    String hash = PasswordHash.hash("a long pass phrase");
    StringBuilder users = new StringBuilder("users:\n");
    for (String[] u : new String[][] {{"alice", "sre"}, {"bob", "sre"}, {"carol", "dev"}}) {
      users.append(
          "  - username: %s\n    email: %s@example.com\n    roles: [%s]\n    password_hash: '%s'\n"
              .formatted(u[0], u[0], u[1], hash));
    }
    Files.writeString(
        config,
        """
        routes:
          - name: db
            host: db.localhost
            upstream: http://127.0.0.1:9001
            policy: authz/allow
            resource: {criticality: high}
          - name: wiki
            host: wiki.localhost
            upstream: http://127.0.0.1:9002
            policy: authz/allow
        access:
          entitlements:
            - name: prod-db-admin
              approvers: [carol]
              break_glass: true
        """
            + users);
    return config;
  }

  @Test
  void accessReview_defaultWindowAndConfig_printsFindingsInEachFormat() throws Exception {
    Path data = tmp.resolve("data");
    record(StoreLocation.embedded(data));
    String config = config().toString();
    String d = data.toString();

    CliRun text = CliRun.of("insight", "access-review", "--data-dir", d, "--config", config);
    CliRun json =
        CliRun.of(
            "insight", "access-review", "--data-dir", d, "--config", config, "--format", "json");
    CliRun csv =
        CliRun.of(
            "insight", "access-review", "--data-dir", d, "--config", config, "--format", "csv");

    assertThat(text.status()).isZero();
    // 90 days by default: alice's read of 100 days ago is not in it.
    assertThat(text.out())
        .containsPattern("access review, .* to .*: 2 decisions, 3 people, 1 grants\n")
        .contains("privileged roles (derived from the window): sre\n")
        .contains("findings (3):\n")
        .contains("  dormant_privilege        bob (local)  holds sre")
        .contains("evidence: " + ids.get("bob-wiki") + "\n")
        .contains("  unused_grant             bob (local)  prod-db-admin approved by carol")
        .contains("evidence: " + ids.get("bob-grant") + "\n")
        .contains("  never_signed_in          carol (local)  configured local user")
        .contains("    may approve: prod-db-admin\n")
        .doesNotContain(ids.get("alice-old"));
    assertThat(json.status()).isZero();
    assertThat(json.out()).contains("\"kind\": \"never_signed_in\"").contains("\"decisions\": 2");
    assertThat(csv.status()).isZero();
    assertThat(csv.out())
        .startsWith("record,subject,idp,email,roles,groups,item,state,allowed,denied,uses,last,")
        .contains("\r\nfinding,carol,local,,,,never_signed_in,")
        .contains("\r\nroute,alice,local,,,,db,privileged,1,0,,");
  }

  @Test
  void accessReview_sharedStoreAndGivenRoles_reviewsThePostgresStore() throws Exception {
    String url = schemas.createUrl();
    record(StoreLocation.parse(url));

    CliRun run =
        CliRun.of(
            "insight",
            "access-review",
            "--store",
            url,
            "--since",
            "200d",
            "--privileged-role",
            "sre,admin");

    assertThat(run.status()).isZero();
    // Without --config: no users to miss, no entitlements to list.
    assertThat(run.out())
        .contains(": 3 decisions, 2 people, 1 grants\n")
        .contains("privileged roles: admin, sre\n")
        .contains("findings (2):\n")
        .contains("  dormant_privilege        bob (local)")
        .contains("  unused_grant             bob (local)")
        .doesNotContain("may request");
  }

  @Test
  void accessReview_badInput_clearErrorNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    record(StoreLocation.embedded(data));
    String d = data.toString();

    CliRun format = CliRun.of("insight", "access-review", "--data-dir", d, "--format", "xlsx");
    CliRun role = CliRun.of("insight", "access-review", "--data-dir", d, "--privileged-role", " ");
    CliRun since = CliRun.of("insight", "access-review", "--data-dir", d, "--since", "lately");
    CliRun config =
        CliRun.of("insight", "access-review", "--data-dir", d, "--config", tmp + "/none.yaml");
    CliRun missing =
        CliRun.of("insight", "access-review", "--data-dir", tmp.resolve("nope").toString());

    assertThat(format.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(format.err())
        .isEqualTo(
            "vigil insight access-review: --format must be text, json or csv, not \"xlsx\"\n");
    assertThat(role.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(role.err())
        .isEqualTo("vigil insight access-review: --privileged-role must name a role, not \" \"\n");
    assertThat(since.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(since.err())
        .startsWith("vigil insight access-review: --since \"lately\" is neither a duration");
    assertThat(config.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(config.err()).contains("none.yaml: no such configuration file");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("no Vigil store in data directory");
    for (CliRun r : new CliRun[] {format, role, since, config, missing}) {
      assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }
}
