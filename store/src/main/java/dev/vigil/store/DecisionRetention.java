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
   * The shortest retention a node takes (1h), and the youngest decisions {@code vigil logs
   * --prune-before} removes unless told otherwise: a shorter period would prune decisions while
   * they are still being looked into, or while a running node is still writing their neighbours.
   * {@link #requireMinimum} is the one check of it.
   */
  public static final Duration MINIMUM = Duration.ofHours(1);

  /**
   * Returns the period when it is at least {@link #MINIMUM}.
   *
   * @param written the period as its user wrote it, e.g. {@code 10m}, quoted in the message
   * @throws IllegalArgumentException {@code "10m" is too short to keep decisions: at least 1h},
   *     which the caller prefixes with the option or setting it came from
   */
  public static Duration requireMinimum(Duration period, String written) {
    if (period.compareTo(MINIMUM) < 0) {
      throw new IllegalArgumentException(
          "\""
              + written
              + "\" is too short to keep decisions: at least "
              + MINIMUM.toHours()
              + "h");
    }
    return period;
  }

  /** How often a node prunes. */
  public static final Duration INTERVAL = Duration.ofMinutes(10);

  /**
   * Starts pruning every {@link #INTERVAL}.
   *
   * @param retain how long decisions are kept; at least {@link #MINIMUM}
   */
  public static DecisionRetention start(Store store, Duration retain, InstantSource clock) {
    return start(store, requireMinimum(retain, retain.toString()), INTERVAL, clock);
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
