package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DecisionLogTest {

  @TempDir static Path tmp;

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void append_manyDecisions_allDurableAndListed(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("many")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        acks.add(log.append(TestStores.record("d-" + i, i % 3 != 0)));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.count()).isEqualTo(5_000);
      assertThat(log.stats().written()).isEqualTo(5_000);
      assertThat(log.stats().queued()).isZero();
      assertThat(reader.get("d-43"))
          .get()
          .extracting(DecisionRecord::eventJson)
          .isEqualTo("{\"decision_id\":\"d-43\",\"result\":true}");
      List<DecisionRecord> denied =
          reader.list(new DecisionFilter(null, true, "authz/allow", null, null, 10_000));
      assertThat(denied).hasSize(1_667).allMatch(r -> !r.allowed());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void append_sameIdTwice_getAnswersTheFirst(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp.resolve("dup")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      log.append(TestStores.record("same", true)).get(10, TimeUnit.SECONDS);
      log.append(TestStores.record("same", false)).get(10, TimeUnit.SECONDS);

      assertThat(new DecisionReader(store).get("same"))
          .get()
          .extracting(DecisionRecord::allowed)
          .isEqualTo(true);
      // Ids are unique by construction (UUIDv7 from the decision point); the log keeps what it is
      // given, and a lookup answers with the first.
      assertThat(new DecisionReader(store).count()).isEqualTo(2);
    }
  }

  @Test
  void list_sinceAndSubject_filter() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("filter")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      Instant old = Instant.parse("2026-01-01T00:00:00Z");
      log.append(
              new DecisionRecord("old", old, "p", "bob", null, false, "monitor", false, "n", "{}"))
          .get(10, TimeUnit.SECONDS);
      log.append(TestStores.record("new", false)).get(10, TimeUnit.SECONDS);

      DecisionReader reader = new DecisionReader(store);
      assertThat(
              reader.list(
                  new DecisionFilter(
                      Instant.parse("2026-06-01T00:00:00Z"), false, null, null, null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("new");
      assertThat(reader.list(new DecisionFilter(null, false, null, "bob", null, 10)))
          .extracting(DecisionRecord::decisionId)
          .containsExactly("old");
      assertThat(reader.get("old")).get().extracting(DecisionRecord::timestamp).isEqualTo(old);
    }
  }

  @Test
  void append_queueFullWhileStoreLocked_failsClosedAndCounts() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("full")))) {
      DecisionLog.Options opts =
          DecisionLog.Options.defaults().withCapacity(4).withOverflow(OverflowPolicy.FAIL_CLOSED);
      try (DecisionLog log = new DecisionLog(store, opts);
          Connection locker = store.dataSource().getConnection();
          Statement s = locker.createStatement()) {
        s.execute("BEGIN IMMEDIATE");
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        // The writer takes the first batch and waits on the lock; the queue then fills up.
        int accepted = 0;
        Throwable refused = null;
        for (int i = 0; i < 50 && refused == null; i++) {
          try {
            acks.add(log.append(TestStores.record("f-" + i, true)));
            accepted++;
          } catch (DecisionLogFullException e) {
            refused = e;
          }
          Thread.sleep(5);
        }
        assertThat(refused).isNotNull().hasMessageContaining("failing closed");
        assertThat(log.stats().rejected()).isEqualTo(1);
        assertThat(log.stats().oldestQueuedAgeNanos()).isPositive();
        s.execute("ROLLBACK");

        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(new DecisionReader(store).count()).isEqualTo(accepted);
      }
    }
  }

  @Test
  void tryAppend_queueFullUnderBlockPolicy_answersNullAtOnceWithoutRejecting() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("try")))) {
      DecisionLog.Options opts = DecisionLog.Options.defaults().withCapacity(4);
      try (DecisionLog log = new DecisionLog(store, opts);
          Connection locker = store.dataSource().getConnection();
          Statement s = locker.createStatement()) {
        s.execute("BEGIN IMMEDIATE");
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        // The writer takes the first batch and waits on the lock; the queue then fills up.
        CompletableFuture<Void> ack = null;
        for (int i = 0; i < 50; i++) {
          DecisionRecord r = TestStores.record("t-" + i, true);
          ack = log.tryAppend(() -> r);
          if (ack == null) {
            break;
          }
          acks.add(ack);
          Thread.sleep(5);
        }
        assertThat(ack).isNull();
        assertThat(log.stats().rejected()).isZero();
        s.execute("ROLLBACK");

        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(new DecisionReader(store).count()).isEqualTo(acks.size());
        assertThat(log.tryAppend(() -> TestStores.record("after", true))).isNotNull();
      }
    }
  }

  @Test
  void append_recordThatCannotBeMade_failsAloneAndTheOthersAreWritten() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("made")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      List<CompletableFuture<Void>> good = new ArrayList<>();
      CompletableFuture<Void> bad = null;
      for (int i = 0; i < 100; i++) {
        DecisionRecord r = TestStores.record("m-" + i, true);
        if (i == 50) {
          bad =
              log.append(
                  () -> {
                    throw new IllegalArgumentException("no JSON form");
                  });
        }
        good.add(log.append(() -> r));
      }

      CompletableFuture.allOf(good.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      CompletableFuture<Void> failed = bad;
      assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StoreException.class)
          .hasMessageContaining("no JSON form");
      assertThat(new DecisionReader(store).count()).isEqualTo(100);
      assertThat(log.stats().failed()).isEqualTo(1);
    }
  }

  @Test
  void close_writesEverythingQueued() throws Exception {
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("close")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      for (int i = 0; i < 1_000; i++) {
        acks.add(log.append(TestStores.record("c-" + i, true)));
      }
      log.close(Duration.ofSeconds(30));

      assertThat(acks).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
      assertThat(new DecisionReader(store).count()).isEqualTo(1_000);
      assertThatThrownBy(() -> log.append(TestStores.record("late", true)))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> log.tryAppend(() -> TestStores.record("late", true)))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void eventsGatheredForABatch_stillCountAsQueuedUntilDurable() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("linger")));
        DecisionLog log =
            new DecisionLog(
                store, DecisionLog.Options.defaults().withLinger(Duration.ofMillis(400)))) {
      CompletableFuture<Void> ack = log.append(TestStores.record("gathered", true));
      // The writer takes the event at once and waits for more before it commits.
      Thread.sleep(150);
      assertThat(ack).isNotDone();
      assertThat(log.stats().queued()).isEqualTo(1);
      assertThat(log.stats().oldestQueuedAgeNanos()).isPositive();
      ack.get(10, TimeUnit.SECONDS);
      assertThat(log.stats().queued()).isZero();
      assertThat(new DecisionReader(store).get("gathered")).isPresent();
    }
  }

  @Test
  void negativeLinger_isRefused() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("negative")))) {
      assertThatThrownBy(
              () ->
                  new DecisionLog(
                      store, DecisionLog.Options.defaults().withLinger(Duration.ofMillis(-1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("linger");
    }
  }
}
