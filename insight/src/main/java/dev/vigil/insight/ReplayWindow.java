package dev.vigil.insight;

import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Which recorded decisions a replay or a next-step answer reads. Null fields do not filter.
 *
 * @param since only decisions at or after this time
 * @param until only decisions before this time (excluded, as {@code since} is included)
 * @param route only decisions of this gateway route
 * @param path only decisions of this policy path, slashed ({@code authz/allow})
 * @param limit at most this many decisions are read, newest first; a window that holds more is
 *     reported as truncated
 */
public record ReplayWindow(Instant since, Instant until, String route, String path, int limit) {

  /** The most decisions read by default: a day of a busy route, within a CLI's memory. */
  public static final int DEFAULT_LIMIT = 100_000;

  public ReplayWindow {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be 1 or more, not " + limit);
    }
    if (since != null && until != null && !until.isAfter(since)) {
      throw new IllegalArgumentException("until " + until + " is not after since " + since);
    }
  }

  /** The end of a window that names none: later than any decision will be logged. */
  private static final Instant NO_END = Instant.parse("9999-01-01T00:00:00Z");

  /**
   * Hands the window's decisions to {@code each}, at most {@link #limit} of them, a few batches of
   * the log at a time (see {@link dev.vigil.store.DecisionScan}): in no strict time order, newest
   * batches first. Decisions outside the window are neither read into memory nor counted.
   *
   * @return true when the window holds more decisions than the limit, so that some were not handed
   *     over
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  boolean forEach(DecisionReader reader, Consumer<DecisionRecord> each) {
    int[] taken = {0};
    boolean complete =
        reader
            .scan()
            .forEachWhile(
                since == null ? Instant.EPOCH : since,
                until == null ? NO_END : until,
                route,
                r -> {
                  if (path != null && !path.equals(r.path())) {
                    return true;
                  }
                  if (taken[0] == limit) {
                    return false;
                  }
                  taken[0]++;
                  each.accept(r);
                  return true;
                });
    return !complete;
  }
}
