package dev.vigil.insight;

import static dev.vigil.insight.BlastEstate.BATCH;
import static dev.vigil.insight.BlastEstate.BILLING;
import static dev.vigil.insight.BlastEstate.LEDGER;
import static dev.vigil.insight.BlastEstate.ORDERS;
import static dev.vigil.insight.BlastEstate.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlastRadiusTest {

  @TempDir Path tmp;

  private Store store;
  private BlastEstate estate;
  private Window window;
  private CandidatePolicy live;
  private CandidatePolicy candidate;

  @BeforeEach
  void record() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    estate = BlastEstate.record(tmp, store);
    Instant now = Instant.now();
    window = new Window(now.minus(Duration.ofHours(1)), now.plus(Duration.ofMinutes(1)));
    live = CandidatePolicy.load(estate.live, DecisionPoint.Options.defaults());
    candidate = CandidatePolicy.load(estate.candidate, DecisionPoint.Options.defaults());
  }

  @AfterEach
  void close() {
    live.close();
    candidate.close();
    store.close();
  }

  private BlastRadius measure(String subject, BlastSubject.Overrides o, CandidatePolicy next) {
    BlastSubject s = BlastSubject.find(store, window, subject, o);
    return BlastRadius.measure(store, window, s, estate.estate(), live, next, null);
  }

  /** The route actions reachable, as {@code route action}. */
  private static List<String> reachable(BlastRadius b, boolean underCandidate) {
    List<String> out = new ArrayList<>();
    for (BlastRadius.RouteReach r : b.routes()) {
      for (BlastRadius.Reach a : r.actions()) {
        if (r.reachable(a, underCandidate)) {
          out.add(r.name() + " " + a.action());
        }
      }
    }
    return out;
  }

  private static List<String> nodes(LateralMovement l) {
    return l.steps().stream().map(s -> s.hops() + " " + s.node()).toList();
  }

  @Test
  void measure_sreWithMfa_reachesEveryOfferedRouteAction() {
    BlastRadius b = measure("user:alice", BlastSubject.Overrides.NONE, null);

    assertThat(b.subject().seen().decisionId()).isEqualTo(estate.ids.get("alice-wiki"));
    assertThat(b.subject().roles()).containsExactly("sre");
    assertThat(b.subject().mfa()).isTrue();
    assertThat(b.offered()).isEqualTo(16);
    assertThat(b.reachable(false)).isEqualTo(16);
    assertThat(b.notEnforced()).isZero();
    assertThat(reachable(b, false))
        .containsExactly(
            "console admin",
            "orders-ui read",
            "orders-ui write",
            "orders-ui delete",
            "payroll read",
            "payroll write",
            "payroll delete",
            "reports read",
            "reports write",
            "reports delete",
            "staging read",
            "staging write",
            "staging delete",
            "wiki read",
            "wiki write",
            "wiki delete");
    // Routes that derive the action from the method offer no admin; one that fixes admin, only it.
    BlastRadius.RouteReach console = b.routes().get(0);
    assertThat(console.name()).isEqualTo("console");
    assertThat(console.actions().stream().filter(BlastRadius.Reach::offered).map(a -> a.action()))
        .containsExactly("admin");
    assertThat(console.actions().get(3).method()).isEqualTo("GET");
    // An edge route whose upstream proves a SPIFFE ID is in front of that workload.
    assertThat(b.routes().get(1).name()).isEqualTo("orders-ui");
    assertThat(b.routes().get(1).workload()).isEqualTo(ORDERS);
    assertThat(b.routes().get(0).workload()).isNull();
  }

  /** A just-in-time grant the user does not hold adds what the policy gives its holders. */
  @Test
  void measure_devWithAGrantGiven_addsWhatTheGrantOpens() {
    BlastRadius standing = measure("user:bob", BlastSubject.Overrides.NONE, null);
    BlastRadius granted =
        measure(
            "user:bob",
            new BlastSubject.Overrides(null, null, null, null, List.of("payroll-admin")),
            null);

    List<String> added = new ArrayList<>(reachable(granted, false));
    added.removeAll(reachable(standing, false));
    assertThat(added).containsExactly("payroll read", "payroll write", "payroll delete");
    assertThat(granted.subject().grants()).containsExactly("payroll-admin");
    assertThat(granted.subject().given()).containsExactly("--grant");
    assertThat(granted.text())
        .contains("holding grants of payroll-admin (assumed approved)")
        .contains("reach under policy: 11 of 16 route actions");
    assertThat(granted.json()).contains("\"grants\": [\n      \"payroll-admin\"\n    ]");
  }

  @Test
  void measure_dev_readsWhatIsNotRestricted_andEverythingNotEnforced() {
    BlastRadius b = measure("user:bob", BlastSubject.Overrides.NONE, null);

    assertThat(b.subject().seen().decisionId()).isEqualTo(estate.ids.get("bob-payroll"));
    assertThat(b.subject().groups()).containsExactly("eng");
    assertThat(reachable(b, false))
        .containsExactly(
            "orders-ui read",
            "reports read",
            "reports write",
            "reports delete",
            "staging read",
            "staging write",
            "staging delete",
            "wiki read");
    assertThat(b.notEnforced()).isEqualTo(4);
    BlastRadius.RouteReach payroll =
        b.routes().stream().filter(r -> r.name().equals("payroll")).findFirst().orElseThrow();
    assertThat(payroll.notEnforced()).isFalse();
    assertThat(payroll.actions().get(0).inService().allowed()).isFalse();
    assertThat(payroll.actions().get(0).inService().why()).contains("authz.rego:");
    String text = b.text();
    assertThat(text).contains("reach under policy: 8 of 16 route actions (4 only because");
    assertThat(text).contains("route reports  observe (not enforced)");
    assertThat(text).contains("route staging  monitor (not enforced)");
    assertThat(text).contains("reachable, not enforced (observe): the policy would deny: ");
  }

  @Test
  void measure_workload_reachesSidecarRoutesOfItsTrustDomain() {
    BlastRadius b = measure(WEB, BlastSubject.Overrides.NONE, null);

    assertThat(b.subject().workload()).isTrue();
    assertThat(b.routes())
        .extracting(BlastRadius.RouteReach::workload)
        .containsExactly(BILLING, LEDGER, ORDERS);
    assertThat(b.offered()).isEqualTo(9);
    assertThat(reachable(b, false))
        .containsExactly(
            "billing read",
            "billing write",
            "ledger read",
            "ledger write",
            "ledger delete",
            "orders read",
            "orders write");
    assertThat(b.notEnforced()).isEqualTo(1);
  }

  @Test
  void measure_workloadOfAnotherTrustDomain_reachesOnlyWhatDoesNotEnforce() {
    BlastRadius b = measure(BATCH, BlastSubject.Overrides.NONE, null);

    assertThat(reachable(b, false)).containsExactly("ledger read", "ledger write", "ledger delete");
    // Its one call was denied: no edge to move along.
    assertThat(b.lateral().steps()).isEmpty();
  }

  @Test
  void lateral_workload_followsAllowedCallsThroughTheWorkloadsBehindRoutes() {
    LateralMovement l = measure(WEB, BlastSubject.Overrides.NONE, null).lateral();

    assertThat(nodes(l))
        .containsExactly(
            "1 sidecar:orders",
            "1 workload:" + ORDERS,
            "2 sidecar:billing",
            "2 workload:" + BILLING,
            "3 sidecar:ledger",
            "3 workload:" + LEDGER);
    assertThat(l.steps().get(5).chain())
        .containsExactly(
            "workload:" + WEB,
            "sidecar:orders",
            "workload:" + ORDERS,
            "sidecar:billing",
            "workload:" + BILLING,
            "sidecar:ledger",
            "workload:" + LEDGER);
    assertThat(l.unfollowed()).isEmpty();
  }

  @Test
  void lateral_user_entersWorkloadsThroughAnEdgeRouteWithAnUpstreamIdentity() {
    LateralMovement l = measure("user:bob", BlastSubject.Overrides.NONE, null).lateral();

    // The denied POST to payroll is no edge; wiki's upstream is no workload Vigil knows.
    assertThat(nodes(l))
        .containsExactly(
            "1 route:orders-ui",
            "1 route:wiki",
            "1 workload:" + ORDERS,
            "2 sidecar:billing",
            "2 workload:" + BILLING,
            "3 sidecar:ledger",
            "3 workload:" + LEDGER);
    assertThat(l.unfollowed()).containsExactly("route:wiki");
  }

  @Test
  void lateral_withoutSidecarFiles_followsTheWorkloadsTheLogNames_andEndsWhereItNamesNone() {
    BlastSubject s = BlastSubject.find(store, window, WEB, BlastSubject.Overrides.NONE);
    BlastRadius b =
        BlastRadius.measure(
            store, window, s, new BlastRadius.Estate(estate.edge, Map.of()), live, null, null);

    // Orders' and billing's sidecars named the workload called; ledger's call did not.
    assertThat(nodes(b.lateral()))
        .containsExactly(
            "1 sidecar:orders",
            "1 workload:" + ORDERS,
            "2 sidecar:billing",
            "2 workload:" + BILLING,
            "3 sidecar:ledger");
    assertThat(b.lateral().unfollowed()).containsExactly("sidecar:ledger");
  }

  @Test
  void measure_workloadWithoutSidecarsGiven_saysNoRouteIsConfigured() {
    BlastSubject s = BlastSubject.find(store, window, WEB, BlastSubject.Overrides.NONE);
    BlastRadius b =
        BlastRadius.measure(
            store, window, s, new BlastRadius.Estate(estate.edge, Map.of()), live, null, null);

    assertThat(b.offered()).isZero();
    assertThat(b.text())
        .contains("reach under policy: 0 of 0 route actions")
        .contains("  no route a workload calls is configured: give --sidecar SPIFFE_ID=FILE");
  }

  @Test
  void measure_tcpSidecarRoute_isAskedOnceAConnection_withItsAction() throws Exception {
    java.nio.file.Path file =
        java.nio.file.Files.writeString(
            tmp.resolve("sidecar-db.yaml"),
            """
            inbound:
              - name: db
                listen: 127.0.0.1:0
                protocol: tcp
                app: tcp://127.0.0.1:5432
                policy: authz/allow
                resource: {service: db, environment: production}
            """);
    var sidecars = new java.util.HashMap<>(estate.sidecars);
    sidecars.put(
        "spiffe://prod.example/db",
        dev.vigil.gateway.sidecar.SidecarConfig.read(file).inbound().stream()
            .map(i -> i.route())
            .toList());
    BlastSubject s = BlastSubject.find(store, window, WEB, BlastSubject.Overrides.NONE);
    BlastRadius b =
        BlastRadius.measure(
            store, window, s, new BlastRadius.Estate(estate.edge, sidecars), live, null, "db");

    BlastRadius.RouteReach db = b.routes().get(0);
    assertThat(db.actions().stream().filter(BlastRadius.Reach::offered).map(a -> a.action()))
        .containsExactly("write");
    assertThat(db.actions().get(1).method()).isEqualTo("(connection)");
    assertThat(reachable(b, false)).containsExactly("db write");
  }

  @Test
  void measure_candidate_reportsTheReduction() {
    BlastRadius b = measure(WEB, BlastSubject.Overrides.NONE, candidate);

    assertThat(b.reachable(false)).isEqualTo(7);
    assertThat(b.reachable(true)).isEqualTo(4);
    assertThat(b.changes(true))
        .containsExactly(
            new BlastRadius.Change("billing", "read"),
            new BlastRadius.Change("billing", "write"),
            new BlastRadius.Change("orders", "write"));
    assertThat(b.changes(false)).isEmpty();
    assertThat(reachable(b, true))
        .containsExactly("ledger read", "ledger write", "ledger delete", "orders read");
  }

  @Test
  void measure_candidateForSre_takesOnlyRestrictedDeletes_whileHerDeviceIsManaged() {
    BlastRadius b = measure("user:alice", BlastSubject.Overrides.NONE, candidate);

    assertThat(b.reachable(true)).isEqualTo(15);
    assertThat(b.changes(true)).containsExactly(new BlastRadius.Change("payroll", "delete"));
  }

  @Test
  void measure_unmanagedDeviceGiven_leavesOnlyRoutesThatDoNotEnforce() {
    BlastRadius b =
        measure("user:alice", new BlastSubject.Overrides(null, null, null, false), candidate);

    assertThat(b.subject().given()).containsExactly("--managed-device");
    assertThat(b.reachable(false)).isEqualTo(16);
    assertThat(reachable(b, true))
        .containsExactly(
            "reports read",
            "reports write",
            "reports delete",
            "staging read",
            "staging write",
            "staging delete");
    assertThat(b.changes(true)).hasSize(10);
  }

  @Test
  void find_neverSeenUser_isRefusedUnlessAttributesAreGiven() {
    assertThatThrownBy(
            () -> BlastSubject.find(store, window, "user:zed", BlastSubject.Overrides.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subject \"user:zed\" made no request in the window")
        .hasMessageContaining("--role");

    BlastRadius b =
        measure("user:zed", new BlastSubject.Overrides(List.of("dev"), null, null, null), null);
    assertThat(b.subject().seen()).isNull();
    assertThat(reachable(b, false)).contains("wiki read").doesNotContain("wiki write");
  }

  @Test
  void find_badSubjects_areRefusedNamingThem() {
    assertThatThrownBy(() -> BlastSubject.find(store, window, "alice", BlastSubject.Overrides.NONE))
        .hasMessage("subject \"alice\" is neither user:ID nor a SPIFFE ID (spiffe://...)");
    assertThatThrownBy(
            () -> BlastSubject.find(store, window, "spiffe://", BlastSubject.Overrides.NONE))
        .hasMessageStartingWith("subject \"spiffe://\": ");
    assertThatThrownBy(
            () ->
                BlastSubject.find(
                    store,
                    window,
                    WEB,
                    new BlastSubject.Overrides(List.of("sre"), null, null, null)))
        .hasMessageStartingWith("--role applies to users");
  }

  @Test
  void measure_onlyRoute_keepsThatRoute_andRefusesOneTheSubjectCannotCall() {
    BlastSubject s = BlastSubject.find(store, window, "user:bob", BlastSubject.Overrides.NONE);
    BlastRadius b = BlastRadius.measure(store, window, s, estate.estate(), live, null, "wiki");
    assertThat(b.routes()).extracting(BlastRadius.RouteReach::name).containsExactly("wiki");

    assertThatThrownBy(
            () -> BlastRadius.measure(store, window, s, estate.estate(), live, null, "orders"))
        .hasMessage("--route \"orders\" is no route a user calls in the configuration given");
  }

  @Test
  void json_carriesTheCountsRoutesAndChains() {
    ObjectValue j =
        (ObjectValue) Json.parse(measure(WEB, BlastSubject.Overrides.NONE, candidate).json());

    assertThat(j.get("reachable").toString()).isEqualTo("7");
    assertThat(j.get("reachable_with_candidate").toString()).isEqualTo("4");
    assertThat(j.get("reduction").toString()).isEqualTo("3");
    assertThat(Json.write(j.get("no_longer_reachable")))
        .isEqualTo(
            "[{\"action\":\"read\",\"route\":\"billing\"},"
                + "{\"action\":\"write\",\"route\":\"billing\"},"
                + "{\"action\":\"write\",\"route\":\"orders\"}]");
    ObjectValue subject = (ObjectValue) j.get("subject");
    assertThat(Json.write(subject.get("kind"))).isEqualTo("\"workload\"");
    ObjectValue lateral = (ObjectValue) j.get("lateral");
    assertThat(Json.write(lateral.get("steps"))).contains("\"hops\":3");
  }
}
