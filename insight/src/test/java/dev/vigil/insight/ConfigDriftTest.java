package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.insight.ConfigDrift.Finding;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file and a bundle on disk, against what the real code made live: route modes set
 * as the console sets them, policies and data written through the decision point's API, decisions
 * of two nodes serving two revisions, trust domains, an entry and a federated bundle.
 */
class ConfigDriftTest {

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insight_drift_");

  @TempDir Path tmp;

  static final Instant T0 = Traffic.T0;
  static final Window DAY = new Window(T0, T0.plus(Duration.ofDays(1)));

  static final String CONFIG =
      """
      data_dir: ./data
      policy:
        bundle: ./policies
      identity:
        trust_domains: [prod.example, staging.example]
      routes:
        - name: wiki
          upstream: http://127.0.0.1:9000
          policy: authz/allow
          mode: monitor
        - name: ledger
          prefix: /ledger
          upstream: http://127.0.0.1:9001
          policy: authz/allow
      """;

  @Test
  void compare_onSqlite_namesEveryDifferenceWithItsDeclaration() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("node")))) {
      assertDrift(store);
    }
  }

  @Test
  void compare_onPostgres_namesTheSameDifferences() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      assertDrift(store);
    }
  }

  @Test
  void compare_liveAsDeclared_noFinding() throws Exception {
    VigilConfig config = config(tmp);
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("node")))) {
      Identities ids = identities(store);
      ids.trustDomain(new TrustDomain("prod.example"));
      ids.trustDomain(new TrustDomain("staging.example"));
      new RouteModeOverrides(store)
          .put(new RouteModeOverride("wiki", "monitor", "alice", T0.plusSeconds(60)));
      try (Traffic a =
          new Traffic(store, "node-a", BundleReader.read(tmp.resolve("policies"))).at(T0)) {
        a.user("alice", List.of(), List.of("sre"), "wiki", "GET", Mode.MONITOR, null);
        ConfigDrift d =
            ConfigDrift.compare(
                config, store, DAY, null, LivePolicy.of(a.pdp()), null, T0.plusSeconds(120));

        assertThat(d.findings()).isEmpty();
        assertThat(d.status()).isEqualTo(ConfigDrift.NONE);
        assertThat(d.text()).contains(": 0 findings");
      }
    }
  }

  private void assertDrift(Store store) throws Exception {
    VigilConfig config = config(tmp);
    Path file = tmp.resolve("vigil.yaml");
    Identities ids = identities(store);
    ids.trustDomain(new TrustDomain("prod.example"));
    ids.trustDomain(new TrustDomain("dev.example"));
    ids.createEntry(
        SpiffeId.parse("spiffe://qa.example/job"),
        List.of(Selector.parse("unix:uid:1000")),
        null,
        List.of());
    try (Store other = Store.open(StoreLocation.embedded(tmp.resolve("partner")))) {
      Identities partner = identities(other);
      TrustDomain td = new TrustDomain("partner.example");
      partner.trustDomain(td);
      ids.importBundle(td, partner.bundle(td).orElseThrow().toJson(), "partner.json");
    }
    RouteModeOverrides modes = new RouteModeOverrides(store);
    modes.put(new RouteModeOverride("wiki", "enforce", "alice", T0.plusSeconds(3600 * 3)));
    modes.put(new RouteModeOverride("ledger", "enforce", "alice", T0.plusSeconds(3600 * 3)));
    modes.put(new RouteModeOverride("gone", "observe", "bob", T0.plusSeconds(3600 * 4)));

    Path older = bundle(tmp.resolve("older"), "r1", Traffic.POLICY + "\nallow if false\n");
    ConfigDrift d;
    try (Traffic a =
            new Traffic(store, "node-a", BundleReader.read(tmp.resolve("policies")))
                .at(Duration.ofHours(1));
        Traffic b =
            new Traffic(store, "node-b", BundleReader.read(older)).at(Duration.ofHours(2))) {
      a.user("alice", List.of(), List.of("sre"), "wiki", "GET", Mode.MONITOR, null);
      b.user("alice", List.of(), List.of("sre"), "wiki", "GET", Mode.MONITOR, null);
      b.anonymous("wiki", "GET", Mode.OBSERVE); // evaluates nothing: names no revision
      a.pdp().putPolicy("limits", "package limits\n\nmax := 5\n");
      a.pdp().putData((ObjectValue) Json.parse("{\"flags\": {\"beta\": true}}"));

      d =
          ConfigDrift.compare(
              config, store, DAY, null, LivePolicy.of(a.pdp()), null, T0.plus(Duration.ofDays(1)));
    }

    String where = file + ":";
    assertThat(d.findings())
        .extracting(Finding::kind, Finding::subject, Finding::declared, Finding::where)
        .containsExactly(
            tuple("route_mode", "gone", "no such route", "routes"),
            tuple("route_mode", "wiki", "monitor", where + "10: routes[0].mode"),
            tuple(
                "policy_uploaded",
                "limits",
                "not in " + tmp.resolve("policies"),
                where + "3: policy.bundle"),
            tuple(
                "data_written",
                "data.flags",
                "not in " + tmp.resolve("policies"),
                where + "3: policy.bundle"),
            tuple(
                "bundle_revision",
                "node node-b",
                "revision r2 (" + tmp.resolve("policies") + ")",
                where + "3: policy.bundle"),
            tuple(
                "trust_domain_undeclared",
                "dev.example",
                "not in identity.trust_domains [prod.example, staging.example]",
                where + "5: identity.trust_domains"),
            tuple(
                "trust_domain_missing",
                "staging.example",
                "in identity.trust_domains",
                where + "5: identity.trust_domains"),
            tuple(
                "federated_bundle_stale",
                "partner.example",
                "refreshed every 300s (spiffe_refresh_hint)",
                "partner.json"),
            tuple(
                "entry_without_ca",
                "spiffe://qa.example/job (entry " + ids.entries().getFirst().id() + ")",
                "trust domain qa.example not in identity.trust_domains"
                    + " [prod.example, staging.example]",
                where + "5: identity.trust_domains"));
    assertThat(d.findings())
        .extracting(Finding::live)
        .containsExactly(
            "observe (set by bob at 2026-12-01T04:00:00Z, route_mode_overrides)",
            "enforce (set by alice at 2026-12-01T03:00:00Z, route_mode_overrides)",
            "uploaded through PUT /v1/policies/limits (3 lines)",
            "written through /v1/data: {\"beta\":true}",
            "decided with revision r1 last at 2026-12-01T02:00:00Z",
            "a CA with 1 roots in the store",
            "no CA in the store (created at the next start of vigil up)",
            "imported at 2026-12-01T00:00:00Z, 86400s ago",
            "no CA for qa.example in the store: the agent issues no SVID for it");
    assertThat(d.status()).isEqualTo(ConfigDrift.DRIFT);
    assertThat(d.text())
        .contains(": 9 findings")
        .contains("route_mode  wiki\n    declared: monitor\n    live:     enforce");
    assertThat(d.json()).contains("\"kind\": \"bundle_revision\"").contains("\"status\": 3");
  }

  @Test
  void compare_bundleInServiceIsAnotherText_policyChanged() throws Exception {
    VigilConfig config = config(tmp);
    Path older = bundle(tmp.resolve("older"), "r1", Traffic.POLICY + "\nallow if false\n");
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("node")));
        Traffic b = new Traffic(store, "node-b", BundleReader.read(older))) {
      ConfigDrift d =
          ConfigDrift.compare(config, store, DAY, null, LivePolicy.of(b.pdp()), null, T0);

      assertThat(d.findings())
          .filteredOn(f -> f.kind().startsWith("policy"))
          .extracting(Finding::kind, Finding::subject, Finding::live)
          .containsExactly(
              tuple(
                  "policy_changed",
                  "authz.rego",
                  "another text in the bundle in service (10 lines)"));
    }
  }

  static VigilConfig config(Path dir) throws Exception {
    bundle(dir.resolve("policies"), "r2", Traffic.POLICY);
    Path file = dir.resolve("vigil.yaml");
    Files.writeString(file, CONFIG);
    return VigilConfig.read(file, null);
  }

  static Path bundle(Path dir, String revision, String policy) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(".manifest"), "{\"revision\": \"" + revision + "\", \"roots\": [\"authz\"]}");
    Files.writeString(dir.resolve("authz.rego"), policy);
    return dir;
  }

  private static Identities identities(Store store) {
    return new Identities(store, CaKeyCipher.ofKey(new byte[32]), () -> T0, CaConfig.defaults());
  }
}
