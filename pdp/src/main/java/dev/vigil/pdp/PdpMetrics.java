package dev.vigil.pdp;

import dev.vigil.store.DecisionLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The decision point's Prometheus metrics: decisions by result, mode and path, decide latency, the
 * decision log's lag, queue, writes and refusals, and the refusals it had no room for.
 */
public final class PdpMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer latency;
  private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();
  private final Predicate<String> named;

  /**
   * The labels of a decision counter (path or route, mode, result); a record, so no key text is
   * built per decision.
   */
  public record CounterKey(String first, String mode, String result) {}

  /**
   * Metrics whose {@code path} label is given to any path asked, up to {@value #MAX_PATHS}.
   *
   * @param log the decision log whose lag, queue and writes are published; null for none
   */
  public PdpMetrics(DecisionLog log) {
    this(log, path -> true);
  }

  /**
   * Metrics whose {@code path} label is given only to paths {@code named} accepts (such as {@link
   * DecisionPoint#namesRule}), up to {@value #MAX_PATHS}; every other path is counted as {@code
   * other}. Any client may ask any path, and each label is a time series kept for ever: counted by
   * what they asked, anonymous clients could fill the labels with paths of their own and leave the
   * policy's real paths under {@code other}, or grow the metrics without end.
   */
  public PdpMetrics(DecisionLog log, Predicate<String> named) {
    this.named = named;
    latency =
        Timer.builder("vigil_decide_latency")
            .description("time to decide, including evaluation and explanation")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    if (log != null) {
      Gauge.builder(
              "vigil_decision_log_lag_seconds", log, l -> l.stats().oldestQueuedAgeNanos() / 1e9)
          .description("age of the oldest decision not yet durable")
          .register(registry);
      Gauge.builder("vigil_decision_log_queued", log, l -> l.stats().queued())
          .description("decisions accepted but not yet durable")
          .register(registry);
      FunctionCounter.builder("vigil_decision_log_written", log, l -> l.stats().written())
          .description("decisions made durable")
          .register(registry);
      FunctionCounter.builder("vigil_decision_log_rejected", log, l -> l.stats().rejected())
          .description("decisions refused because the log queue was full (fail closed)")
          .register(registry);
      FunctionCounter.builder("vigil_decision_log_failed", log, l -> l.stats().failed())
          .description("decisions whose log write failed after retries")
          .register(registry);
    }
  }

  /**
   * Publishes the refusals {@code refusals} had no room for in the decision log, by reason, as
   * {@code vigil_refusals_unlogged_total{reason}}; nothing when it is null (no decision log).
   */
  public void watch(UnloggedRefusals refusals) {
    if (refusals == null) {
      return;
    }
    refusals.onNewReason(
        reason ->
            FunctionCounter.builder("vigil_refusals_unlogged", refusals, r -> r.total(reason))
                .description(
                    "refusals not logged because the decision log was full (counted instead)")
                .tag("reason", reason)
                .register(registry));
  }

  /** Distinct policy paths labelled in the metrics; further paths are counted as "other". */
  static final int MAX_PATHS = 200;

  private final java.util.Set<String> paths = ConcurrentHashMap.newKeySet();

  /** Counts one decision, and its latency when a policy was evaluated for it. */
  public void record(Decision d) {
    String path = d.path();
    if (!paths.contains(path)) {
      boolean printable = path.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
      if (!printable || paths.size() >= MAX_PATHS || !named.test(path) || !paths.add(path)) {
        path = paths.contains(path) ? path : "other";
      }
    }
    String label = path;
    CounterKey key = new CounterKey(label, d.mode().label(), result(d));
    counters
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("vigil_decisions")
                    .description("decisions by result, mode and policy path")
                    .tag("path", label)
                    .tag("mode", d.mode().label())
                    .tag("result", result(d))
                    .register(registry))
        .increment();
    if (d.timed()) {
      // A decision no policy was evaluated for would pull the decide latency towards zero.
      latency.record(Duration.ofNanos(d.latencyNanos()));
    }
  }

  /**
   * Returns the {@code result} label of a decision: {@code allow}, {@code deny}, {@code error}, or
   * {@code not_evaluated} for a request observe mode let through without asking the policy.
   */
  public static String result(Decision d) {
    if (d.error() != null) {
      return "error";
    }
    return d.allowed() ? "allow" : d.notEvaluated() ? "not_evaluated" : "deny";
  }

  /** Returns the metrics in Prometheus's text format. */
  public String scrape() {
    return registry.scrape();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }
}
