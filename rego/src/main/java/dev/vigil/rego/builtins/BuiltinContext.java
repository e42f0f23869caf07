package dev.vigil.rego.builtins;

import java.time.InstantSource;
import java.util.Map;

/** What a builtin may know about the query it runs in. One context per query evaluation. */
public interface BuiltinContext {

  /** The clock of this query; {@code time.now_ns} reads it once per query. */
  InstantSource clock();

  /** Nanoseconds since the epoch at the start of the query, the same for every call in it. */
  long queryTimeNanos();

  /**
   * A cache that lives as long as the query, so that {@code rand.intn} and {@code uuid.rfc4122}
   * give the same answer for the same arguments within one query.
   */
  Map<Object, Object> queryCache();

  /** True when builtin errors stop evaluation instead of making the call undefined. */
  boolean strictBuiltinErrors();

  /** True when builtins may reach the network ({@code http.send}, {@code net.lookup_ip_addr}). */
  boolean networkAllowed();

  /**
   * Counts {@code units} of work toward the query's time budget (see {@link TimeBudget}). A builtin
   * that generates or traverses more elements than its operands and result hold calls it as it
   * goes, a unit per element, so that a single call cannot run far past the budget.
   *
   * @throws dev.vigil.rego.RegoException {@code eval_cancel_error} when the budget is spent
   */
  default void charge(long units) {}

  /**
   * Checks, before a builtin builds a result of {@code size} (counted as {@link
   * dev.vigil.rego.value.Values#unsharedSize}, so a string counts its characters), that the query
   * may have a value that large (see {@link SizeLimit}). A builtin whose result can be far larger
   * than its operands calls it before it allocates, or as its output grows.
   *
   * @throws dev.vigil.rego.RegoException {@code eval_cancel_error} naming {@code builtin} when the
   *     result would be too large
   */
  default void checkSize(String builtin, long size) {}
}
