package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How decisions are found again (migration 0006): each console filter is answered newest first from
 * an index, batches carry few keys, and rows written before batches stay readable.
 */
class DecisionIndexesTest {

  @TempDir static Path tmp;

  /** 3,000 decisions: every third denied, every fifth anonymous, two policy paths. */
  private static void fill(Store store) throws Exception {
    try (DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
      for (int i = 0; i < 3_000; i++) {
        acks.add(
            log.append(
                new DecisionRecord(
                    "d-" + i,
                    t0.plusMillis(i),
                    i % 2 == 0 ? "gw/allow" : "authz/allow",
                    i % 5 == 0 ? null : "user-" + (i % 7),
                    "app",
                    i % 3 != 0,
                    "enforce",
                    true,
                    "n1",
                    "{\"decision_id\":\"d-" + i + "\"}")));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void filters_returnTheNewestMatchingRowsFirst(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("filters")))) {
      fill(store);
      DecisionReader reader = new DecisionReader(store);

      List<DecisionRecord> denied =
          reader.list(new DecisionFilter(null, true, null, null, null, 5));
      assertThat(denied)
          .extracting(DecisionRecord::decisionId)
          .containsExactly("d-2997", "d-2994", "d-2991", "d-2988", "d-2985");

      List<DecisionRecord> bySubject =
          reader.list(new DecisionFilter(null, false, null, "user-3", null, 3));
      assertThat(bySubject)
          .extracting(DecisionRecord::decisionId)
          .containsExactly("d-2999", "d-2992", "d-2978");

      List<DecisionRecord> byPath =
          reader.list(new DecisionFilter(null, false, "authz/allow", null, null, 2));
      assertThat(byPath).extracting(DecisionRecord::decisionId).containsExactly("d-2999", "d-2997");

      List<DecisionRecord> deniedOnPathForSubject =
          reader.list(new DecisionFilter(null, true, "gw/allow", "user-0", null, 100));
      assertThat(deniedOnPathForSubject)
          .allMatch(r -> !r.allowed() && r.path().equals("gw/allow"))
          .allMatch(r -> "user-0".equals(r.subject()))
          .isNotEmpty();
    }
  }

  @Test
  void sqlite_eachFilterIsAnsweredFromItsIndex() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("plans")))) {
      fill(store);
      DecisionReader reader = new DecisionReader(store);
      assertThat(plan(store, reader.listQuery(filter(true, null, null), Long.MAX_VALUE)))
          .contains("decision_batches_denied")
          .doesNotContain("TEMP B-TREE");
      assertThat(plan(store, reader.listQuery(filter(false, null, "u"), Long.MAX_VALUE)))
          .contains("SEARCH k USING PRIMARY KEY (key=? AND batch<?)")
          .doesNotContain("TEMP B-TREE");
      assertThat(plan(store, reader.listQuery(filter(false, "gw/allow", "u"), Long.MAX_VALUE)))
          .contains("SEARCH k USING PRIMARY KEY (key=? AND batch<?)")
          .containsPattern("SEARCH o .*USING .*\\((key=\\? AND batch=\\?|batch=\\? AND key=\\?)\\)")
          .doesNotContain("TEMP B-TREE");
      assertThat(plan(store, reader.listQuery(filter(false, null, null), Long.MAX_VALUE)))
          .contains("SEARCH b USING INTEGER PRIMARY KEY (rowid<?)")
          .doesNotContain("TEMP B-TREE");
    }
  }

  private static DecisionFilter filter(boolean denied, String path, String subject) {
    return new DecisionFilter(null, denied, path, subject, null, 5);
  }

  @Test
  void sqlite_batchesHoldFewKeysAndThePartialIndexOnlyDeniedBatches() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("partial")))) {
      fill(store);
      long batches = TestStores.count(store, "SELECT COUNT(*) FROM decision_batches");
      long denied =
          TestStores.count(store, "SELECT COUNT(*) FROM decision_batches WHERE denied > 0");
      assertThat(
              TestStores.count(
                  store,
                  "SELECT COUNT(*) FROM decision_batches INDEXED BY decision_batches_denied"
                      + " WHERE denied > 0"))
          .isEqualTo(denied);
      assertThat(TestStores.count(store, "SELECT SUM(size) FROM decision_batches"))
          .isEqualTo(3_000);
      assertThat(TestStores.count(store, "SELECT SUM(denied) FROM decision_batches"))
          .isEqualTo(1_000);
      // Per batch: one key per distinct path, subject, route and id; the test's ids are not
      // UUIDs, so each has its own key. Nothing else.
      assertThat(TestStores.count(store, "SELECT COUNT(*) FROM decision_keys"))
          .isLessThanOrEqualTo(3_000 + batches * (2 + 7 + 1));
      assertThat(TestStores.count(store, "SELECT COUNT(*) FROM decision_keys WHERE key LIKE 'i:%'"))
          .isEqualTo(3_000);
    }
  }

  /** Rows of the table used before batches stay readable, after every batch, and counted. */
  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void legacyRows_listedAfterBatchesFoundAndCounted(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("legacy")))) {
      boolean pg = store.dialect() == Dialect.POSTGRESQL;
      try (Connection c = store.dataSource().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO decisions (decision_id, ts_us, path, subject, route, allowed,"
                      + " mode, enforced, node, event) VALUES (?,?,?,?,?,"
                      + (pg ? "?::boolean" : "?")
                      + ",?,"
                      + (pg ? "?::boolean" : "?")
                      + ",?,?)")) {
        for (int i = 0; i < 3; i++) {
          ps.setString(1, "old-" + i);
          ps.setLong(2, 1_700_000_000_000_000L + i);
          ps.setString(3, "authz/allow");
          ps.setString(4, "bob");
          ps.setString(5, "app");
          ps.setObject(6, pg ? "false" : 0);
          ps.setString(7, "enforce");
          ps.setObject(8, pg ? "true" : 1);
          ps.setString(9, "n0");
          ps.setString(10, "{\"decision_id\":\"old-" + i + "\"}");
          ps.executeUpdate();
        }
      }
      try (DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
        log.append(TestStores.record("new-0", false)).get(10, TimeUnit.SECONDS);
      }
      DecisionReader reader = new DecisionReader(store);

      assertThat(reader.list(new DecisionFilter(null, true, null, null, null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("new-0", "old-2", "old-1", "old-0");
      assertThat(reader.list(new DecisionFilter(null, false, null, "bob", null, 2)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("old-2", "old-1");
      assertThat(reader.get("old-1"))
          .get()
          .satisfies(r -> assertThat(r.subject()).isEqualTo("bob"))
          .satisfies(r -> assertThat(r.allowed()).isFalse());
      assertThat(reader.get("new-0")).get().extracting(DecisionRecord::node).isEqualTo("node-1");
      assertThat(reader.get("missing")).isEmpty();
      assertThat(reader.count()).isEqualTo(4);
    }
  }

  private static String plan(Store store, DecisionReader.Query q) throws SQLException {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + q.sql())) {
      for (int i = 0; i < q.params().size(); i++) {
        ps.setObject(i + 1, q.params().get(i));
      }
      StringBuilder sb = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sb.append(rs.getString(4)).append('\n');
        }
      }
      return sb.toString();
    }
  }
}
