package dev.vigil.gateway.edge;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.value.Value;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs each decision where it costs least: on the calling event loop while its policy answers
 * within a small budget, on the worker pool otherwise.
 *
 * <p>Why: most route policies answer in a few microseconds, and handing each one to a worker thread
 * and back costs more than the evaluation (two thread wake-ups per request). The event loop must
 * never stall, though, so the inline attempt runs with {@link #INLINE_BUDGET} and never waits for
 * room in the decision log. When it runs out of either, nothing has been logged, and the request is
 * decided again on the worker pool with the full time budget, as before; the next {@link
 * #WORKER_STREAK} decisions of that policy path go straight to the worker pool, then one is tried
 * inline again. Either way the decision, its log entry and its failure modes are the decision
 * point's, unchanged.
 *
 * <p>Used by the edge gateway and by the sidecar's inbound listeners. Thread-safe.
 */
public final class DecisionDispatch {

  /** The longest an inline evaluation may hold the event loop. */
  public static final Duration INLINE_BUDGET = Duration.ofMillis(1);

  /** Decisions of a path sent to the worker pool after it ran past the inline budget. */
  static final int WORKER_STREAK = 1_000;

  private final Vertx vertx;
  private final DecisionPoint pdp;
  private final Duration inlineBudget;
  private final Map<String, PolicyPath> paths = new ConcurrentHashMap<>();
  private final Map<PolicyPath, AtomicInteger> offloaded = new ConcurrentHashMap<>();

  public DecisionDispatch(Vertx vertx, DecisionPoint pdp, Duration inlineBudget) {
    this.vertx = vertx;
    this.pdp = pdp;
    this.inlineBudget = inlineBudget;
  }

  /** Decides on the calling event loop if the path is quick, else on the worker pool. */
  public Future<Decision> decide(
      String policyPath, Value input, Map<String, String> context, Mode mode) {
    PolicyPath path = paths.computeIfAbsent(policyPath, PolicyPath::parse);
    AtomicInteger left = offloaded.get(path);
    if (left == null || left.decrementAndGet() < 0) {
      Decision d;
      try {
        d = pdp.tryDecide(path, input, context, inlineOptions(), mode);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      if (d != null) {
        if (left != null) {
          offloaded.remove(path, left);
        }
        return Future.succeededFuture(d);
      }
      offloaded.put(path, new AtomicInteger(WORKER_STREAK));
    }
    return vertx.executeBlocking(
        () -> pdp.decide(path, input, context, pdp.evalOptions(), mode), false);
  }

  /**
   * Records a request refused before any policy (a bad credential), on the worker pool; the log
   * entry never waits for room (see {@code DecisionPoint.refuse}).
   */
  Future<Decision> refuse(
      String policyPath, Value input, Map<String, String> context, Mode mode, String why) {
    PolicyPath path = paths.computeIfAbsent(policyPath, PolicyPath::parse);
    return vertx.executeBlocking(
        () -> pdp.refuse(path, input, context, mode, "invalid_token: " + why), false);
  }

  /** Returns true when decisions of this path currently go to the worker pool. */
  boolean offloaded(String policyPath) {
    AtomicInteger left = offloaded.get(PolicyPath.parse(policyPath));
    return left != null && left.get() > 0;
  }

  private EvalOptions inlineOptions() {
    EvalOptions full = pdp.evalOptions();
    return full.timeout() != null && full.timeout().compareTo(inlineBudget) <= 0
        ? full
        : full.withTimeout(inlineBudget);
  }
}
