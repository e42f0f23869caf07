package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.UnloggedRefusals;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: with the decision log full, each request refused before policy held a worker thread
 * for up to 5 s waiting for room for its entry, so a flood of garbage could hold the worker pool
 * that sign-ins and every other blocking step share, and each refused client waited as long. Now a
 * refusal never waits: it is answered at once, counted by its code, and summed up in one event once
 * the log has room. The log is filled for real (its writer held by a lock on the store), and the
 * requests are real HTTP/1.1 requests to the running gateway.
 */
class EdgeRefusalFloodTest {

  static final int CAPACITY = 4;

  @TempDir static Path tmp;
  static Store store;
  static DecisionLog log;
  static DecisionPoint pdp;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    // Waits up to 5 s for room when full, as by default: what a decision that allows must do. No
    // linger, so that a writer holding a batch is writing it (held by the lock), never still
    // gathering from the queue: see fill.
    log =
        new DecisionLog(
            store, DecisionLog.Options.defaults().withCapacity(CAPACITY).withLinger(Duration.ZERO));
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    gateway = gatewayOn(pdp);
  }

  private static EdgeGateway gatewayOn(DecisionPoint pdp) {
    Route wiki =
        new Route(
            "wiki",
            "wiki.example",
            "/docs",
            URI.create("http://127.0.0.1:1"),
            "gw/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    return EdgeGateway.start(
        EdgeGateway.Settings.of(
            "127.0.0.1",
            0,
            new AtomicReference<>(new RouteTable(List.of(wiki))),
            pdp,
            new IdentityAssertion(
                "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
            InstantSource.system()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    log.close();
    store.close();
  }

  @Test
  void fullLog_floodOfRefusedRequests_answeredAtOnceCountedAndSummedUpWhenRoomReturns()
      throws Exception {
    int flood = 40;
    List<CompletableFuture<Void>> queued = new ArrayList<>();
    List<String[]> answers = new ArrayList<>();
    long tookMs;
    try (Connection locker = store.dataSource().getConnection();
        Statement lock = locker.createStatement()) {
      lock.execute("BEGIN IMMEDIATE");
      fill(queued);

      ExecutorService clients = Executors.newFixedThreadPool(flood);
      try {
        long began = System.nanoTime();
        List<Future<String[]>> sent = new ArrayList<>();
        for (int i = 0; i < flood; i++) {
          String target = "/scan/" + i;
          sent.add(
              clients.submit(() -> EdgeGatewayTest.raw(gateway.port(), target, "other.example")));
        }
        for (Future<String[]> f : sent) {
          answers.add(f.get(30, TimeUnit.SECONDS));
        }
        tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      } finally {
        clients.shutdownNow();
      }
      lock.execute("ROLLBACK");
    }

    // 40 refusals on 20 worker threads, each waiting 5 s for room, took 10 s and more.
    assertThat(tookMs).isLessThan(3_000);
    assertThat(answers).allMatch(r -> r[0].equals("404"));
    assertThat(answers).noneMatch(r -> r[1].contains("X-Vigil-Decision-Id"));
    assertThat(pdp.unloggedRefusals().total("NO_ROUTE")).isEqualTo(flood);

    CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    String[] after = EdgeGatewayTest.raw(gateway.port(), "/scan/after", "other.example");

    assertThat(after[0]).isEqualTo("404");
    String id = EdgeSecurityCasesTest.decisionId(after);
    assertThat(Fixtures.awaitRecord(store, id).eventJson()).contains("\"refusal\":\"NO_ROUTE\"");
    DecisionRecord summary = awaitSummary();
    assertThat(summary.eventJson())
        .contains("\"unlogged\":" + flood)
        .contains("\"unlogged_by_reason\":{\"NO_ROUTE\":" + flood + "}");
  }

  /**
   * Queues records until the log has no room left while its writer holds a batch it cannot write
   * for the lock: then nothing takes from the queue until the lock goes. A full queue alone is not
   * enough, as a writer slow to wake on a busy machine may still take what is queued.
   */
  private static void fill(List<CompletableFuture<Void>> queued) throws Exception {
    for (int i = 0; i < 1_000; i++) {
      String id = UUID.randomUUID().toString();
      DecisionRecord r =
          new DecisionRecord(
              id, Instant.now(), "fill", null, null, true, "enforce", true, "local", "{}");
      CompletableFuture<Void> ack = log.tryAppend(() -> r);
      if (ack != null) {
        queued.add(ack);
      } else if (log.stats().queued() > CAPACITY) {
        // More unwritten than the queue holds: the writer has a batch, and the queue is full.
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the decision log never filled up");
  }

  private static DecisionRecord awaitSummary() throws Exception {
    DecisionReader reader = new DecisionReader(store);
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < giveUp) {
      List<DecisionRecord> found =
          reader.list(new DecisionFilter(null, false, UnloggedRefusals.PATH, null, null, 10));
      if (!found.isEmpty()) {
        assertThat(found).hasSize(1);
        return found.get(0);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no summary of the refusals not logged");
  }
}
