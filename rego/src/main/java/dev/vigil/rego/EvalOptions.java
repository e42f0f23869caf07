package dev.vigil.rego;

import dev.vigil.rego.builtins.TimeBudget;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.LongSupplier;

/**
 * How one query is evaluated.
 *
 * @param strictBuiltinErrors builtin errors stop evaluation instead of making the call undefined
 * @param timeout the time budget of the query, or null for none; exceeding it is an {@code
 *     eval_cancel_error}
 * @param maxDepth the deepest nesting of rule, function and comprehension evaluation allowed
 * @param clock the clock read by {@code time.now_ns}
 * @param networkAllowed whether {@code http.send} and {@code net.lookup_ip_addr} may run
 * @param nanoClock the monotonic clock, in nanoseconds, that the time budget is measured on ({@code
 *     System::nanoTime}); a wall clock would stretch or cut the budget when it is set
 * @param budgetStart the reading of {@code nanoClock} the time budget counts from, or null to count
 *     from the start of evaluation; a caller that did work for the query first (read its input)
 *     sets it, so that the work counts against the same budget
 */
public record EvalOptions(
    boolean strictBuiltinErrors,
    Duration timeout,
    int maxDepth,
    InstantSource clock,
    boolean networkAllowed,
    LongSupplier nanoClock,
    Long budgetStart) {

  public static EvalOptions defaults() {
    return new EvalOptions(
        false,
        Duration.ofSeconds(10),
        5_000,
        InstantSource.system(),
        false,
        System::nanoTime,
        null);
  }

  public EvalOptions withStrictBuiltinErrors(boolean strict) {
    return new EvalOptions(
        strict, timeout, maxDepth, clock, networkAllowed, nanoClock, budgetStart);
  }

  public EvalOptions withTimeout(Duration t) {
    return new EvalOptions(
        strictBuiltinErrors, t, maxDepth, clock, networkAllowed, nanoClock, budgetStart);
  }

  public EvalOptions withMaxDepth(int depth) {
    return new EvalOptions(
        strictBuiltinErrors, timeout, depth, clock, networkAllowed, nanoClock, budgetStart);
  }

  public EvalOptions withClock(InstantSource c) {
    return new EvalOptions(
        strictBuiltinErrors, timeout, maxDepth, c, networkAllowed, nanoClock, budgetStart);
  }

  public EvalOptions withNanoClock(LongSupplier c) {
    return new EvalOptions(
        strictBuiltinErrors, timeout, maxDepth, clock, networkAllowed, c, budgetStart);
  }

  /**
   * Returns these options with the time budget counted from {@code nanos}, a reading of {@link
   * #nanoClock}, instead of from the start of evaluation.
   */
  public EvalOptions withBudgetStart(long nanos) {
    return new EvalOptions(
        strictBuiltinErrors, timeout, maxDepth, clock, networkAllowed, nanoClock, nanos);
  }

  /** Starts the time budget these options describe. */
  public TimeBudget startBudget() {
    return budgetStart == null
        ? TimeBudget.start(timeout, nanoClock)
        : TimeBudget.start(timeout, nanoClock, budgetStart);
  }
}
