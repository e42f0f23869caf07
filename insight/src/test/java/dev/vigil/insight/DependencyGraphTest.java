package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.insight.DependencyGraph.By;
import dev.vigil.insight.DependencyGraph.Edge;
import dev.vigil.pdp.Mode;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DependencyGraphTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insight_");

  private static final Window DAY = new Window(Traffic.T0, Traffic.T0.plus(Duration.ofDays(1)));

  /** A morning of traffic: people on the wiki, a workload on the ledger, one stray request. */
  static void morning(Traffic t) throws Exception {
    t.at(Duration.ofHours(1));
    t.user("alice", List.of("eng", "ops"), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
    t.at(Duration.ofHours(2));
    t.user("alice", List.of("eng", "ops"), List.of("sre"), "wiki", "POST", Mode.ENFORCE, null);
    t.user("bob", List.of("eng"), List.of("dev"), "wiki", "GET", Mode.MONITOR, null);
    t.at(Duration.ofHours(3));
    t.user("alice", List.of("eng", "ops"), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
    t.anonymous("wiki", "GET", Mode.OBSERVE);
    t.workload("spiffe://prod.example/billing", "prod.example", "ledger", "GET", Mode.ENFORCE);
    t.at(Duration.ofHours(4));
    t.workload("spiffe://prod.example/billing", "prod.example", "ledger", "PUT", Mode.ENFORCE);
    t.noRoute("intranet.example", "/docs?q=1");
  }

  private static Map<String, Edge> edges(DependencyGraph g) {
    return g.edges().stream().collect(Collectors.toMap(e -> e.from() + " -> " + e.to(), e -> e));
  }

  private static void assertMorning(DependencyGraph g) {
    Map<String, Edge> e = edges(g);
    assertThat(e.keySet())
        .containsExactlyInAnyOrder(
            "user:alice -> route:wiki",
            "user:bob -> route:wiki",
            "anonymous -> route:wiki",
            "workload:spiffe://prod.example/billing -> sidecar:ledger");
    Edge alice = e.get("user:alice -> route:wiki");
    assertThat(alice.requests()).isEqualTo(3);
    assertThat(alice.allowed()).isEqualTo(3);
    assertThat(alice.denied()).isZero();
    assertThat(alice.methods()).containsExactly("GET", "POST");
    assertThat(alice.modes()).containsExactly("enforce");
    assertThat(alice.firstSeen()).isEqualTo(Traffic.T0.plus(Duration.ofHours(1)));
    assertThat(alice.lastSeen()).isEqualTo(Traffic.T0.plus(Duration.ofHours(3)));
    Edge bob = e.get("user:bob -> route:wiki");
    assertThat(List.of(bob.requests(), bob.allowed(), bob.denied())).containsExactly(1L, 0L, 1L);
    assertThat(bob.modes()).containsExactly("monitor");
    Edge anon = e.get("anonymous -> route:wiki");
    assertThat(List.of(anon.requests(), anon.denied(), anon.notEvaluated()))
        .containsExactly(1L, 0L, 1L);
    Edge billing = e.get("workload:spiffe://prod.example/billing -> sidecar:ledger");
    assertThat(billing.requests()).isEqualTo(2);
    assertThat(billing.methods()).containsExactly("GET", "PUT");
    assertThat(g.decisions()).isEqualTo(8);
    assertThat(g.refusalsBeforePolicy()).isEqualTo(1);
    assertThat(g.capped()).isFalse();
    DependencyGraph.Node wiki =
        g.nodes().stream().filter(n -> n.id().equals("route:wiki")).findFirst().orElseThrow();
    assertThat(wiki.attributes())
        .containsEntry("service", "wiki")
        .containsEntry("environment", "production");
  }

  @Test
  void learn_sqlite_exactEdgesOfCallersAndServices() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
      }
      assertMorning(DependencyGraph.learn(store, DAY, null, By.USER, 100));
    }
  }

  /** A sidecar's re-check of an open connection is no new call: the edge keeps its count. */
  @Test
  void learn_rechecksOfOpenConnections_addNoCall() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
        t.recheck("spiffe://prod.example/billing", "prod.example", "ledger", "GET", Mode.ENFORCE);
        t.recheck("spiffe://prod.example/web", "prod.example", "ledger", "GET", Mode.ENFORCE);
      }
      assertMorning(DependencyGraph.learn(store, DAY, null, By.USER, 100));
      Inventory inv = Inventory.take(store, DAY, null, null);
      assertThat(inv.workloads()).hasSize(1);
    }
  }

  @Test
  void learn_postgresql_exactEdgesOfCallersAndServices() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
      }
      assertMorning(DependencyGraph.learn(store, DAY, null, By.USER, 100));
    }
  }

  @Test
  void learn_byGroupAndRole_countsEachMembershipApart() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
      }
      Map<String, Edge> groups = edges(DependencyGraph.learn(store, DAY, null, By.GROUP, 100));
      Map<String, Edge> roles = edges(DependencyGraph.learn(store, DAY, null, By.ROLE, 100));

      assertThat(groups.get("group:eng -> route:wiki").requests()).isEqualTo(4);
      assertThat(groups.get("group:ops -> route:wiki").requests()).isEqualTo(3);
      assertThat(groups).doesNotContainKey("user:alice -> route:wiki");
      assertThat(groups.get("workload:spiffe://prod.example/billing -> sidecar:ledger").requests())
          .isEqualTo(2);
      assertThat(roles.get("role:sre -> route:wiki").requests()).isEqualTo(3);
      assertThat(roles.get("role:dev -> route:wiki").denied()).isEqualTo(1);
    }
  }

  @Test
  void learn_routeGiven_onlyThatRoute() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
      }
      DependencyGraph g = DependencyGraph.learn(store, DAY, "ledger", By.USER, 100);

      assertThat(edges(g).keySet())
          .containsExactly("workload:spiffe://prod.example/billing -> sidecar:ledger");
      assertThat(g.decisions()).isEqualTo(2);
    }
  }

  @Test
  void learn_windowBoundaries_sinceIncludedUntilExcluded() throws Exception {
    Instant since = Traffic.T0.plus(Duration.ofHours(10));
    Instant until = since.plus(Duration.ofHours(1));
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(since.minusNanos(1000));
        t.user("early", List.of(), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
        t.at(since);
        t.user("first", List.of(), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
        t.at(until.minusNanos(1000));
        t.user("last", List.of(), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
        t.at(until);
        t.user("late", List.of(), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
      }
      DependencyGraph g = DependencyGraph.learn(store, new Window(since, until), null, By.USER, 9);

      assertThat(edges(g).keySet())
          .containsExactlyInAnyOrder("user:first -> route:wiki", "user:last -> route:wiki");
    }
  }

  @Test
  void learn_moreCallersThanTheCap_keepsTheCapAndCountsWhatItLeftOut() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(Duration.ofHours(1));
        for (int i = 0; i < 6; i++) {
          t.user("u" + i, List.of(), List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
        }
      }
      DependencyGraph g = DependencyGraph.learn(store, DAY, null, By.USER, 4);

      // One service and three callers fill four nodes; the other three callers are left out.
      assertThat(g.nodes()).hasSize(4);
      assertThat(g.edges()).hasSize(3);
      assertThat(g.beyondCap()).isEqualTo(3);
      assertThat(g.text()).contains("note: capped at 4 nodes and 32 edges: 3 decisions");
      assertThat(g.json()).contains("\"capped\": true").contains("\"beyond_cap\": 3");
    }
  }

  @Test
  void formats_textJsonDot_showTheEdges() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        morning(t);
        t.at(Duration.ofHours(5));
        t.user("eve\"\n", List.of(), List.of(), "wiki", "GET", Mode.ENFORCE, null);
      }
      DependencyGraph g = DependencyGraph.learn(store, DAY, null, By.USER, 100);

      assertThat(g.text())
          .contains("9 decisions, 5 callers, 2 services, 5 edges")
          .contains(
              "user:alice -> route:wiki (service wiki, environment production)  3 requests"
                  + " (3 allowed, 0 denied, 0 not evaluated)  GET,POST  modes enforce")
          .contains("note: 1 requests refused before routing or policy are not drawn");
      assertThat(g.dot())
          .startsWith("digraph vigil {")
          .contains("\"user:alice\" -> \"route:wiki\" [label=\"3 GET,POST\"];")
          .contains("\"user:bob\" -> \"route:wiki\" [label=\"1 (1 denied) GET\", color=red];")
          .contains("\"user:eve\\\"?\" [label=\"user:eve\\\"?\", shape=ellipse];")
          .contains("\"route:wiki\" [label=\"route:wiki (service wiki, environment production)\"");
      assertThat(g.json())
          .contains("\"from\": \"user:alice\"")
          .contains("\"methods\": [\n        \"GET\",\n        \"POST\"\n      ]");
    }
  }

  @Test
  void builder_capBelowTwo_refused() {
    assertThatThrownBy(() -> DependencyGraph.builder(DAY, By.USER, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the node cap must be 2 or more, not 1");
    assertThatThrownBy(() -> By.parse("team"))
        .hasMessage("must be user, group or role, not \"team\"");
  }
}
