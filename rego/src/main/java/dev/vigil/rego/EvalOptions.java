package dev.vigil.rego;

import java.time.Duration;
import java.time.InstantSource;

/**
 * How one query is evaluated.
 *
 * @param strictBuiltinErrors builtin errors stop evaluation instead of making the call undefined
 * @param timeout the time budget of the query; exceeding it is an {@code eval_cancel_error}
 * @param maxDepth the deepest nesting of rule, function and comprehension evaluation allowed
 * @param clock the clock read by {@code time.now_ns} and for the time budget
 * @param networkAllowed whether {@code http.send} and {@code net.lookup_ip_addr} may run
 */
public record EvalOptions(
    boolean strictBuiltinErrors,
    Duration timeout,
    int maxDepth,
    InstantSource clock,
    boolean networkAllowed) {

  public static EvalOptions defaults() {
    return new EvalOptions(false, Duration.ofSeconds(10), 5_000, InstantSource.system(), false);
  }

  public EvalOptions withStrictBuiltinErrors(boolean strict) {
    return new EvalOptions(strict, timeout, maxDepth, clock, networkAllowed);
  }

  public EvalOptions withTimeout(Duration t) {
    return new EvalOptions(strictBuiltinErrors, t, maxDepth, clock, networkAllowed);
  }

  public EvalOptions withMaxDepth(int depth) {
    return new EvalOptions(strictBuiltinErrors, timeout, depth, clock, networkAllowed);
  }

  public EvalOptions withClock(InstantSource c) {
    return new EvalOptions(strictBuiltinErrors, timeout, maxDepth, c, networkAllowed);
  }
}
