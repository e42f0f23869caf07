package dev.vigil.bench;

import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable decision-log ingest on the embedded SQLite store: how many decision events per second
 * become durable (committed with {@code synchronous=FULL}). Each invocation appends a batch of
 * events shaped like the decision point's and waits until the last is acknowledged; JMH reports the
 * time per event, so events per second is 1e9 divided by it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionLogIngestBenchmark {

  static final int BATCH = 20_000;
  static final String EVENT =
      "{\"decision_id\":\"x\",\"input\":{\"user\":{\"role\":\"sre\"},\"resource\":"
          + "{\"environment\":\"production\"},\"action\":\"read\"},\"result\":true,"
          + "\"mode\":\"enforce\",\"enforced\":true,\"explanation\":{\"rule\":"
          + "\"data.authz.allow\",\"location\":\"authz.rego:3\",\"message\":"
          + "\"allowed by data.authz.allow (authz.rego:3)\"},\"latency_ns\":12345,\"node\":\"n1\"}";

  Path dir;
  Store store;
  DecisionLog log;
  long next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("vigil-ingest");
    store = Store.open(StoreLocation.embedded(dir));
    log = new DecisionLog(store, DecisionLog.Options.defaults().withCapacity(4 * BATCH));
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    long written = log.stats().written();
    log.close();
    store.close();
    if (written < next) {
      throw new IllegalStateException("only " + written + " of " + next + " events durable");
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A decision id shaped as the decision point makes them: UUIDv7, the millisecond first. */
  private static String id(long n) {
    long hi = (System.currentTimeMillis() << 16) | 0x7000L | (n >>> 48 & 0x0fffL);
    long lo = 0x8000_0000_0000_0000L | (n & 0x3fff_ffff_ffff_ffffL);
    return new UUID(hi, lo).toString();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void appendUntilDurable() throws Exception {
    CompletableFuture<Void> last = null;
    for (int i = 0; i < BATCH; i++) {
      long n = next++;
      last =
          log.append(
              new DecisionRecord(
                  id(n),
                  Instant.now(),
                  "authz/allow",
                  "alice",
                  "app",
                  (n % 5) != 0,
                  "enforce",
                  true,
                  "n1",
                  EVENT));
    }
    last.get(60, TimeUnit.SECONDS);
  }
}
