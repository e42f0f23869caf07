package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Two nodes writing one log at once, with a reader listing all along. */
class DecisionLogWritersTest {

  @TempDir static Path tmp;

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void twoWriters_nothingLostNothingTwiceListsWhole(String dialect) throws Exception {
    StoreLocation location = TestStores.fresh(dialect, tmp.resolve("two"));
    int perThread = 1_500;
    int threadsPerNode = 3;
    try (Store a = Store.open(location);
        Store b = Store.open(location)) {
      DecisionReader reader = new DecisionReader(a);
      AtomicBoolean done = new AtomicBoolean();
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      Thread watcher =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!done.get()) {
                      List<DecisionRecord> l =
                          reader.list(new DecisionFilter(null, false, null, "alice", null, 500));
                      Set<String> ids = new HashSet<>();
                      for (DecisionRecord r : l) {
                        if (!ids.add(r.decisionId())) {
                          problems.add("listed twice: " + r.decisionId());
                        }
                        if (!"alice".equals(r.subject())) {
                          problems.add("wrong subject: " + r.decisionId());
                        }
                      }
                    }
                  });
      List<CompletableFuture<Void>> acks = Collections.synchronizedList(new ArrayList<>());
      List<Thread> threads = new ArrayList<>();
      try (DecisionLog la = new DecisionLog(a, DecisionLog.Options.defaults());
          DecisionLog lb = new DecisionLog(b, DecisionLog.Options.defaults())) {
        for (int n = 0; n < 2; n++) {
          DecisionLog log = n == 0 ? la : lb;
          for (int t = 0; t < threadsPerNode; t++) {
            String prefix = "n" + n + "-t" + t + "-";
            threads.add(
                Thread.ofPlatform()
                    .start(
                        () -> {
                          for (int i = 0; i < perThread; i++) {
                            acks.add(
                                log.append(
                                    new DecisionRecord(
                                        prefix + i,
                                        Instant.now(),
                                        "authz/allow",
                                        i % 2 == 0 ? "alice" : "bob",
                                        "app",
                                        i % 3 != 0,
                                        "enforce",
                                        true,
                                        prefix,
                                        "{}")));
                          }
                        }));
          }
        }
        for (Thread t : threads) {
          t.join();
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      } finally {
        done.set(true);
        watcher.join();
      }
      int total = 2 * threadsPerNode * perThread;
      assertThat(problems).isEmpty();
      assertThat(reader.count()).isEqualTo(total);
      List<DecisionRecord> all = reader.list(DecisionFilter.latest(total + 10));
      assertThat(all).hasSize(total);
      assertThat(all.stream().map(DecisionRecord::decisionId).distinct().count()).isEqualTo(total);
      // Newest first: each writer thread's decisions appear in the reverse of their append order.
      for (int n = 0; n < 2; n++) {
        for (int t = 0; t < threadsPerNode; t++) {
          String prefix = "n" + n + "-t" + t + "-";
          List<Integer> order =
              all.stream()
                  .map(DecisionRecord::decisionId)
                  .filter(id -> id.startsWith(prefix))
                  .map(id -> Integer.parseInt(id.substring(prefix.length())))
                  .toList();
          List<Integer> expected = new ArrayList<>();
          for (int i = perThread - 1; i >= 0; i--) {
            expected.add(i);
          }
          assertThat(order).as(prefix).isEqualTo(expected);
        }
      }
    }
  }
}
