package dev.vigil.pdp;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionIds;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refusals without ever waiting for room in the decision log, and counts, by reason, those it
 * had no room for.
 *
 * <p>Why: a request refused before any policy (an unreadable head, an ambiguous path, a reset
 * HTTP/2 stream, no route) is refused whatever its log entry does, so waiting for room in a full
 * log, as a decision that lets a request through must ({@link
 * dev.vigil.store.OverflowPolicy#BLOCK}), protects nothing: it would only let a client that sends a
 * flood of garbage hold the worker threads that sign-ins and other blocking work share, up to 5 s
 * each. So a refusal is queued only if there is room now ({@link DecisionLog#tryAppend}); when
 * there is none it is counted under its reason (its stable code) instead, and nothing waits.
 *
 * <p>What is left of the refusals not logged: the counts since start by reason ({@link #total}, the
 * metric {@code vigil_refusals_unlogged_total}), and a summary of those since the last summary, by
 * reason: an event under {@value #PATH} and a warning in the service log ({@code N refusals not
 * logged: decision log full}), written as soon as the log has room again, but at most once a minute
 * ({@link #EVERY}). While the log stays full, a warning with the counts so far comes at most once a
 * minute as well. Room is looked for at each refusal that follows, and every {@code checkEvery}
 * while counts wait, so a summary does not wait for the next refusal.
 *
 * <p>Thread-safe. A refusal that finds room costs one volatile read more than before; one that does
 * not takes a short lock to count.
 */
public final class UnloggedRefusals {

  /** The path the summaries are logged under. */
  public static final String PATH = "vigil/refusals/unlogged";

  /** At most one summary event, and one warning while the log stays full, in this time. */
  public static final Duration EVERY = Duration.ofMinutes(1);

  /** Distinct reasons counted apart; others are counted under {@value #OTHER}. */
  static final int MAX_REASONS = 64;

  static final String OTHER = "other";

  private static final Logger log = LoggerFactory.getLogger(UnloggedRefusals.class);

  private final DecisionLog sink;
  private final InstantSource clock;
  private final String node;
  private final Executor later;

  private final Map<String, LongAdder> totals = new ConcurrentHashMap<>();
  private volatile Consumer<String> newReason = reason -> {};

  /** Whether counts wait for a summary; read without the lock by each refusal that is logged. */
  private volatile boolean waiting;

  // Guarded by this.
  private final Map<String, Long> pending = new TreeMap<>();
  private Instant since;
  private Instant lastSummary;
  private Instant lastWarning;
  private boolean checkScheduled;

  /** Logs into {@code sink}; summaries are looked for every second while counts wait. */
  public UnloggedRefusals(DecisionLog sink, InstantSource clock, String node) {
    this(sink, clock, node, CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
  }

  /**
   * @param later runs the next look for room while counts wait (tests run it by hand)
   */
  UnloggedRefusals(DecisionLog sink, InstantSource clock, String node, Executor later) {
    this.sink = sink;
    this.clock = clock;
    this.node = node;
    this.later = later;
  }

  /**
   * Queues the record of a refusal if the log has room now, and otherwise counts it under {@code
   * reason}. Never waits.
   *
   * @param reason the refusal's stable code, such as {@code BAD_PATH}
   * @param record makes the record, on the log's writer thread
   * @return the log's future of the record (see {@link DecisionLog#append}), or null when it was
   *     counted instead
   * @throws IllegalStateException when the log is closed
   */
  public CompletableFuture<Void> offer(String reason, Supplier<DecisionRecord> record) {
    CompletableFuture<Void> queued = sink.tryAppend(record);
    if (queued == null) {
      count(reason);
      return null;
    }
    if (waiting) {
      summarize();
    }
    return queued;
  }

  /** The refusals not logged under {@code reason} since start. */
  public long total(String reason) {
    LongAdder n = totals.get(reason);
    return n == null ? 0 : n.sum();
  }

  /** The reasons counted so far. */
  public Set<String> reasons() {
    return Set.copyOf(totals.keySet());
  }

  /**
   * Calls {@code listener} with each reason the first time it is counted, and at once with those
   * counted already: for metrics, which need a meter per reason.
   */
  public void onNewReason(Consumer<String> listener) {
    newReason = listener;
    totals.keySet().forEach(listener);
  }

  private void count(String reason) {
    String key = totals.containsKey(reason) || totals.size() < MAX_REASONS ? reason : OTHER;
    LongAdder n = totals.get(key);
    if (n == null) {
      LongAdder made = new LongAdder();
      n = totals.putIfAbsent(key, made);
      if (n == null) {
        n = made;
        newReason.accept(key);
      }
    }
    n.increment();
    boolean schedule;
    synchronized (this) {
      pending.merge(key, 1L, Long::sum);
      if (since == null) {
        since = clock.instant();
      }
      waiting = true;
      schedule = !checkScheduled;
      checkScheduled = true;
      warnIfDue();
    }
    if (schedule) {
      later.execute(this::check);
    }
  }

  /** Looks for room for the summary; runs again later while counts still wait. */
  void check() {
    synchronized (this) {
      try {
        summarize();
        warnIfDue();
      } catch (IllegalStateException closed) {
        // The log is closed: the counts stay in the metric, and nothing is looked for again.
        checkScheduled = false;
        return;
      }
      checkScheduled = waiting;
      if (!waiting) {
        return;
      }
    }
    later.execute(this::check);
  }

  /** Writes the summary of the counts waiting if the log has room and none came this minute. */
  synchronized void summarize() {
    Instant now = clock.instant();
    if (pending.isEmpty() || (lastSummary != null && now.isBefore(lastSummary.plus(EVERY)))) {
      return;
    }
    Map<String, Long> counts = new TreeMap<>(pending);
    Instant from = since;
    String id = DecisionIds.next();
    CompletableFuture<Void> queued = sink.tryAppend(() -> record(id, now, from, counts));
    if (queued == null) {
      return;
    }
    queued.whenComplete(
        (done, failed) -> {
          if (failed != null) {
            // The counts are in the warning below and in the metric; the event is lost.
            log.warn("the summary {} of refusals not logged was not written: {}", id, failed);
          }
        });
    lastSummary = now;
    pending.clear();
    since = null;
    waiting = false;
    log.warn(
        "{} refusals not logged: decision log full: from={} to={} reasons={} decision_id={}",
        sum(counts),
        from,
        now,
        counts,
        id);
  }

  /**
   * Tells in the service log, once a minute at most, of counts the log still has no room for.
   * Called with the lock held.
   */
  private void warnIfDue() {
    Instant now = clock.instant();
    if (pending.isEmpty() || (lastWarning != null && now.isBefore(lastWarning.plus(EVERY)))) {
      return;
    }
    lastWarning = now;
    log.warn(
        "{} refusals not logged so far: decision log full, counted instead: from={} reasons={}",
        sum(pending),
        since,
        pending);
  }

  private static long sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private DecisionRecord record(String id, Instant now, Instant from, Map<String, Long> counts) {
    Map<Value, Value> byReason = new LinkedHashMap<>();
    counts.forEach((k, v) -> byReason.put(StringValue.of(k), NumberValue.of(v)));
    long n = sum(counts);
    Map<String, Value> fields = new LinkedHashMap<>();
    fields.put("refusal", StringValue.of("UNLOGGED"));
    fields.put("unlogged", NumberValue.of(n));
    fields.put("unlogged_by_reason", ObjectValue.wrap(byReason));
    fields.put("from", StringValue.of(from.toString()));
    fields.put("to", StringValue.of(now.toString()));
    return RefusalEvents.record(
        id, now, PATH, null, n + " refusals not logged: decision log full", fields, node);
  }
}
