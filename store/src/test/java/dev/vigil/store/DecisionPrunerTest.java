package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pruning removes whole old batches with their records and keys, and old pre-batch rows. */
class DecisionPrunerTest {

  @TempDir static Path tmp;

  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  private static DecisionRecord at(String id, Instant t, String subject) {
    return new DecisionRecord(
        id, t, "gw/allow", subject, "app", false, "enforce", true, "n1", "{\"id\":\"" + id + "\"}");
  }

  /** Appends in commits of one day each: day d holds 700 decisions, about 1 in 3 by "old". */
  private static void fill(Store store, int days) throws Exception {
    for (int d = 0; d < days; d++) {
      try (DecisionLog log =
          new DecisionLog(
              store, DecisionLog.Options.defaults().withLinger(java.time.Duration.ZERO))) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
          acks.add(
              log.append(at("d" + d + "-" + i, T0.plusSeconds(86_400L * d + i), "u" + (i % 3))));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void prune_removesOnlyWhatIsOlder_withRecordsKeysAndOldRows(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp.resolve("prune"));
    try (Store store = Store.open(where)) {
      try (Connection c = store.dataSource().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO decisions (decision_id, ts_us, path, subject, route, allowed, mode,"
                      + " enforced, node, event) VALUES (?,?,'gw/allow','u0','app',"
                      + (dialect.equals("sqlite") ? "0" : "false")
                      + ",'enforce',"
                      + (dialect.equals("sqlite") ? "1" : "true")
                      + ",'n0','{}')")) {
        ps.setString(1, "ancient");
        ps.setLong(2, DecisionLog.micros(T0.minusSeconds(86_400)));
        ps.executeUpdate();
      }
      fill(store, 3);
      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.count()).isEqualTo(2_101);

      // Everything before day 2 goes: the old row and days 0 and 1.
      long removed = DecisionPruner.prune(store, T0.plusSeconds(2 * 86_400L));

      assertThat(removed).isEqualTo(1_401);
      assertThat(reader.count()).isEqualTo(700);
      assertThat(reader.list(new DecisionFilter(null, true, null, null, null, 10_000)))
          .hasSize(700)
          .allMatch(r -> r.decisionId().startsWith("d2-"));
      assertThat(reader.list(new DecisionFilter(null, false, null, "u1", null, 10_000)))
          .hasSize(233)
          .allMatch(r -> r.decisionId().startsWith("d2-"));
      assertThat(reader.get("d1-5")).isEmpty();
      assertThat(reader.get("ancient")).isEmpty();
      assertThat(reader.get("d2-5")).isPresent();
      // No key or record is left without its batch.
      assertThat(
              TestStores.count(
                  store,
                  "SELECT COUNT(*) FROM decision_keys k WHERE NOT EXISTS"
                      + " (SELECT 1 FROM decision_batches b WHERE b.seq = k.batch)"))
          .isZero();
      assertThat(
              TestStores.count(
                  store,
                  "SELECT COUNT(*) FROM decision_events e WHERE NOT EXISTS"
                      + " (SELECT 1 FROM decision_batches b WHERE b.seq = e.batch)"))
          .isZero();

      // Again: nothing more is older.
      assertThat(DecisionPruner.prune(store, T0.plusSeconds(2 * 86_400L))).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void prune_batchAcrossTheCutOff_keptWhole(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp.resolve("across"));
    try (Store store = Store.open(where);
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      // One commit: its batch holds a decision before the cut-off and one after.
      CompletableFuture<Void> a = log.tryAppend(() -> at("before", T0, "u"));
      CompletableFuture<Void> b = log.tryAppend(() -> at("after", T0.plusSeconds(10), "u"));
      CompletableFuture.allOf(a, b).get(10, TimeUnit.SECONDS);
      long batches = TestStores.count(store, "SELECT COUNT(*) FROM decision_batches");

      long removed = DecisionPruner.prune(store, T0.plusSeconds(5));

      assertThat(removed).isEqualTo(batches == 1 ? 0 : 1);
      assertThat(new DecisionReader(store).get("after")).isPresent();
    }
  }
}
