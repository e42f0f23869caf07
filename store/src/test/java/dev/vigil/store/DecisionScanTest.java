package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DecisionScanTest {

  @TempDir Path tmp;

  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  /**
   * Forty batches of one decision each, a minute apart on routes a and b, and 600 rows written
   * before batches, a second apart an hour earlier: more than one page of each.
   */
  private static void fill(Store store) throws Exception {
    try (DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      for (int i = 0; i < 40; i++) {
        log.append(
                record(
                    "b" + i,
                    T0.plus(Duration.ofMinutes(i)),
                    i % 2 == 0 ? "a" : "b",
                    i % 4 == 0 ? "bob" : "alice"))
            .get(10, TimeUnit.SECONDS);
      }
    }
    boolean pg = store.dialect() == Dialect.POSTGRESQL;
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO decisions (decision_id, ts_us, path, subject, route, allowed,"
                    + " mode, enforced, node, event) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
      for (int i = 0; i < 600; i++) {
        DecisionRecord r =
            record(
                "l" + i,
                T0.minus(Duration.ofHours(1)).plusSeconds(i),
                i % 3 == 0 ? "a" : "c",
                i % 5 == 0 ? "bob" : "alice");
        ps.setString(1, r.decisionId());
        ps.setLong(2, DecisionLog.micros(r.timestamp()));
        ps.setString(3, r.path());
        ps.setString(4, r.subject());
        ps.setString(5, r.route());
        ps.setObject(6, pg ? (Object) false : (Object) 0);
        ps.setString(7, r.mode());
        ps.setObject(8, pg ? (Object) true : (Object) 1);
        ps.setString(9, r.node());
        ps.setString(10, r.eventJson());
        ps.executeUpdate();
      }
    }
  }

  private static DecisionRecord record(String id, Instant t, String route, String subject) {
    return new DecisionRecord(
        id, t, "authz/allow", subject, route, false, "enforce", true, "n1", "{\"x\":1}");
  }

  private static Set<String> scan(Store store, Instant since, Instant until, String route) {
    List<String> ids = new ArrayList<>();
    new DecisionScan(store).forEach(since, until, route, r -> ids.add(r.decisionId()));
    Set<String> distinct = new HashSet<>(ids);
    assertThat(distinct).hasSameSizeAs(ids);
    return distinct;
  }

  private static Set<String> ids(String prefix, int from, int to, int step) {
    Set<String> out = new HashSet<>();
    for (int i = from; i < to; i += step) {
      out.add(prefix + i);
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void forEach_windowAcrossPages_everyDecisionOnceAndNoOther(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      fill(store);
      assertThat(TestStores.count(store, "SELECT COUNT(*) FROM decision_batches"))
          .isGreaterThan(2L * DecisionReader.PAGE);

      Set<String> all =
          scan(store, T0.minus(Duration.ofHours(2)), T0.plus(Duration.ofHours(1)), null);
      Set<String> window = scan(store, T0.plus(Duration.ofMinutes(10)), T0.plusSeconds(1800), null);
      Set<String> routeA = scan(store, T0.minus(Duration.ofHours(2)), T0.plusSeconds(3600), "a");

      Set<String> expected = ids("b", 0, 40, 1);
      expected.addAll(ids("l", 0, 600, 1));
      assertThat(all).isEqualTo(expected);
      // Since included, until excluded: minutes 10 to 29.
      assertThat(window).isEqualTo(ids("b", 10, 30, 1));
      Set<String> a = ids("b", 0, 40, 2);
      a.addAll(ids("l", 0, 600, 3));
      assertThat(routeA).isEqualTo(a);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void forEach_ofASubject_onlyThatSubjectsDecisions_inBatchesAndOlderRows(String dialect)
      throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      fill(store);
      List<String> bob = new ArrayList<>();
      List<String> bobOnA = new ArrayList<>();
      List<String> nobody = new ArrayList<>();
      DecisionScan scan = new DecisionScan(store);
      Instant since = T0.minus(Duration.ofHours(2));
      Instant until = T0.plus(Duration.ofHours(1));

      scan.forEach(since, until, null, "bob", r -> bob.add(r.decisionId()));
      scan.forEach(since, until, "a", "bob", r -> bobOnA.add(r.decisionId()));
      scan.forEach(since, until, null, "carol", r -> nobody.add(r.decisionId()));

      Set<String> expected = ids("b", 0, 40, 4);
      expected.addAll(ids("l", 0, 600, 5));
      assertThat(bob).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
      Set<String> onA = ids("b", 0, 40, 4);
      onA.addAll(ids("l", 0, 600, 15));
      assertThat(bobOnA).containsExactlyInAnyOrderElementsOf(onA);
      assertThat(nobody).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void forEachWhile_stoppedByTheConsumer_handsNoMoreAndSaysSo(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      fill(store);
      Instant since = T0.minus(Duration.ofHours(2));
      Instant until = T0.plus(Duration.ofHours(1));
      DecisionScan scan = new DecisionScan(store);
      List<String> inBatches = new ArrayList<>();
      List<String> inRows = new ArrayList<>();
      List<String> whole = new ArrayList<>();

      boolean batchesDone =
          scan.forEachWhile(since, until, null, r -> inBatches.add(r.decisionId()) && false);
      // Every batch (40) and then the older rows until 45 in all.
      boolean rowsDone =
          scan.forEachWhile(
              since, until, null, r -> inRows.add(r.decisionId()) && inRows.size() < 45);
      boolean wholeDone = scan.forEachWhile(since, until, null, r -> whole.add(r.decisionId()));

      assertThat(batchesDone).isFalse();
      assertThat(inBatches).hasSize(1);
      assertThat(rowsDone).isFalse();
      assertThat(inRows).hasSize(45).containsAll(ids("b", 0, 40, 1));
      assertThat(wholeDone).isTrue();
      assertThat(whole).hasSize(640);
    }
  }
}
