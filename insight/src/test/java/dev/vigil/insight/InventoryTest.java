package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.insight.Inventory.Entry;
import dev.vigil.pdp.Mode;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryTest {

  @TempDir Path tmp;

  private static final Window DAY = new Window(Traffic.T0, Traffic.T0.plus(Duration.ofDays(1)));

  private static Instant at(int hours) {
    return Traffic.T0.plus(Duration.ofHours(hours));
  }

  @Test
  void take_listsWhatTheTrafficShowsAndTheRoutesItNeverReached() throws Exception {
    List<String> none = List.of();
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(at(1));
        t.user("alice", none, List.of("sre"), "wiki", "GET", Mode.MONITOR, Traffic.MANAGED_LAPTOP);
        t.user("bob", none, none, "wiki", "GET", Mode.MONITOR, Traffic.STALE_DEVICE);
        t.at(at(2));
        t.user("alice", none, List.of("sre"), "wiki", "GET", Mode.ENFORCE, Traffic.MANAGED_LAPTOP);
        t.user("carol", none, none, "wiki", "GET", Mode.ENFORCE, Traffic.NO_CERTIFICATE);
        t.workload("spiffe://prod.example/billing", "prod.example", "ledger", "GET", Mode.ENFORCE);
        t.workload("spiffe://dev.example/tests", "dev.example", "ledger", "GET", Mode.ENFORCE);
        t.at(at(3));
        t.workload("spiffe://prod.example/billing", "prod.example", "ledger", "GET", Mode.ENFORCE);
        t.noRoute("intranet.example", "/docs/a?q=1");
        t.noRoute("intranet.example", "/docs/a?q=2");
        t.noRoute(null, "/old");
      }
      Inventory inv = Inventory.take(store, DAY, null, List.of("wiki", "ledger", "payroll"));

      assertThat(inv.decisions()).isEqualTo(10);
      assertThat(inv.routes())
          .extracting(Entry::key, Entry::requests, Entry::lastSeen)
          .containsExactly(tuple("wiki", 4L, at(2)), tuple("ledger", 3L, at(3)));
      // The mode of the latest decision: the route moved from monitor to enforce.
      assertThat(inv.routes().get(0).details())
          .containsEntry("mode", "enforce")
          .containsEntry("kind", "route")
          .containsEntry("service", "wiki");
      assertThat(inv.routes().get(1).details()).containsEntry("kind", "sidecar");
      assertThat(inv.unusedRoutes()).containsExactly("payroll");
      assertThat(inv.noRoute())
          .extracting(Entry::key, Entry::requests)
          .containsExactly(tuple("intranet.example /docs/a", 2L), tuple("? /old", 1L));
      assertThat(inv.workloads())
          .extracting(Entry::key, Entry::requests, Entry::lastSeen)
          .containsExactly(
              tuple("spiffe://prod.example/billing", 2L, at(3)),
              tuple("spiffe://dev.example/tests", 1L, at(2)));
      assertThat(inv.workloads().get(0).details()).containsEntry("trust_domain", "prod.example");
      assertThat(inv.trustDomains())
          .extracting(Entry::key, Entry::requests)
          .containsExactly(tuple("prod.example", 2L), tuple("dev.example", 1L));
      assertThat(inv.users())
          .extracting(Entry::key, Entry::requests, Entry::lastSeen)
          .containsExactly(
              tuple("alice", 2L, at(2)), tuple("bob", 1L, at(1)), tuple("carol", 1L, at(2)));
      assertThat(inv.devices())
          .extracting(Entry::key, Entry::requests)
          .containsExactly(
              tuple("managed laptop-7", 2L),
              tuple("unknown", 1L),
              tuple("unmanaged stale_report", 1L));
      assertThat(inv.text())
          .contains("configured routes without traffic:\n  payroll\n")
          .contains("devices:\n  managed laptop-7");
      assertThat(inv.json()).contains("\"unused_routes\": [\n    \"payroll\"\n  ]");
    }
  }

  @Test
  void take_withoutConfiguration_namesNoUnusedRoutes() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(at(1)).anonymous("wiki", "GET", Mode.OBSERVE);
      }
      Inventory inv = Inventory.take(store, DAY, null, null);

      assertThat(inv.unusedRoutes()).isNull();
      assertThat(inv.routes()).extracting(Entry::key).containsExactly("wiki");
      assertThat(inv.users()).isEmpty();
      assertThat(inv.text()).doesNotContain("configured routes without traffic");
      assertThat(inv.json()).doesNotContain("unused_routes");
    }
  }
}
