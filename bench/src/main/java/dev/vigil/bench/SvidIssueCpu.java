package dev.vigil.bench;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.TrustDomainCa;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * X.509-SVID issuance measured in CPU time rather than wall time: each thread issues for a fixed
 * period and reports the CPU time its own issuing took. On a machine shared with other work, where
 * JMH's throughput mostly measures the share of the cores this process got, the CPU time per SVID
 * still says what issuance costs, and so the rate one free core sustains.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.vigil.bench.SvidIssueCpu 2 20</pre>
 *
 * Arguments: threads (1), measured seconds per thread (20, after 5 s of warm-up).
 */
public final class SvidIssueCpu {

  private SvidIssueCpu() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 20;
    TrustDomainCa ca =
        TrustDomainCa.create(
            new TrustDomain("prod.example"), CaConfig.defaults(), InstantSource.system());
    SpiffeId id = SpiffeId.parse("spiffe://prod.example/ns/prod/sa/web");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    AtomicLong svids = new AtomicLong();
    AtomicLong cpuNanos = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                issueFor(ca, id, 5_000);
                long c0 = mx.getCurrentThreadCpuTime();
                svids.addAndGet(issueFor(ca, id, seconds * 1000));
                cpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - c0);
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    double perSvidMicros = cpuNanos.get() / 1e3 / svids.get();
    System.out.printf(
        "%d thread(s), %d s: %,d X.509-SVIDs, %.0f us CPU per SVID = %,.0f SVIDs/s per core,"
            + " %,.0f/s wall (%,.0f/s on %d free cores)%n",
        threads,
        seconds,
        svids.get(),
        perSvidMicros,
        1e6 / perSvidMicros,
        svids.get() / (double) seconds,
        1e6 / perSvidMicros * Math.min(threads, Runtime.getRuntime().availableProcessors()),
        Math.min(threads, Runtime.getRuntime().availableProcessors()));
  }

  private static long issueFor(TrustDomainCa ca, SpiffeId id, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    long n = 0;
    while (System.nanoTime() < end) {
      ca.issueX509(id, List.of(), null);
      n++;
    }
    return n;
  }
}
