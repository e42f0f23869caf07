package dev.vigil.insight;

import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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

  /** The decisions read and whether the limit cut the window short. */
  record Read(List<DecisionRecord> records, boolean truncated) {}

  /**
   * Reads the window's decisions, newest first. Decisions at or after {@link #until} are read and
   * left out, and count against the limit: the reader lists from the newest.
   */
  Read read(DecisionReader reader, boolean deniedOnly) {
    List<DecisionRecord> all =
        reader.list(new DecisionFilter(since, deniedOnly, path, null, route, limit));
    List<DecisionRecord> in = new ArrayList<>(all.size());
    for (DecisionRecord r : all) {
      if (until == null || r.timestamp().isBefore(until)) {
        in.add(r);
      }
    }
    return new Read(in, all.size() >= limit);
  }
}
