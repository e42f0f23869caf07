package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.insight.InvariantReport.Finding;
import dev.vigil.insight.InvariantReport.Result;
import dev.vigil.insight.InvariantReport.Source;
import dev.vigil.insight.InvariantReport.Status;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.Timestamps;
import dev.vigil.rego.value.Json;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SecurityInvariantsTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_invariants_");

  private static final Window DAY = new Window(Traffic.T0, Traffic.T0.plus(Duration.ofDays(1)));
  private static final Instant NOW = Traffic.T0.plus(Duration.ofHours(1));

  static final String HASH =
      "$argon2id$v=19$m=19456,t=2,p=1$E/HPo/RZ/19pi6h0ptDZYQ$"
          + "JdZQy3HM9DUqXu3gPsVQW2qQvp97UPfBRjMI6QdHTKs";

  private static final Entitlement DB =
      new Entitlement(
          "prod-db-admin", List.of("carol"), Duration.ofHours(2), true, Duration.ofMinutes(15));

  /** An estate that keeps every invariant: enforced, strict, capped, sealed, apart. */
  static final String GOOD =
      """
      data_dir: data
      identity:
        ca_key_file: keys/ca.key
      users:
        - username: alice
          password_hash: "%1$s"
        - username: carol
          password_hash: "%1$s"
      access:
        entitlements:
          - name: prod-db-admin
            approvers: [carol]
            max_duration: 2h
            break_glass: true
            break_glass_max_duration: 15m
      routes:
        - name: orders-db
          upstream: http://127.0.0.1:9000
          policy: authz/allow
          resource: {service: orders-db, environment: production, classification: restricted}
        - name: admin
          prefix: /admin
          upstream: http://127.0.0.1:9001
          policy: authz/allow
          action: admin
          resource: {service: console, environment: production}
      insight:
        invariants:
          trust_domains:
            production: [prod.example]
            staging: [staging.example]
      """
          .formatted(HASH);

  /** The same estate, broken in every way each invariant looks for. */
  static final String BAD =
      """
      data_dir: data
      decision_log:
        mask: [/input/grants]
      identity:
        ca_key_file: data/ca.key
      users:
        - username: alice
          password_hash: "%1$s"
        - username: carol
          password_hash: "%1$s"
          totp_secret: JBSWY3DPEHPK3PXPJBSWY3DP
      access:
        entitlements:
          - name: prod-db-admin
            approvers: [carol]
            break_glass: true
      routes:
        - name: orders-db
          upstream: http://127.0.0.1:9000
          policy: authz/allow
          mode: monitor
          resource: {service: orders-db, environment: production, classification: restricted}
        - name: admin
          prefix: /admin
          upstream: http://127.0.0.1:9001
          policy: authz/allow
          action: admin
          resource: {service: console, environment: production}
        - name: reports
          prefix: /reports
          upstream: http://127.0.0.1:9002
          policy: authz/allow
          upstream_spiffe_id: spiffe://prod.example/reports
          resource: {service: reports, environment: staging}
      insight:
        invariants:
          trust_domains:
            production: [prod.example]
      store: postgresql://127.0.0.1:5432/test?user=vigil&password=hunter2
      """
          .formatted(HASH);

  static final String SIDECAR =
      """
      inbound:
        - name: ledger
          listen: 127.0.0.1:0
          peer_mode: %s
          app: http://127.0.0.1:9100
          policy: authz/allow
          resource: {service: ledger, environment: production}
      """;

  @Test
  void check_estateThatKeepsEveryInvariant_passesEach() throws Exception {
    Path config = write("vigil.yaml", GOOD);
    Path sidecar = write("ledger.yaml", SIDECAR.formatted("STRICT"));
    Files.createDirectories(tmp.resolve("data"));
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
        Grants grants = Grants.open(store, () -> NOW, List.of(DB))) {
      Grant approved = grants.request("alice", "local", "prod-db-admin", "1h", "INC-7: reindex");
      approved = grants.approve(approved.id(), "carol", List.of(), null);
      try (Traffic t = new Traffic(store)) {
        t.at(NOW.plusSeconds(60));
        edge(t, "alice", true, grants(approved), "orders-db", Mode.ENFORCE);
        // Denied: not let through, whatever it lacked.
        t.decide(
            person("mallory", false, "[]", "orders-db").replace("sre", "guest"),
            "orders-db",
            "mallory",
            Mode.ENFORCE,
            null);
        edge(t, "alice", true, grants(approved), "admin", Mode.ENFORCE);
        mtls(t, "prod.example", Mode.ENFORCE);
        mtls(t, "staging.example", Mode.ENFORCE);
      }
      InvariantReport r =
          SecurityInvariants.check(
              VigilConfig.read(config, null), config, List.of(sidecar), null, store, DAY, null);

      assertThat(r.decisions()).isEqualTo(5);
      assertThat(r.results())
          .extracting(Result::name, Result::status)
          .containsExactly(
              tuple("production-data-access", Status.PASS),
              tuple("service-mtls", Status.PASS),
              tuple("admin-time-bound", Status.PASS),
              tuple("no-embedded-secrets", Status.PASS));
      assertThat(r.result("production-data-access").scope())
          .isEqualTo("1 configured routes and listeners, 2 decisions");
      assertThat(r.result("service-mtls").scope())
          .isEqualTo("1 configured routes and listeners, 2 decisions");
      assertThat(r.result("admin-time-bound").scope())
          .isEqualTo("1 configured routes and listeners, 1 entitlements, 1 decisions");
      assertThat(r.results()).allSatisfy(x -> assertThat(x.violations()).isEmpty());
      assertThat(r.results()).allSatisfy(x -> assertThat(x.notes()).isEmpty());
      assertThat(r.failed()).isFalse();
      assertThat(r.text()).contains("PASS           production-data-access: access to");
    }
  }

  @Test
  void check_estateThatBreaksEveryInvariant_failsEachWithItsEvidence() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      breaksEveryInvariant(store);
    }
  }

  @Test
  void check_onPostgres_failsEachWithTheSameEvidence() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      breaksEveryInvariant(store);
    }
  }

  /** Records the decisions of the broken estate in {@code store} and checks its report. */
  private void breaksEveryInvariant(Store store) throws Exception {
    Path config = write("vigil.yaml", BAD);
    Path sidecar = write("ledger.yaml", SIDECAR.formatted("PERMISSIVE"));
    String bob;
    String dave;
    String frank;
    String plaintext;
    String staging;
    String caId;
    try (Grants grants = Grants.open(store, () -> NOW, List.of(DB))) {
      Grant glass = grants.breakGlass("bob", "local", "prod-db-admin", "15m", "outage");
      caId =
          new Identities(store, CaKeyCipher.insecurePlaintext(), () -> NOW, CaConfig.defaults())
              .trustDomain(TrustDomain.parse("prod.example"))
              .active()
              .id();
      try (Traffic t = new Traffic(store)) {
        t.at(NOW.plusSeconds(60));
        bob = edge(t, "bob", false, grants(glass), "orders-db", Mode.MONITOR);
        dave = edge(t, "dave", true, null, "orders-db", Mode.MONITOR);
        frank = edge(t, "frank", true, "[]", "admin", Mode.ENFORCE);
        plaintext =
            t.decide(
                "{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"mtls\":false},"
                    + "\"resource\":{\"service\":\"ledger\",\"environment\":\"production\"}}",
                "ledger",
                null,
                Mode.ENFORCE,
                "plaintext");
        staging = mtls(t, "staging.example", Mode.MONITOR);
      }
      InvariantReport r =
          SecurityInvariants.check(
              VigilConfig.read(config, null), config, List.of(sidecar), null, store, DAY, null);

      assertThat(r.results()).extracting(Result::status).containsOnly(Status.FAIL);
      assertThat(r.failed()).isTrue();
      String c = config.toString();
      assertThat(findings(r, "production-data-access"))
          .containsExactlyInAnyOrder(
              tuple(
                  Source.LOG,
                  "let through without a second factor (input.subject.mfa)",
                  1L,
                  List.of(bob)),
              tuple(Source.LOG, "let through without an active approved grant", 1L, List.of(bob)),
              tuple(
                  Source.LOG,
                  "let through with no input.grants in the log (masked?)",
                  1L,
                  List.of(dave)),
              tuple(
                  Source.CONFIG,
                  "route \"orders-db\" guards production restricted data in monitor mode, not"
                      + " enforce",
                  1L,
                  List.of(c + ":" + line(BAD, "mode: monitor") + ": routes[0].mode")));
      assertThat(findings(r, "service-mtls"))
          .containsExactlyInAnyOrder(
              tuple(
                  Source.LOG,
                  "sidecar decision on a production listener over plaintext",
                  1L,
                  List.of(plaintext)),
              tuple(
                  Source.LOG,
                  "let through a caller of trust domain staging.example into production, whose"
                      + " trust domains are [prod.example]",
                  1L,
                  List.of(staging)),
              tuple(
                  Source.CONFIG,
                  "sidecar listener \"ledger\" in production takes callers without a certificate"
                      + " (peer_mode PERMISSIVE)",
                  1L,
                  List.of(sidecar + ":4: inbound[0].peer_mode")));
      assertThat(findings(r, "admin-time-bound"))
          .containsExactlyInAnyOrder(
              tuple(
                  Source.LOG,
                  "admin action let through without an active grant",
                  1L,
                  List.of(frank)),
              tuple(
                  Source.CONFIG,
                  "entitlement \"prod-db-admin\" does not state its max_duration (the default"
                      + " 60m applies unseen)",
                  1L,
                  List.of(
                      c
                          + ":"
                          + line(BAD, "- name: prod-db-admin")
                          + ": access"
                          + ".entitlements[0]")),
              tuple(
                  Source.CONFIG,
                  "entitlement \"prod-db-admin\" allows break-glass without"
                      + " break_glass_max_duration",
                  1L,
                  List.of(
                      c
                          + ":"
                          + line(BAD, "break_glass: true")
                          + ": access"
                          + ".entitlements[0].break_glass")),
              tuple(
                  Source.CONFIG,
                  "decision_log.mask \"/input/grants\" erases input.grants: the log cannot show"
                      + " who held which grant",
                  1L,
                  List.of(c + ":3: decision_log.mask[0]")));
      int reportsLine = line(BAD, "upstream_spiffe_id");
      int productionLine = line(BAD, "production: [prod.example]");
      assertThat(findings(r, "no-embedded-secrets"))
          .containsExactlyInAnyOrder(
              tuple(
                  Source.CONFIG,
                  "identity.ca_key_file is in the data directory: a copy of it opens every CA key",
                  1L,
                  List.of(c + ":5: identity.ca_key_file")),
              tuple(
                  Source.CONFIG,
                  "store URL holds a password: leave it out, and the driver reads it from ~/.pgpass"
                      + " or PGPASSFILE",
                  1L,
                  List.of(c + ":" + line(BAD, "store: postgresql") + ": store")),
              tuple(
                  Source.STORE,
                  "CA private key stored unencrypted (--insecure-dev)",
                  1L,
                  List.of("trust domain prod.example, CA " + caId)),
              tuple(
                  Source.CONFIG,
                  "trust domain prod.example serves environments [production, staging]",
                  2L,
                  List.of(
                      c
                          + ":"
                          + productionLine
                          + ": insight.invariants.trust_domains"
                          + ".production[0]",
                      c + ":" + reportsLine + ": routes[2].upstream_spiffe_id")));
      assertThat(r.result("no-embedded-secrets").notes())
          .extracting(Finding::what, Finding::evidence)
          .containsExactly(
              tuple(
                  "a local user's totp_secret is in the file (it has no file or environment"
                      + " form): keep the file readable by the node alone",
                  List.of(c + ":" + line(BAD, "totp_secret") + ": users[1].totp_secret")));
      assertThat(r.text())
          .contains("FAIL           service-mtls")
          .contains("  let through without an active approved grant (1)\n      " + bob);
      assertThat(r.json().replaceAll("\\s", "")).contains("\"status\":\"fail\"");
    }
  }

  @Test
  void check_expiredAndBreakGlassGrantsAnonymousAndWorkloads_eachCountedAsItIs() throws Exception {
    Path config = write("vigil.yaml", GOOD);
    Path settings =
        write(
            "invariants.yaml",
            "production-data-access:\n  entitlements: [prod-db-reader]\n"
                + "no-embedded-secrets:\n  enabled: false\n");
    Files.createDirectories(tmp.resolve("data"));
    String wrongEntitlement;
    String anonymous;
    String workload;
    String expired;
    String glass;
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
        Grants grants = Grants.open(store, () -> NOW, List.of(DB))) {
      Grant approved = grants.request("alice", "local", "prod-db-admin", "1h", "INC-7: reindex");
      approved = grants.approve(approved.id(), "carol", List.of(), null);
      Grant broken = grants.breakGlass("bob", "local", "prod-db-admin", "15m", "outage");
      try (Traffic t = new Traffic(store)) {
        t.at(NOW.plusSeconds(60));
        wrongEntitlement = edge(t, "alice", true, grants(approved), "orders-db", Mode.ENFORCE);
        anonymous =
            t.decide(
                "{\"request\":{\"method\":\"GET\",\"path\":\"/x\"},\"resource\":"
                    + "{\"environment\":\"production\",\"classification\":\"restricted\"}}",
                "orders-db",
                null,
                Mode.MONITOR,
                null);
        workload =
            t.decide(
                workload("prod.example")
                    .replace(
                        "\"production\"}", "\"production\",\"classification\":\"restricted\"}"),
                "orders-db",
                "spiffe://prod.example/web",
                Mode.ENFORCE,
                null);
        glass = edge(t, "bob", true, grants(broken), "admin", Mode.ENFORCE);
        // The approved grant ran for an hour from its approval: two hours on, it counts no more.
        t.at(NOW.plus(Duration.ofHours(2)));
        expired = edge(t, "alice", true, grants(approved), "admin", Mode.ENFORCE);
      }
      InvariantReport r =
          SecurityInvariants.check(
              VigilConfig.read(config, null),
              config,
              List.of(),
              InvariantSettings.ofFile(settings),
              store,
              DAY,
              null);
      InvariantReport ordersOnly =
          SecurityInvariants.check(
              VigilConfig.read(config, null),
              config,
              List.of(),
              InvariantSettings.ofFile(settings),
              store,
              DAY,
              "orders-db");

      assertThat(findings(r, "production-data-access"))
          .containsExactlyInAnyOrder(
              tuple(
                  Source.LOG,
                  "let through without an active approved grant",
                  1L,
                  List.of(wrongEntitlement)),
              tuple(Source.LOG, "let through without a signed-in caller", 1L, List.of(anonymous)));
      assertThat(r.result("production-data-access").notes())
          .extracting(Finding::what, Finding::evidence)
          .containsExactly(
              tuple("let through to a workload (its SVID: see service-mtls)", List.of(workload)));
      assertThat(findings(r, "admin-time-bound"))
          .containsExactly(
              tuple(
                  Source.LOG,
                  "admin action let through without an active grant",
                  1L,
                  List.of(expired)));
      assertThat(r.result("admin-time-bound").notes())
          .extracting(Finding::what, Finding::evidence)
          .containsExactly(
              tuple("admin action let through on a break-glass grant", List.of(glass)));
      assertThat(r.result("no-embedded-secrets")).isNull();
      assertThat(ordersOnly.decisions()).isEqualTo(3);
      assertThat(ordersOnly.result("admin-time-bound").status()).isEqualTo(Status.PASS);
      assertThat(ordersOnly.result("admin-time-bound").notes())
          .extracting(Finding::what, Finding::evidence)
          .containsExactly(
              tuple(
                  "admin route \"admin\" logged no decision in the window",
                  List.of(config + ":" + line(GOOD, "action: admin") + ": routes[1].action")));
    }
  }

  @Test
  void check_settingsFile_turnsInvariantsOffAndUnusedOnesAreNotApplicable() throws Exception {
    Path config = write("vigil.yaml", "data_dir: data\nroutes: []\n");
    Path settings = write("invariants.yaml", "admin-time-bound:\n  enabled: false\n");
    Files.createDirectories(tmp.resolve("data"));
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      InvariantReport r =
          SecurityInvariants.check(
              VigilConfig.read(config, null),
              config,
              List.of(),
              InvariantSettings.ofFile(settings),
              store,
              DAY,
              null);

      assertThat(r.results())
          .extracting(Result::name, Result::status)
          .containsExactly(
              tuple("production-data-access", Status.NOT_APPLICABLE),
              tuple("service-mtls", Status.NOT_APPLICABLE),
              tuple("no-embedded-secrets", Status.PASS));
      // Without ca_key_file the node takes VIGIL_CA_KEY or data/ca.key: which, the file cannot say.
      assertThat(r.result("no-embedded-secrets").notes())
          .extracting(Finding::source, Finding::evidence)
          .containsExactly(tuple(Source.CONFIG, List.of(tmp.resolve("data/ca.key").toString())));
      assertThat(r.failed()).isFalse();
      assertThat(r.text()).contains("NOT APPLICABLE service-mtls");
    }
  }

  @Test
  void ofFile_badValues_areRefusedWithFileAndLine() throws Exception {
    Path unknown = write("a.yaml", "service-mtls:\n  enviroments: [production]\n");
    Path notBool = write("b.yaml", "admin-time-bound:\n  enabled: maybe\n");
    Path evidence = write("c.yaml", "evidence: 0\n");
    Path domain = write("d.yaml", "trust_domains:\n  production: [Prod.Example]\n");
    Path blank = write("e.yaml", "production-data-access:\n  classifications: [\"\"]\n");

    assertThatThrownBy(() -> InvariantSettings.ofFile(unknown))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            unknown
                + ":2: service-mtls.enviroments: unknown key; expected one of"
                + " [enabled, environments]");
    assertThatThrownBy(() -> InvariantSettings.ofFile(notBool))
        .hasMessage(
            notBool + ":2: admin-time-bound.enabled: expected true or false, not" + " \"maybe\"");
    assertThatThrownBy(() -> InvariantSettings.ofFile(evidence))
        .hasMessage(evidence + ":1: evidence: \"0\" is not a whole number from 1 to 100");
    assertThatThrownBy(() -> InvariantSettings.ofFile(domain))
        .hasMessage(
            domain
                + ":2: trust_domains.production[0]: \"Prod.Example\" is not a trust"
                + " domain name (lowercase letters, digits, . _ -)");
    assertThatThrownBy(() -> InvariantSettings.ofFile(blank))
        .hasMessage(
            blank
                + ":2: production-data-access.classifications[0]: an empty name"
                + " selects nothing");
  }

  private static List<org.assertj.core.groups.Tuple> findings(InvariantReport r, String name) {
    return r.result(name).violations().stream()
        .map(f -> tuple(f.source(), f.what(), f.count(), f.evidence()))
        .toList();
  }

  /** The line of {@code text} that holds {@code needle}, from 1. */
  static int line(String text, String needle) {
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i + 1;
      }
    }
    throw new AssertionError(needle + " not in the text");
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  /** {@code input.grants} as the gateway writes it for these grants (GrantInput). */
  static String grants(Grant... gs) {
    return Stream.of(gs)
        .map(
            g ->
                ("{\"id\":%s,\"entitlement\":%s,\"expires_at\":%s,\"approved_by\":%s,"
                        + "\"break_glass\":%s,\"reason\":%s}")
                    .formatted(
                        Json.quote(g.id()),
                        Json.quote(g.entitlement()),
                        Json.quote(Timestamps.iso(g.expiresAt())),
                        Json.quote(g.breakGlass() ? "" : g.decidedBy()),
                        g.breakGlass(),
                        Json.quote(g.reason())))
        .collect(Collectors.joining(",", "[", "]"));
  }

  /** Decides an SRE's request at the edge gateway on {@code route}; returns its decision id. */
  private static String edge(
      Traffic t, String who, boolean mfa, String grants, String route, Mode mode) {
    return t.decide(person(who, mfa, grants, route), route, who, mode, null);
  }

  /** Decides a call of {@code trustDomain}'s web workload to the ledger's sidecar over mTLS. */
  private static String mtls(Traffic t, String trustDomain, Mode mode) {
    return t.decide(
        workload(trustDomain), "ledger", "spiffe://" + trustDomain + "/web", mode, "mtls");
  }

  /** An SRE's request at the edge gateway, on {@code route}, with the given second factor. */
  static String person(String id, boolean mfa, String grants, String route) {
    boolean admin = route.equals("admin");
    return ("{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"host\":\"db.example\"},"
            + "\"resource\":{\"service\":%s,\"environment\":\"production\"%s,\"route\":%s},"
            + "\"action\":%s,"
            + "\"subject\":{\"type\":\"user\",\"id\":%s,\"roles\":[\"sre\"],\"groups\":[],"
            + "\"mfa\":%s}%s}")
        .formatted(
            Json.quote(admin ? "console" : "orders-db"),
            admin ? "" : ",\"classification\":\"restricted\"",
            Json.quote(route),
            Json.quote(admin ? "admin" : "read"),
            Json.quote(id),
            mfa,
            grants == null ? "" : ",\"grants\":" + grants);
  }

  /** A workload of {@code trustDomain} calling the ledger through its sidecar over mTLS. */
  static String workload(String trustDomain) {
    String id = "spiffe://" + trustDomain + "/web";
    return ("{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"mtls\":true},"
            + "\"resource\":{\"service\":\"ledger\",\"environment\":\"production\"},"
            + "\"subject\":{\"type\":\"workload\",\"id\":%s,\"spiffe_id\":%s,"
            + "\"trust_domain\":%s}}")
        .formatted(Json.quote(id), Json.quote(id), Json.quote(trustDomain));
  }
}
