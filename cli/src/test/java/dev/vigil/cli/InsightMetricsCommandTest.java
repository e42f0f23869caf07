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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil insight metrics} and {@code vigil insight report} end to end, in process. */
class InsightMetricsCommandTest {

  @TempDir Path tmp;

  private static final String POLICY =
      "package authz\nimport rego.v1\ndefault allow := false\n"
          + "allow if input.subject.trust_domain == \"prod.example\"\n"
          + "allow if input.subject.mfa\n";

  private static final String CONFIG =
      """
      routes:
        - name: admin
          host: admin.localhost
          prefix: /
          upstream: http://127.0.0.1:9001
          policy: authz/allow
          resource: {service: admin, criticality: critical}
        - name: reports
          host: reports.localhost
          prefix: /
          upstream: http://127.0.0.1:9002
          policy: authz/allow
          mode: observe
      """;

  /**
   * Now, through a real decision point and its durable log: billing calls the ledger's sidecar over
   * mTLS twice, a plaintext call reaches it in monitor mode, alice reaches the critical admin route
   * with MFA and bob is denied there without it.
   */
  private static void record(Path data) throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      try (DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log))) {
        pdp.activate(
            BundleReader.fromFiles(
                "t", Map.of("authz.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
        String billing =
            "{\"type\":\"workload\",\"id\":\"spiffe://prod.example/billing\","
                + "\"spiffe_id\":\"spiffe://prod.example/billing\","
                + "\"trust_domain\":\"prod.example\"}";
        decide(pdp, "ledger", null, billing, "mtls", Mode.ENFORCE);
        decide(pdp, "ledger", null, billing, "mtls", Mode.ENFORCE);
        decide(pdp, "ledger", null, null, "plaintext", Mode.MONITOR);
        decide(pdp, "admin", "critical", user("alice", true), null, Mode.ENFORCE);
        decide(pdp, "admin", "critical", user("bob", false), null, Mode.ENFORCE);
      }
    }
  }

  private static String user(String id, boolean mfa) {
    return "{\"type\":\"user\",\"id\":\"%s\",\"roles\":[],\"groups\":[],\"mfa\":%s}"
        .formatted(id, mfa);
  }

  private static void decide(
      DecisionPoint pdp,
      String route,
      String criticality,
      String subject,
      String transport,
      Mode mode)
      throws Exception {
    String input =
        "{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"host\":\"x.localhost\"},"
            + "\"resource\":{\"service\":\"%s\",\"route\":\"%s\"%s}%s}"
                .formatted(
                    route,
                    route,
                    criticality == null ? "" : ",\"criticality\":\"" + criticality + "\"",
                    subject == null ? "" : ",\"subject\":" + subject);
    Map<String, String> context = new HashMap<>();
    context.put("route", route);
    if (transport != null) {
      context.put("transport", transport);
    }
    Decision d =
        pdp.decide(
            PolicyPath.parse("authz/allow"), Json.parse(input), context, pdp.evalOptions(), mode);
    d.logged().get(10, TimeUnit.SECONDS);
  }

  @Test
  void metrics_textAndJson_countTheLoggedTraffic() throws Exception {
    Path data = tmp.resolve("data");
    record(data);
    Path config = tmp.resolve("vigil.yaml");
    Files.writeString(config, CONFIG);

    CliRun text =
        CliRun.of(
            "insight", "metrics", "--data-dir", data.toString(), "--config", config.toString());
    CliRun json =
        CliRun.of("insight", "metrics", "--data-dir", data.toString(), "--format", "json");

    assertThat(text.status()).isZero();
    assertThat(text.err()).isEmpty();
    assertThat(text.out())
        .startsWith("zero trust metrics, ")
        .containsPattern(
            "service calls with a workload identity \\(mTLS\\) +2 of 3 \\(66\\.7%\\) +none +-\n")
        .containsPattern("privileged requests with MFA +1 of 1 \\(100\\.0%\\) +none +-\n")
        .containsPattern("requests denied \\(enforced or in monitor\\) +2 of 5 \\(40\\.0%\\)")
        .containsPattern("configured routes in enforce mode +1 of 2 \\(50\\.0%\\)")
        .contains("  observe  1  reports\n")
        .contains("  anonymous -> sidecar:ledger  1 of 1 requests unchecked (monitor)");
    assertThat(json.status()).isZero();
    assertThat(json.out())
        .contains("\"key\": \"workload_identity\"")
        .contains("\"numerator\": 2")
        .contains("\"denominator\": 3")
        .doesNotContain("configured_routes");
  }

  @Test
  void report_markdownAndJson_holdEverySection() throws Exception {
    Path data = tmp.resolve("data");
    record(data);
    Path config = tmp.resolve("vigil.yaml");
    Files.writeString(config, CONFIG);

    CliRun md =
        CliRun.of(
            "insight",
            "report",
            "--data-dir",
            data.toString(),
            "--since",
            "7d",
            "--config",
            config.toString());
    CliRun json = CliRun.of("insight", "report", "--data-dir", data.toString(), "--format", "json");

    assertThat(md.status()).isZero();
    assertThat(md.out())
        .startsWith("# Vigil insight report\n")
        .contains("\n## Inventory\n\n- 5 decisions\n")
        .contains("- configured routes without traffic: reports\n")
        .contains("\n## Dependency graph\n")
        .contains("\n## Denied requests\n\n- 2 of 5 decisions denied (1 enforced, 1 would be in")
        .contains("\n## Zero trust metrics\n")
        .contains("| service calls with a workload identity (mTLS) | 2 of 3 (66.7%) | none | - |")
        .contains("\n## Security invariants\n\n- 4 invariants over 5 decisions, ")
        .contains("| invariant | status | first violation |")
        .contains("\n## Configuration drift\n\n- 0 findings; policies written through the OPA API")
        .doesNotContain("not checked");
    assertThat(json.status()).isZero();
    assertThat(json.out())
        .contains("\"contents\": [")
        .contains("\"dependency_graph\": {")
        .contains("\"denied_requests\": {")
        .contains("\"invariants\": {\n      \"checked\": false");
  }

  /**
   * The commands given --config read the store the file names (data_dir), as certs and drift did;
   * they looked in ./vigil-data instead and found no store.
   */
  @Test
  void reportAndMetrics_configOnly_readTheStoreOfItsDataDir() throws Exception {
    Path data = tmp.resolve("data");
    record(data);
    Path config = tmp.resolve("vigil.yaml");
    Files.writeString(config, "data_dir: data\n" + CONFIG);

    CliRun report = CliRun.of("insight", "report", "--config", config.toString());
    CliRun metrics = CliRun.of("insight", "metrics", "--config", config.toString());
    CliRun elsewhere =
        CliRun.of(
            "insight",
            "metrics",
            "--config",
            config.toString(),
            "--data-dir",
            tmp.resolve("nowhere").toString());

    assertThat(report.status()).as(report.err()).isZero();
    assertThat(report.out()).contains("\n## Inventory\n\n- 5 decisions\n");
    assertThat(metrics.status()).as(metrics.err()).isZero();
    assertThat(elsewhere.status()).as("--data-dir still wins").isEqualTo(1);
    assertThat(elsewhere.err()).contains("no Vigil store in data directory");
  }

  @Test
  void metricsAndReport_badInput_clearErrorNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    record(data);
    String d = data.toString();

    CliRun format = CliRun.of("insight", "metrics", "--data-dir", d, "--format", "markdown");
    CliRun reportFormat = CliRun.of("insight", "report", "--data-dir", d, "--format", "text");
    CliRun since = CliRun.of("insight", "report", "--data-dir", d, "--since", "last week");
    CliRun config =
        CliRun.of("insight", "metrics", "--data-dir", d, "--config", tmp.resolve("x.yaml") + "");
    CliRun missing = CliRun.of("insight", "report", "--data-dir", tmp.resolve("nope") + "");

    assertThat(format.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(format.err())
        .isEqualTo("vigil insight metrics: --format must be text or json, not \"markdown\"\n");
    assertThat(reportFormat.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(reportFormat.err())
        .isEqualTo("vigil insight report: --format must be markdown or json, not \"text\"\n");
    assertThat(since.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(since.err()).startsWith("vigil insight report: --since \"last week\" is neither");
    assertThat(config.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(config.err()).contains("x.yaml: no such configuration file");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("no Vigil store in data directory");
    for (CliRun r : new CliRun[] {format, reportFormat, since, config, missing}) {
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }
}
