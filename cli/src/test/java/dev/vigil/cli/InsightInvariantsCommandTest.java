package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InsightInvariantsCommandTest {

  @TempDir Path tmp;

  private Path data;
  private Path config;
  private String plaintextId;

  private static final String POLICY =
      "package authz\nimport rego.v1\ndefault allow := false\n"
          + "allow if input.subject.trust_domain == \"prod.example\"\n";

  private static final String SIDECAR =
      """
      inbound:
        - name: ledger
          listen: 127.0.0.1:0
          peer_mode: %s
          app: http://127.0.0.1:9100
          policy: authz/allow
          resource: {service: ledger, environment: %s}
      """;

  /**
   * A node whose log holds two calls to the ledger's sidecar, in staging: one over mTLS from
   * prod.example, one in plaintext, decided by a real PDP into the durable log.
   */
  @BeforeEach
  void decide() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data);
    config =
        Files.writeString(
            tmp.resolve("vigil.yaml"),
            "data_dir: data\nidentity:\n  ca_key_file: keys/ca.key\nroutes: []\n");
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(
          BundleReader.fromFiles(
              "t", Map.of("authz.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
      String resource = "\"resource\":{\"service\":\"ledger\",\"environment\":\"staging\"}";
      decide(
          pdp,
          "{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"mtls\":true},"
              + resource
              + ",\"subject\":{\"type\":\"workload\",\"id\":\"spiffe://prod.example/web\","
              + "\"spiffe_id\":\"spiffe://prod.example/web\",\"trust_domain\":\"prod.example\"}}",
          "mtls");
      plaintextId =
          decide(
              pdp,
              "{\"request\":{\"method\":\"GET\",\"path\":\"/\"}," + resource + "}",
              "plaintext");
      pdp.close();
    }
  }

  private static String decide(DecisionPoint pdp, String input, String transport) throws Exception {
    Decision d =
        pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse(input),
            Map.of("route", "ledger", "transport", transport),
            pdp.evalOptions(),
            Mode.ENFORCE);
    d.logged().get(10, TimeUnit.SECONDS);
    return d.decisionId();
  }

  private CliRun run(String... more) {
    String[] base = {
      "insight", "invariants", "--config", config.toString(), "--data-dir", data.toString()
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return CliRun.of(all);
  }

  @Test
  void invariants_stagingOutsideTheSelection_allPassOrDoNotApply() throws Exception {
    Path sidecar =
        Files.writeString(tmp.resolve("ledger.yaml"), SIDECAR.formatted("PERMISSIVE", "staging"));

    CliRun r = run("--sidecar-config", sidecar.toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("NOT APPLICABLE production-data-access")
        .contains("NOT APPLICABLE service-mtls")
        .contains("NOT APPLICABLE admin-time-bound")
        .contains("PASS           no-embedded-secrets");
  }

  @Test
  void invariants_stagingSelected_failWithPlacesAndDecisionIds() throws Exception {
    Path sidecar =
        Files.writeString(tmp.resolve("ledger.yaml"), SIDECAR.formatted("PERMISSIVE", "staging"));
    Path settings =
        Files.writeString(
            tmp.resolve("invariants.yaml"),
            "service-mtls:\n  environments: [staging]\nevidence: 1\n");

    CliRun text = run("--sidecar-config", sidecar.toString(), "--invariants", settings.toString());
    CliRun json =
        run(
            "--sidecar-config",
            sidecar.toString(),
            "--invariants",
            settings.toString(),
            "--format",
            "json");

    assertThat(text.status()).isEqualTo(3);
    assertThat(text.out())
        .contains(
            "FAIL           service-mtls: service-to-service calls in [staging] use mutual TLS")
        .contains("  checked: 1 configured routes and listeners, 2 decisions")
        .contains(
            "  sidecar listener \"ledger\" in staging takes callers without a certificate"
                + " (peer_mode PERMISSIVE) (1)\n      "
                + sidecar
                + ":4: inbound[0].peer_mode")
        .contains(
            "  sidecar decision on a staging listener over plaintext (1)\n      " + plaintextId);
    assertThat(json.status()).isEqualTo(3);
    String compact = json.out().replaceAll("\\s", "");
    assertThat(compact)
        .contains("\"failed\":true")
        .contains("\"name\":\"service-mtls\"")
        .contains("\"source\":\"log\"")
        .contains("\"evidence\":[\"" + plaintextId + "\"]");
  }

  /** It answered 1 with "vigil: ..." as if the store could not be read, when the file did not. */
  @Test
  void invariants_configThatDoesNotRead_isAUsageErrorNamingItsLine() throws Exception {
    Files.writeString(config, "routes: [\n");

    CliRun r = run();

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).startsWith("vigil insight invariants: " + config + ":2:1: invalid YAML");
  }

  @Test
  void invariants_badInput_isAUsageErrorNamingIt() throws Exception {
    Path settings =
        Files.writeString(tmp.resolve("invariants.yaml"), "service-mtls:\n  enabled: yes\n");
    Files.writeString(config, "routes: []\ninsight:\n  invariants:\n    evidence: lots\n");

    CliRun format = run("--format", "xml", "--invariants", settings.toString());
    CliRun badSettings = run("--invariants", settings.toString());
    CliRun badSection = run();
    CliRun noFile = run("--sidecar-config", tmp.resolve("none.yaml").toString());

    assertThat(format.status()).isEqualTo(2);
    assertThat(format.err())
        .isEqualTo("vigil insight invariants: --format must be text or json, not \"xml\"\n");
    assertThat(badSettings.status()).isEqualTo(2);
    assertThat(badSettings.err())
        .isEqualTo(
            "vigil insight invariants: "
                + settings
                + ":2: service-mtls.enabled: expected true or false, not \"yes\"\n");
    assertThat(badSection.status()).isEqualTo(2);
    assertThat(badSection.err())
        .isEqualTo(
            "vigil insight invariants: "
                + config
                + ":4: insight.invariants.evidence: \"lots\" is not a whole number from 1 to"
                + " 100\n");
    assertThat(noFile.status()).isEqualTo(2);
    assertThat(noFile.err())
        .isEqualTo(
            "vigil insight invariants: --sidecar-config "
                + tmp.resolve("none.yaml")
                + ": no such configuration file\n");
  }
}
