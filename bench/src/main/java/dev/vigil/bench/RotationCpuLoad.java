package dev.vigil.bench;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU share of SVID rotation for a simulated estate: N workloads with SVIDs of lifetime T, each
 * renewed at half its lifetime as the agent does, is N / (T / 2) X.509-SVIDs per second. This load
 * issues at exactly that rate through {@link Identities} (key pair, signature, the CA's own check,
 * metrics) for a measured period after a warm-up, and reports the process's CPU time per second of
 * wall time. The Workload API's encoding and push are not included.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.vigil.bench.RotationCpuLoad 100000 60 60</pre>
 *
 * Arguments: workloads (100000), SVID lifetime in minutes (60), measured seconds (60).
 */
public final class RotationCpuLoad {

  private RotationCpuLoad() {}

  public static void main(String[] args) throws Exception {
    int workloads = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Duration ttl = Duration.ofMinutes(args.length > 1 ? Long.parseLong(args[1]) : 60);
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 60;
    double rate = workloads / (ttl.toMillis() / 2000.0);
    Path dir = Files.createTempDirectory("vigil-rotation-load");
    try (Store store = Store.open(StoreLocation.embedded(dir))) {
      Identities ids =
          new Identities(
              store,
              CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", "ab".repeat(32)), null),
              InstantSource.system(),
              CaConfig.defaults().withLifetimes(Duration.ofDays(30), ttl, Duration.ofMinutes(5)));
      ids.trustDomain(new TrustDomain("prod.example"));
      AtomicLong issued = new AtomicLong();
      ScheduledExecutorService issuer = Executors.newSingleThreadScheduledExecutor();
      long periodNanos = (long) (1e9 / rate);
      issuer.scheduleAtFixedRate(
          () -> {
            long n = issued.getAndIncrement() % workloads;
            ids.issueX509(SpiffeId.parse("spiffe://prod.example/w/" + n), List.of(), ttl);
          },
          0,
          periodNanos,
          TimeUnit.NANOSECONDS);
      Thread.sleep(10_000); // warm-up: JIT and first keys
      Sample start = Sample.now(issued.get());
      Thread.sleep(seconds * 1000);
      Sample end = Sample.now(issued.get());
      issuer.shutdownNow();
      report(workloads, ttl, rate, start, end);
    }
  }

  private static void report(int workloads, Duration ttl, double rate, Sample a, Sample b) {
    double wall = (b.wallNanos - a.wallNanos) / 1e9;
    double cpu = (b.cpuNanos - a.cpuNanos) / 1e9;
    long svids = b.issued - a.issued;
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        "estate %,d workloads, %s SVIDs renewed at half life: target %.1f SVIDs/s%n",
        workloads, ttl, rate);
    System.out.printf(
        "measured %.0f s: %,d SVIDs (%.1f/s), process CPU %.3f s per s of wall time"
            + " = %.1f%% of one core, %.1f%% of %d cores; %.0f us CPU per SVID%n",
        wall,
        svids,
        svids / wall,
        cpu / wall,
        100 * cpu / wall,
        100 * cpu / wall / cores,
        cores,
        1e6 * cpu / svids);
  }

  private record Sample(long wallNanos, long cpuNanos, long issued) {
    static Sample now(long issued) {
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new Sample(System.nanoTime(), os.getProcessCpuTime(), issued);
    }
  }
}
