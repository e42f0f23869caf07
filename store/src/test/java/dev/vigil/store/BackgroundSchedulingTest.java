package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundSchedulingTest {

  /** Linux's number for {@code SCHED_BATCH}, as /proc shows it. */
  private static final int SCHED_BATCH = 3;

  @TempDir Path tmp;

  @Test
  void batchCurrentThread_movesOnlyTheCallingThread() throws Exception {
    AtomicBoolean moved = new AtomicBoolean();
    AtomicReference<Integer> policy = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("batch-probe")
            .start(
                () -> {
                  moved.set(BackgroundScheduling.batchCurrentThread());
                  policy.set(policyOf(Path.of("/proc/thread-self")));
                });
    t.join();

    assertThat(moved).isTrue();
    assertThat(policy.get()).isEqualTo(SCHED_BATCH);
    assertThat(policyOf(Path.of("/proc/thread-self"))).isNotEqualTo(SCHED_BATCH);
  }

  @Test
  void decisionLogWriter_runsAsABatchThread() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("sched")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      // Once an event is durable, the writer has been through its start.
      log.append(TestStores.record("scheduled", true)).get();
      Path writer = writerTask().orElseThrow();
      assertThat(policyOf(writer)).isEqualTo(SCHED_BATCH);
    }
  }

  /** The /proc task directory of this process's decision-log writer thread. */
  private static Optional<Path> writerTask() throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks
          .filter(
              t -> {
                try {
                  return Files.readString(t.resolve("comm")).startsWith("vigil-decision-");
                } catch (IOException gone) {
                  return false; // a thread that ended while listed
                }
              })
          .findFirst();
    }
  }

  /** The scheduling policy of a task, from the "policy" line of its sched file. */
  private static int policyOf(Path task) {
    try (Stream<String> lines = Files.lines(task.resolve("sched"))) {
      return lines
          .filter(l -> l.startsWith("policy"))
          .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim()))
          .findFirst()
          .orElseThrow();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + task.resolve("sched"), e);
    }
  }
}
