package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.insight.ZeroTrustMetrics.FlatPath;
import dev.vigil.insight.ZeroTrustMetrics.Metric;
import dev.vigil.pdp.Mode;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZeroTrustMetricsTest {

  @TempDir Path tmp;

  /** The second day after T0; the first day is the window before it. */
  static final Window DAY_TWO =
      new Window(Traffic.T0.plus(Duration.ofDays(1)), Traffic.T0.plus(Duration.ofDays(2)));

  /** Traffic's policy, and a health check a PERMISSIVE port takes from callers without an ID. */
  static final String POLICY = Traffic.POLICY + "\nallow if input.resource.route == \"health\"\n";

  private static final List<String> SRE = List.of("sre");
  private static final List<String> NONE = List.of();
  private static final String BILLING = "spiffe://prod.example/billing";

  /**
   * Two days of traffic through a real decision point and its durable log. Day one: billing calls
   * the ledger over mTLS twice and two plaintext calls reach it in monitor mode; bob is let through
   * by monitor mode, dave by observe mode; alice reaches the critical console with MFA and an
   * approved grant, carol is denied there. Day two: billing calls three times, a plaintext call
   * reaches the health check (allowed, enforced) and another is denied at the ledger; bob is denied
   * (the wiki enforces now), dave still observed; alice as before, erin asks an admin action with
   * MFA and no grant, frank the console without MFA on a break-glass grant; and a request no route
   * serves.
   */
  static void record(Store store) {
    try (Traffic t = new Traffic(store, POLICY)) {
      t.at(Duration.ofHours(2));
      t.workload(BILLING, "prod.example", "ledger", "GET", Mode.ENFORCE);
      t.workload(BILLING, "prod.example", "ledger", "GET", Mode.ENFORCE);
      t.plaintext("ledger", "GET", Mode.MONITOR);
      t.plaintext("ledger", "GET", Mode.MONITOR);
      t.user("bob", NONE, NONE, "wiki", "GET", Mode.MONITOR, Traffic.NO_CERTIFICATE);
      t.user("dave", NONE, NONE, "reports", "GET", Mode.OBSERVE, Traffic.NO_CERTIFICATE);
      t.person(
          "alice",
          SRE,
          "console",
          Mode.ENFORCE,
          Traffic.MANAGED_LAPTOP,
          true,
          "critical",
          "write",
          "approved");
      t.person("carol", NONE, "console", Mode.ENFORCE, null, false, "critical", "write", null);

      t.at(Duration.ofHours(26));
      for (int i = 0; i < 3; i++) {
        t.workload(BILLING, "prod.example", "ledger", "GET", Mode.ENFORCE);
      }
      t.plaintext("health", "GET", Mode.ENFORCE);
      t.plaintext("ledger", "GET", Mode.ENFORCE);
      t.user("bob", NONE, NONE, "wiki", "GET", Mode.ENFORCE, Traffic.NO_CERTIFICATE);
      t.user("dave", NONE, NONE, "reports", "GET", Mode.OBSERVE, Traffic.NO_CERTIFICATE);
      t.person(
          "alice",
          SRE,
          "console",
          Mode.ENFORCE,
          Traffic.MANAGED_LAPTOP,
          true,
          "critical",
          "write",
          "approved");
      t.person(
          "erin", SRE, "console", Mode.ENFORCE, Traffic.MANAGED_LAPTOP, true, "low", "admin", null);
      t.person(
          "frank",
          SRE,
          "console",
          Mode.ENFORCE,
          Traffic.STALE_DEVICE,
          false,
          "High",
          "write",
          "break_glass");
      t.noRoute("intranet.example", "/");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void measure_countsEachShareAndTheTrendAgainstTheDayBefore() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);
      ZeroTrustMetrics m = ZeroTrustMetrics.measure(store, DAY_TWO, null, null);

      assertSecondDay(m);
      // The plaintext call denied at the ledger gave no access: it is not a call let through.
      assertThat(m.now().transports())
          .containsExactly(Map.entry("mtls", 3L), Map.entry("tls", 0L), Map.entry("plaintext", 1L));
      assertThat(m.before().transports()).containsEntry("mtls", 2L).containsEntry("plaintext", 2L);
      assertThat(m.now().privileged())
          .containsExactly(
              Map.entry("total", 3L),
              Map.entry("mfa", 2L),
              Map.entry("grant", 1L),
              Map.entry("mfa_and_grant", 1L),
              Map.entry("break_glass", 1L),
              Map.entry("without_session", 0L));
      assertThat(m.now().byMode())
          .containsExactly(
              Map.entry("observe", 1L), Map.entry("monitor", 0L), Map.entry("enforce", 9L));
      assertThat(m.now().refusedBeforePolicy()).isEqualTo(1);
      assertThat(m.before().byMode()).containsEntry("monitor", 3L).containsEntry("enforce", 4L);
      assertThat(m.newlyFlat())
          .extracting(FlatPath::from, FlatPath::to, FlatPath::causes)
          .containsExactly(tuple("anonymous", "sidecar:health", List.of("no workload identity")));
      assertThat(m.quiet()).isEmpty();
      assertThat(m.configuredByMode()).isNull();
      assertThat(m.metrics()).extracting(Metric::key).doesNotContain("routes_enforced");

      assertThat(m.text())
          .contains(
              "service calls with a workload identity (mTLS)    3 of 4 (75.0%)           "
                  + "2 of 4 (50.0%)           +25.0 points")
          .contains("flat paths of the window before now enforced     2 of 3 (66.7%)           -")
          .contains(
              "  anonymous -> sidecar:ledger  2 of 2 requests unchecked before (monitor);"
                  + " now 1 requests, all enforced")
          .contains("  user:dave -> route:reports  1 of 1 requests unchecked (observe)")
          .doesNotContain("no traffic in the window");
      ObjectValue json = (ObjectValue) Json.parse(m.json());
      ObjectValue first =
          (ObjectValue) ((dev.vigil.rego.value.ArrayValue) json.get("metrics")).elements().get(0);
      assertThat(Json.write(first))
          .isEqualTo(
              "{\"change_points\":25,\"denominator\":4,\"key\":\"workload_identity\","
                  + "\"label\":\"service calls with a workload identity (mTLS)\",\"numerator\":3,"
                  + "\"previous\":{\"denominator\":4,\"numerator\":2,\"share\":0.5},"
                  + "\"share\":0.75}");
    }
  }

  /** The metrics of day two, the same on every store. */
  static void assertSecondDay(ZeroTrustMetrics m) {
    assertThat(ratios(m))
        .containsExactly(
            tuple("workload_identity", new Ratio(3, 4), new Ratio(2, 4)),
            tuple("privileged_mfa", new Ratio(2, 3), new Ratio(1, 1)),
            tuple("privileged_grant", new Ratio(1, 3), new Ratio(1, 1)),
            tuple("privileged_mfa_and_grant", new Ratio(1, 3), new Ratio(1, 1)),
            tuple("managed_device", new Ratio(2, 4), new Ratio(1, 3)),
            tuple("mfa", new Ratio(2, 4), new Ratio(1, 3)),
            tuple("denied", new Ratio(3, 11), new Ratio(4, 8)),
            tuple("flat_paths", new Ratio(2, 8), new Ratio(3, 6)),
            tuple("flat_paths_eliminated", new Ratio(2, 3), null));
    assertThat(m.metric("workload_identity").change()).isEqualTo(25.0);
    assertThat(m.flat())
        .extracting(FlatPath::from, FlatPath::to, FlatPath::unchecked, FlatPath::requests)
        .containsExactly(
            tuple("user:dave", "route:reports", 1L, 1L),
            tuple("anonymous", "sidecar:health", 1L, 1L));
    assertThat(m.eliminated())
        .extracting(FlatPath::from, FlatPath::to, FlatPath::uncheckedBefore, FlatPath::causesBefore)
        .containsExactly(
            tuple("anonymous", "sidecar:ledger", 2L, List.of("monitor")),
            tuple("user:bob", "route:wiki", 1L, List.of("monitor")));
  }

  private static List<org.assertj.core.groups.Tuple> ratios(ZeroTrustMetrics m) {
    return m.metrics().stream().map(x -> tuple(x.key(), x.now(), x.before())).toList();
  }

  @Test
  void measure_windowWithoutTraffic_saysSoInsteadOfDividingByZero() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);
      Window later =
          new Window(Traffic.T0.plus(Duration.ofDays(3)), Traffic.T0.plus(Duration.ofDays(4)));
      ZeroTrustMetrics m = ZeroTrustMetrics.measure(store, later, null, null);

      assertThat(m.metrics()).allSatisfy(x -> assertThat(x.now()).isEqualTo(new Ratio(0, 0)));
      assertThat(m.metric("denied").now().share()).isNull();
      assertThat(m.metric("denied").change()).isNull();
      assertThat(m.text())
          .contains("no traffic in the window: no share can be measured")
          .contains(
              "requests denied (enforced or in monitor)         none                     none")
          .contains("flat paths now (0):\n  (none)");
      assertThat(m.json())
          .contains("\"no_traffic\": true")
          .contains("\"share\": null")
          .doesNotContain("NaN")
          .doesNotContain("Infinity");
    }
  }

  @Test
  void measure_withConfiguredRoutes_countsTheRoutesThatEnforce() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);
      Map<String, String> routes =
          Map.of(
              "wiki", "enforce", "console", "enforce", "reports", "observe", "staging", "monitor");
      ZeroTrustMetrics m = ZeroTrustMetrics.measure(store, DAY_TWO, "console", routes);

      assertThat(m.metric("routes_enforced").now()).isEqualTo(new Ratio(2, 4));
      assertThat(m.metric("routes_enforced").before()).isNull();
      assertThat(m.configuredByMode())
          .containsExactly(
              Map.entry("observe", List.of("reports")),
              Map.entry("monitor", List.of("staging")),
              Map.entry("enforce", List.of("console", "wiki")));
      // --route narrows every count to the console's decisions.
      assertThat(m.now().requests()).isEqualTo(3);
      assertThat(m.metric("privileged_mfa").before()).isEqualTo(new Ratio(1, 1));
      assertThat(m.before().denied()).isEqualTo(1);
      assertThat(m.text()).contains("  enforce  2  console, wiki");
    }
  }

  @Test
  void ratio_ofNothing_hasNoShare() {
    assertThat(new Ratio(0, 0).share()).isNull();
    assertThat(new Ratio(0, 0).text()).isEqualTo("none");
    assertThat(new Ratio(1, 3).text()).isEqualTo("1 of 3 (33.3%)");
    assertThat(new Ratio(1, 2).pointsSince(new Ratio(0, 0))).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Ratio(3, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a ratio: 3 of 2 (0 <= numerator <= denominator)");
  }
}
