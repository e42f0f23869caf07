package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InsightReportTest {

  @TempDir Path tmp;

  private static final Instant WRITTEN = Instant.parse("2026-12-03T09:00:00Z");

  @Test
  void write_standardSections_summariseEachAnalysisInMarkdownAndJson() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      ZeroTrustMetricsTest.record(store);
      long stored = new DecisionReader(store).count();
      ReportContext context =
          new ReportContext(
              store,
              ZeroTrustMetricsTest.DAY_TWO,
              null,
              Map.of("wiki", "enforce", "payroll", "monitor"),
              WRITTEN);

      InsightReport r = InsightReport.write(context);

      assertThat(r.keys())
          .containsExactly(
              "inventory",
              "dependency_graph",
              "denied_requests",
              "metrics",
              "access_review",
              "certificates",
              "invariants",
              "drift");
      String md = r.markdown();
      assertThat(md)
          .startsWith(
              "# Vigil insight report\n\nDecisions from 2026-12-02T00:00:00Z to"
                  + " 2026-12-03T00:00:00Z (trends against 2026-12-01T00:00:00Z to"
                  + " 2026-12-02T00:00:00Z). Written 2026-12-03T09:00:00Z from the decision log;"
                  + " nothing was changed.\n\n- Inventory\n- Dependency graph\n- Denied requests\n"
                  + "- Zero trust metrics\n- Access review\n- Certificates\n- Security"
                  + " invariants\n- Configuration drift\n")
          .contains("\n## Inventory\n\n- 11 decisions\n- 5 routes with traffic\n")
          .contains("- requests by device: managed 2, unknown 2, unmanaged 1\n")
          .contains("- configured routes without traffic: payroll\n")
          .contains("| ledger | sidecar | ledger | production | enforce | 4 |")
          .contains("\n## Dependency graph\n\n- 11 decisions: 7 callers, 5 services, 8 edges\n")
          .contains("- 1 edges with requests observe mode let through unevaluated\n")
          .contains(
              "| workload:spiffe://prod.example/billing | sidecar:ledger | 3 | 3 | 0 | 0 | enforce"
                  + " |")
          .contains(
              "\n## Denied requests\n\n- 3 of 11 decisions denied (3 enforced, 0 would be in"
                  + " monitor); 4 in the window before\n")
          .contains("| 1 | bob | ")
          .contains("\n## Zero trust metrics\n\n")
          .contains(
              "| service calls with a workload identity (mTLS) | 3 of 4 (75.0%) | 2 of 4 (50.0%)"
                  + " | +25.0 points |")
          .contains("| configured routes in enforce mode | 1 of 2 (50.0%) | - | - |")
          .contains("Flat paths eliminated: 2\n")
          .contains("| anonymous | sidecar:ledger | 0 of 1 | - | 2 of 2 | monitor |")
          .contains(
              "\n## Security invariants\n\n- not checked: give the node's vigil.yaml with --config"
                  + " (or run vigil insight invariants)\n")
          .contains(
              "\n## Configuration drift\n\n- not checked: give the node's vigil.yaml with"
                  + " --config (or run vigil insight drift)\n");

      ObjectValue json = (ObjectValue) Json.parse(r.json());
      assertThat(json.get("generated")).isEqualTo(StringValue.of("2026-12-03T09:00:00Z"));
      List<String> contents = new ArrayList<>();
      for (Value v : ((ArrayValue) json.get("contents")).elements()) {
        contents.add(((StringValue) ((ObjectValue) v).get("key")).value());
      }
      assertThat(contents).containsExactlyElementsOf(r.keys());
      ObjectValue sections = (ObjectValue) json.get("sections");
      ObjectValue inventory = (ObjectValue) sections.get("inventory");
      assertThat(inventory.get("users")).isEqualTo(NumberValue.of(5));
      assertThat(inventory.get("unused_routes").toString()).contains("payroll");
      assertThat(((ObjectValue) sections.get("dependency_graph")).get("edges"))
          .isEqualTo(NumberValue.of(8));
      assertThat(((ObjectValue) sections.get("denied_requests")).get("denials"))
          .isEqualTo(NumberValue.of(3));
      assertThat(((ObjectValue) sections.get("metrics")).get("metrics").toString())
          .contains("workload_identity");
      assertThat(((ObjectValue) sections.get("invariants")).get("checked"))
          .isEqualTo(BooleanValue.FALSE);
      // Read-only: the report wrote nothing.
      assertThat(new DecisionReader(store).count()).isEqualTo(stored);
    }
  }

  @Test
  void write_anotherSection_joinsTheReportInItsPlace() throws Exception {
    ReportSection extra =
        ReportSection.of(
            "changes",
            "Changes",
            c ->
                new ReportSection.Part(
                    "- nothing drifted since " + c.window().since() + "\n",
                    ObjectValue.of(StringValue.of("drifted"), NumberValue.of(0))));
    List<ReportSection> sections = new ArrayList<>(InsightReport.SECTIONS);
    sections.add(1, extra);
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      ReportContext context =
          new ReportContext(store, ZeroTrustMetricsTest.DAY_TWO, null, null, WRITTEN);

      InsightReport r = InsightReport.write(context, sections);

      assertThat(r.keys())
          .containsExactly(
              "inventory",
              "changes",
              "dependency_graph",
              "denied_requests",
              "metrics",
              "access_review",
              "certificates",
              "invariants",
              "drift");
      assertThat(r.markdown())
          .contains("- Inventory\n- Changes\n- Dependency graph\n")
          .contains("\n## Changes\n\n- nothing drifted since 2026-12-02T00:00:00Z\n\n## Dependency")
          .contains("No traffic in the window: no share can be measured.")
          .doesNotContain("configured routes");
      assertThat(r.json()).contains("\"changes\": {\n      \"drifted\": 0\n    }");
      sections.add(extra);
      assertThatThrownBy(() -> InsightReport.write(context, sections))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("report sections must have keys of their own");
    }
  }

  @Test
  void markdownText_loggedNames_cannotAddMarkup() {
    assertThat(Markdown.text("a|b](http://x)<img>*_`\n"))
        .isEqualTo("a\\|b\\](http://x)\\<img\\>\\*\\_\\`?");
  }

  @Test
  void certificates_rootsAndDevicesNearTheirEnd_listedWithTheRotationThatFallsBehind()
      throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      CertificateExpiryTest.Estate e = CertificateExpiryTest.Estate.build(store, tmp);
      Instant at = CertificateExpiryTest.T0.plus(java.time.Duration.ofDays(8));
      ReportContext context =
          new ReportContext(
              store, new Window(at.minus(java.time.Duration.ofDays(1)), at), null, null, at);

      InsightReport r =
          InsightReport.write(
              context,
              List.of(
                  ReportSection.of(
                      "certificates", "Certificates", StandardSections::certificates)));

      assertThat(r.markdown())
          .contains("- 7 certificates in the store, 5 fine or not in use for 30 days and more\n")
          .contains("**rotation**: ")
          .contains("| trust\\_domain\\_root | prod.example/" + e.prodRoot() + " | expiring | 2 |")
          .contains("| device | ")
          .doesNotContain("federated");
    }
  }
}
