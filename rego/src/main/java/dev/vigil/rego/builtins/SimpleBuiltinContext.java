package dev.vigil.rego.builtins;

import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/** A builtin context for one query, with the query time read once from the clock. */
public final class SimpleBuiltinContext implements BuiltinContext {

  private final InstantSource clock;
  private final long queryTimeNanos;
  private final boolean strict;
  private final boolean network;
  private final TimeBudget budget;
  private final SizeLimit sizeLimit;
  private final Map<Object, Object> cache = new HashMap<>();

  /** Returns a context without a time budget. */
  public SimpleBuiltinContext(InstantSource clock, boolean strict, boolean network) {
    this(clock, strict, network, TimeBudget.unlimited(), SizeLimit.none());
  }

  /**
   * Returns a context whose builtins charge their work to {@code budget} and keep their results
   * within {@code sizeLimit}.
   */
  public SimpleBuiltinContext(
      InstantSource clock,
      boolean strict,
      boolean network,
      TimeBudget budget,
      SizeLimit sizeLimit) {
    this.clock = clock;
    this.budget = budget;
    this.sizeLimit = sizeLimit;
    var now = clock.instant();
    this.queryTimeNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    this.strict = strict;
    this.network = network;
  }

  /** Returns a context on the system clock, lenient, without network: for tests and tools. */
  public static SimpleBuiltinContext system() {
    return new SimpleBuiltinContext(InstantSource.system(), false, false);
  }

  @Override
  public InstantSource clock() {
    return clock;
  }

  @Override
  public long queryTimeNanos() {
    return queryTimeNanos;
  }

  @Override
  public Map<Object, Object> queryCache() {
    return cache;
  }

  @Override
  public boolean strictBuiltinErrors() {
    return strict;
  }

  @Override
  public boolean networkAllowed() {
    return network;
  }

  @Override
  public void charge(long units) {
    budget.charge(units);
  }

  @Override
  public void checkSize(String builtin, long size) {
    // Called as a builtin's output grows: the message is only built when the check fails.
    if (!sizeLimit.allows(size)) {
      sizeLimit.check(size, "the result of " + builtin, dev.vigil.rego.ast.Location.NONE);
    }
  }
}
