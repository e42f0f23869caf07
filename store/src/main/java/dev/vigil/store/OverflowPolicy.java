package dev.vigil.store;

/** What the decision log does when events arrive faster than the store takes them. */
public enum OverflowPolicy {
  /** The caller waits for room (up to a bound), so no decision goes unlogged. */
  BLOCK,
  /** The append fails at once, and the caller denies the request: fail closed. */
  FAIL_CLOSED
}
