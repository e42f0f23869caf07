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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision table's filter indexes (migration 0005): each console filter is answered newest
 * first from its own index, and the partial indexes leave out the rows they are not for.
 */
class DecisionIndexesTest {

  @TempDir static Path tmp;

  static Stream<String> dialects() {
    return Stream.of("sqlite", "postgresql");
  }

  private static StoreLocation location(String dialect, String name) throws SQLException {
    return dialect.equals("sqlite")
        ? TestStores.sqlite(tmp.resolve(name))
        : TestStores.freshPostgres();
  }

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
  @MethodSource("dialects")
  void filters_returnTheNewestMatchingRowsFirst(String dialect) throws Exception {
    try (Store store = Store.open(location(dialect, "filters"))) {
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
      assertThat(plan(store, reader.listQuery(new DecisionFilter(null, true, null, null, null, 5))))
          .contains("decisions_denied")
          .doesNotContain("TEMP B-TREE");
      assertThat(plan(store, reader.listQuery(new DecisionFilter(null, false, null, "u", null, 5))))
          .contains("decisions_subject")
          .doesNotContain("TEMP B-TREE");
      assertThat(
              plan(
                  store,
                  reader.listQuery(new DecisionFilter(null, false, "gw/allow", null, null, 5))))
          .contains("decisions_path")
          .doesNotContain("TEMP B-TREE");
    }
  }

  @Test
  void sqlite_partialIndexesHoldOnlyTheirRows() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("partial")))) {
      fill(store);
      // 1,000 denied rows; 600 anonymous rows have no subject entry.
      assertThat(
              count(
                  store,
                  "SELECT COUNT(*) FROM decisions INDEXED BY decisions_denied WHERE allowed = 0"))
          .isEqualTo(1_000);
      assertThat(
              count(
                  store,
                  "SELECT COUNT(*) FROM decisions INDEXED BY decisions_subject"
                      + " WHERE subject IS NOT NULL"))
          .isEqualTo(2_400);
      assertThat(
              count(store, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'decisions_%_ts'"))
          .isEqualTo(0);
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

  private static long count(Store store, String sql) throws SQLException {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
