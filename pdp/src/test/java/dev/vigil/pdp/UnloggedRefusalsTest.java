package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Regression: a refusal waited up to 5 s for room in a full decision log, on a worker thread that
 * sign-ins share, although the request was refused whatever the log did. Now it never waits: it is
 * counted by reason, and summed up in one event and one warning once the log has room, at most once
 * a minute. The log is filled for real, its writer held by a lock on the store, and the clock is
 * stepped through the minute.
 */
class UnloggedRefusalsTest {

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T10:00:00Z"));
  private final List<Runnable> later = new ArrayList<>();
  private final List<CompletableFuture<Void>> queued = new ArrayList<>();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  private Store store;
  private DecisionLog log;
  private UnloggedRefusals refusals;
  private Connection locker;
  private Statement lock;

  @BeforeEach
  void open() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    // No linger, so that the writer takes a batch and goes straight to writing it; and retries
    // for long, so that a batch held by the lock is never given up (which would free the queue)
    // however slowly a loaded machine runs the test.
    DecisionLog.Options d = DecisionLog.Options.defaults();
    log =
        new DecisionLog(
            store,
            new DecisionLog.Options(
                4,
                d.maxBatch(),
                d.overflow(),
                d.blockTimeout(),
                Duration.ofMinutes(10),
                Duration.ZERO));
    refusals = new UnloggedRefusals(log, now::get, "node-1", later::add);
    lines.start();
    ((Logger) LoggerFactory.getLogger(UnloggedRefusals.class)).addAppender(lines);
  }

  @AfterEach
  void close() throws Exception {
    ((Logger) LoggerFactory.getLogger(UnloggedRefusals.class)).detachAppender(lines);
    if (lock != null) {
      unlock();
    }
    log.close();
    store.close();
  }

  @Test
  void offer_logFull_countedByReasonAtOnceInsteadOfWaiting() throws Exception {
    fill();

    long began = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      assertThat(refusals.offer("BAD_PATH", record("bad-" + i))).isNull();
    }
    for (int i = 0; i < 5; i++) {
      assertThat(refusals.offer("NO_ROUTE", record("route-" + i))).isNull();
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);

    // Fifteen waits for room would have taken 75 s; none happened.
    assertThat(tookMs).isLessThan(2_000);
    assertThat(refusals.total("BAD_PATH")).isEqualTo(10);
    assertThat(refusals.total("NO_ROUTE")).isEqualTo(5);
    assertThat(refusals.reasons()).containsExactlyInAnyOrder("BAD_PATH", "NO_ROUTE");
    assertThat(log.stats().rejected()).isZero();
    // One warning while the log is full, not one per refusal.
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("1 refusals not logged so far: decision log full")
        .contains("BAD_PATH=1");
  }

  @Test
  void check_roomReturns_oneSummaryEventAndWarningWithTheCountsByReason() throws Exception {
    fill();
    for (int i = 0; i < 3; i++) {
      refusals.offer("BAD_PATH", record("bad-" + i));
    }
    refusals.offer("HTTP2_PROTOCOL_ERROR", record("h2"));
    runLater();
    assertThat(summaries()).isEmpty();

    unlock();
    awaitQueuedWritten();
    runLater();

    List<DecisionRecord> summaries = awaitSummaries(1);
    DecisionRecord s = summaries.get(0);
    assertThat(s.allowed()).isFalse();
    assertThat(s.eventJson())
        .contains("\"refusal\":\"UNLOGGED\"")
        .contains("\"unlogged\":4")
        .contains("\"unlogged_by_reason\":{\"BAD_PATH\":3,\"HTTP2_PROTOCOL_ERROR\":1}")
        .contains("\"reason\":\"4 refusals not logged: decision log full\"");
    assertThat(warnings())
        .last()
        .asString()
        .contains("4 refusals not logged: decision log full")
        .contains("{BAD_PATH=3, HTTP2_PROTOCOL_ERROR=1}")
        .contains(s.decisionId());
    // Nothing waits any more: no further look for room is scheduled.
    assertThat(later).isEmpty();
    // The totals since start stay, for the metric.
    assertThat(refusals.total("BAD_PATH")).isEqualTo(3);
  }

  @Test
  void offer_refusalFindsRoomAfterADrop_writesTheSummaryAtOnce() throws Exception {
    fill();
    refusals.offer("NO_ROUTE", record("dropped"));
    unlock();
    awaitQueuedWritten();

    assertThat(refusals.offer("NO_ROUTE", record("logged"))).isNotNull();

    assertThat(awaitSummaries(1).get(0).eventJson())
        .contains("\"unlogged_by_reason\":{\"NO_ROUTE\":1}");
  }

  @Test
  void summarize_secondDropWithinTheMinute_waitsForTheMinuteThenSumsUpOnlyTheNewOnes()
      throws Exception {
    fill();
    refusals.offer("BAD_PATH", record("first"));
    unlock();
    awaitQueuedWritten();
    runLater();
    awaitSummaries(1);

    fill();
    refusals.offer("BAD_HOST", record("second"));
    refusals.offer("BAD_HOST", record("third"));
    unlock();
    awaitQueuedWritten();
    now.set(now.get().plusSeconds(59));
    runLater();
    Thread.sleep(200);
    assertThat(summaries()).hasSize(1);
    assertThat(later).hasSize(1);

    now.set(now.get().plus(Duration.ofSeconds(1)));
    runLater();

    List<DecisionRecord> summaries = awaitSummaries(2);
    assertThat(summaries)
        .extracting(DecisionRecord::eventJson)
        .anyMatch(e -> e.contains("\"unlogged_by_reason\":{\"BAD_HOST\":2}"))
        .anyMatch(e -> e.contains("\"unlogged_by_reason\":{\"BAD_PATH\":1}"));
  }

  @Test
  void warning_logStaysFull_onceAMinuteWithTheCountsSoFar() throws Exception {
    fill();
    refusals.offer("BAD_PATH", record("a"));
    now.set(now.get().plusSeconds(30));
    refusals.offer("BAD_PATH", record("b"));
    runLater();
    assertThat(warnings()).hasSize(1);

    now.set(now.get().plusSeconds(30));
    runLater();

    assertThat(warnings())
        .hasSize(2)
        .last()
        .asString()
        .contains("2 refusals not logged so far")
        .contains("from=2026-12-05T10:00:00Z");
    assertThat(summaries()).isEmpty();
  }

  @Test
  void decisionPointRefuse_logFull_countedUnderTheReasonsCodeAndLoggedFutureFails()
      throws Exception {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    fill();

    long began = System.nanoTime();
    Decision d =
        pdp.refuse(
            PolicyPath.parse("app/allow"),
            ObjectValue.EMPTY,
            Map.of(),
            Mode.ENFORCE,
            "invalid_token: forged");

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)).isLessThan(2_000);
    assertThat(d.allowed()).isFalse();
    assertThat(d.logged()).isCompletedExceptionally();
    assertThat(pdp.unloggedRefusals().total("invalid_token")).isEqualTo(1);
  }

  @Test
  void metrics_unloggedRefusalsByReason() throws Exception {
    PdpMetrics metrics = new PdpMetrics(log);
    metrics.watch(refusals);
    fill();

    refusals.offer("BAD_PATH", record("a"));
    refusals.offer("BAD_PATH", record("b"));
    refusals.offer("TOO_LONG", record("c"));

    assertThat(metrics.scrape())
        .contains("vigil_refusals_unlogged_total{reason=\"BAD_PATH\"} 2.0")
        .contains("vigil_refusals_unlogged_total{reason=\"TOO_LONG\"} 1.0");
  }

  @Test
  void count_manyDistinctReasons_laterOnesUnderOther() throws Exception {
    fill();

    for (int i = 0; i < UnloggedRefusals.MAX_REASONS + 5; i++) {
      refusals.offer("CODE_" + i, record("r" + i));
    }

    assertThat(refusals.reasons()).hasSize(UnloggedRefusals.MAX_REASONS + 1);
    assertThat(refusals.total(UnloggedRefusals.OTHER)).isEqualTo(5);
  }

  /**
   * Holds the writer on a lock of the store and queues records until the log has no room. The
   * writer takes the first record alone and is known to be writing it (it makes the record right
   * before) before any other is queued, so that it cannot take more from the queue afterwards: the
   * queue stays full whatever the scheduling, until {@link #unlock}.
   */
  private void fill() throws Exception {
    locker = store.dataSource().getConnection();
    lock = locker.createStatement();
    lock.execute("BEGIN IMMEDIATE");
    CountDownLatch writing = new CountDownLatch(1);
    DecisionRecord first = record("fill-first").get();
    queued.add(
        log.tryAppend(
            () -> {
              writing.countDown();
              return first;
            }));
    assertThat(writing.await(30, TimeUnit.SECONDS)).as("the writer took the first record").isTrue();
    for (int i = 0; i < 100; i++) {
      DecisionRecord r = record("fill-" + i).get();
      CompletableFuture<Void> ack = log.tryAppend(() -> r);
      if (ack == null) {
        return;
      }
      queued.add(ack);
    }
    throw new AssertionError("the decision log never filled up");
  }

  private void unlock() throws Exception {
    lock.execute("ROLLBACK");
    lock.close();
    locker.close();
    lock = null;
  }

  private void awaitQueuedWritten() throws Exception {
    CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    queued.clear();
  }

  private void runLater() {
    List<Runnable> due = List.copyOf(later);
    later.clear();
    due.forEach(Runnable::run);
  }

  private List<String> warnings() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private List<DecisionRecord> summaries() {
    return new DecisionReader(store)
        .list(new DecisionFilter(null, false, UnloggedRefusals.PATH, null, null, 100));
  }

  private List<DecisionRecord> awaitSummaries(int count) throws Exception {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<DecisionRecord> found = summaries();
    while (found.size() < count && System.nanoTime() < giveUp) {
      Thread.sleep(20);
      found = summaries();
    }
    assertThat(found).hasSize(count);
    return found;
  }

  private java.util.function.Supplier<DecisionRecord> record(String name) {
    String id = UUID.randomUUID().toString();
    return () ->
        new DecisionRecord(
            id,
            Instant.now(),
            "test/refusal",
            null,
            name,
            false,
            "enforce",
            true,
            "node-1",
            "{\"decision_id\":\"" + id + "\"}");
  }
}
