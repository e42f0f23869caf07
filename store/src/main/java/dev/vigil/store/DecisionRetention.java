package dev.vigil.store;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the decision log to a retention period: on a background thread, at a fixed interval, it
 * prunes what is older than the period ({@link DecisionPruner}). A prune that fails is logged and
 * tried again at the next interval; it never stops the node.
 *
 * <p>Thread-safe; {@link #close()} stops it.
 */
public final class DecisionRetention implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DecisionRetention.class);

  private final Store store;
  private final Duration retain;
  private final InstantSource clock;
  private final ScheduledExecutorService timer;

  private DecisionRetention(Store store, Duration retain, InstantSource clock) {
    this.store = store;
    this.retain = retain;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("vigil-decision-retention").daemon(true).unstarted(r));
  }

  /**
   * The shortest retention a node takes (1h): a shorter one would prune decisions while they are
   * still being looked into. Configuration readers refuse a shorter one with their own message.
   */
  public static final Duration MINIMUM = Duration.ofHours(1);

  /** How often a node prunes. */
  public static final Duration INTERVAL = Duration.ofMinutes(10);

  /**
   * Starts pruning every {@link #INTERVAL}.
   *
   * @param retain how long decisions are kept; at least {@link #MINIMUM}
   */
  public static DecisionRetention start(Store store, Duration retain, InstantSource clock) {
    if (retain.compareTo(MINIMUM) < 0) {
      throw new IllegalArgumentException("decision retention " + retain + " is shorter than 1h");
    }
    return start(store, retain, INTERVAL, clock);
  }

  /** Starts pruning: first after {@code every}, then every {@code every}; for tests. */
  static DecisionRetention start(
      Store store, Duration retain, Duration every, InstantSource clock) {
    if (retain.isNegative() || retain.isZero() || every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("decision retention and its interval must be positive");
    }
    DecisionRetention r = new DecisionRetention(store, retain, clock);
    r.timer.scheduleWithFixedDelay(
        r::pruneOnce, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return r;
  }

  /** Prunes once now; what a scheduled run does. */
  void pruneOnce() {
    try {
      long removed = DecisionPruner.prune(store, clock.instant().minus(retain));
      if (removed > 0) {
        log.info("decision log pruned: {} decisions older than {}", removed, retain);
      }
    } catch (RuntimeException e) {
      log.warn("decision log not pruned, trying again later: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
