package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Decisions whose values the store cannot take as they are must not cost other decisions. */
class DecisionLogHostileTest {

  @TempDir static Path tmp;

  /** Gathers for a while so the appends below land in one batch; retries briefly. */
  private static DecisionLog.Options oneBatch() {
    return new DecisionLog.Options(
        1_000,
        1_000,
        OverflowPolicy.BLOCK,
        Duration.ofSeconds(5),
        Duration.ofMillis(300),
        Duration.ofMillis(200));
  }

  private static DecisionRecord record(String id, Instant t, String path, String subject) {
    return new DecisionRecord(
        id, t, path, subject, "app", false, "enforce", true, "n1", "{\"id\":\"" + id + "\"}");
  }

  /**
   * A timestamp the log cannot store in microseconds fails its batch as any failed write does; the
   * writer goes on with the next batch.
   */
  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void timeOutOfRange_failsItsBatchAndTheWriterGoesOn(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("far")));
        DecisionLog log = new DecisionLog(store, oneBatch())) {
      CompletableFuture<Void> far =
          log.append(record("far", Instant.parse("+300000-01-01T00:00:00Z"), "a", "alice"));
      assertThat(far).failsWithin(5, TimeUnit.SECONDS);
      CompletableFuture<Void> next = log.append(record("next", Instant.now(), "a", "alice"));
      next.get(5, TimeUnit.SECONDS);
      assertThat(new DecisionReader(store).get("next")).isPresent();
      assertThat(log.stats().queued()).isZero();
    }
  }

  /**
   * Values that the database stores the same way (a lone surrogate becomes "?" in UTF-8) or cannot
   * store as text at all (NUL in PostgreSQL) must not make a batch's keys collide or fail: every
   * decision of the batch is written and found again by its values.
   */
  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void oddCharactersInKeys_doNotCostTheBatch(String dialect) throws Exception {
    String[] subjects = {"innocent", "\uD800", "\uDC00", "?", "nul\u0000byte", "x".repeat(300)};
    String[] paths = {"authz/allow", "p\uDBFF", "p?", "p\u0000", "authz/allow", "authz/allow"};
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("odd")))) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      try (DecisionLog log = new DecisionLog(store, oneBatch())) {
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < subjects.length; i++) {
          acks.add(log.append(record("odd-" + i, t.plusSeconds(i), paths[i], subjects[i])));
        }
        for (CompletableFuture<Void> a : acks) {
          try {
            a.get(10, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            throw new AssertionError("batch lost: " + e.getCause().getMessage(), e);
          }
        }
      }
      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.count()).isEqualTo(subjects.length);
      assertThat(reader.list(new DecisionFilter(null, false, null, "innocent", null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("odd-0");
      assertThat(reader.list(new DecisionFilter(null, false, null, "nul\u0000byte", null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("odd-4");
      assertThat(reader.list(new DecisionFilter(null, false, "p\u0000", null, null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("odd-3");
      for (int i = 0; i < subjects.length; i++) {
        assertThat(reader.get("odd-" + i)).as("odd-" + i).isPresent();
      }
    }
  }

  /**
   * Large decisions in one commit are stored as several bounded records: a single record for a
   * commit of many large inputs outgrew what the database takes (120 events of 8.4 MB failed with
   * SQLITE_TOOBIG, taking the small decisions of the same commit with them).
   */
  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void largeDecisions_storedInBoundedRecordsInOrder(String dialect) throws Exception {
    String big = "{\"input\":\"" + "x".repeat(1_500_000) + "\"}";
    List<String> ids = new ArrayList<>();
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("large")))) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      try (DecisionLog log = new DecisionLog(store, oneBatch())) {
        for (int i = 0; i < 14; i++) {
          String id = "large-" + i;
          ids.add(0, id);
          acks.add(
              log.append(
                  new DecisionRecord(
                      id,
                      Instant.now(),
                      "authz/allow",
                      "mallory",
                      null,
                      i % 2 == 0,
                      "enforce",
                      true,
                      "n1",
                      i % 3 == 0 ? "{}" : big)));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(log.stats().batches()).as("one commit").isEqualTo(1);
      }
      try (var c = store.dataSource().getConnection();
          var ps = c.prepareStatement("SELECT events FROM decision_events");
          var rs = ps.executeQuery()) {
        int records = 0;
        while (rs.next()) {
          records++;
          assertThat((long) rs.getBytes(1).length)
              .isLessThanOrEqualTo(DecisionLog.MAX_RECORD_BYTES);
        }
        assertThat(records).isGreaterThan(1);
      }
      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.count()).isEqualTo(14);
      assertThat(reader.list(DecisionFilter.latest(100)))
          .extracting(DecisionRecord::decisionId)
          .containsExactlyElementsOf(ids);
      assertThat(reader.list(new DecisionFilter(null, true, null, "mallory", null, 3)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("large-13", "large-11", "large-9");
    }
  }
}
