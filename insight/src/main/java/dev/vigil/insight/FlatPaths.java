package dev.vigil.insight;

import dev.vigil.insight.ZeroTrustMetrics.FlatPath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Caller-to-service paths of two windows, each marked flat when it let a request through on trust
 * nobody checked: a route in observe or monitor mode (which lets through what its policy would
 * deny), or a sidecar call without a verified workload identity. A path flat in the window before
 * that carried only enforced traffic in this one was eliminated.
 *
 * <p>Memory is bounded: at most {@value #MAX_PATHS} paths are kept; the decisions of further ones
 * are counted in {@link #beyondCap}. Filled by one thread; the lists it hands out are copies.
 */
final class FlatPaths {

  /** Paths kept, over both windows. */
  static final int MAX_PATHS = 100_000;

  /** Why a path was flat. */
  static final String OBSERVE = "observe";

  static final String MONITOR = "monitor";
  static final String NO_IDENTITY = "no workload identity";

  private final Map<String, Counts> paths = new HashMap<>();
  private long beyondCap;

  /** Counts one decision of a caller to a service, in this window or the one before. */
  void add(DecisionFacts f, boolean now) {
    String from = f.callerNode();
    String to = f.serviceNode();
    String key = from + "\n" + to;
    Counts c = paths.get(key);
    if (c == null) {
      if (paths.size() >= MAX_PATHS) {
        beyondCap++;
        return;
      }
      c = new Counts(from, to);
      paths.put(key, c);
    }
    String cause = cause(f);
    if (now) {
      c.requests++;
      if (cause != null) {
        c.unchecked++;
        c.causes.add(cause);
      }
    } else {
      c.requestsBefore++;
      if (cause != null) {
        c.uncheckedBefore++;
        c.causesBefore.add(cause);
      }
    }
  }

  /** Why {@code f} went through unchecked, or null when it was enforced (or refused). */
  private static String cause(DecisionFacts f) {
    if (!f.letThrough()) {
      return null;
    }
    if (!f.record().enforced()) {
      return f.record().notEvaluated() ? OBSERVE : MONITOR;
    }
    return f.sidecar() && !"mtls".equals(f.transport()) ? NO_IDENTITY : null;
  }

  /** Decisions whose path the cap left out. */
  long beyondCap() {
    return beyondCap;
  }

  /** Every path, most unchecked requests first (this window's, then the window before's). */
  List<FlatPath> all() {
    List<FlatPath> out = new ArrayList<>();
    for (Counts c : paths.values()) {
      out.add(
          new FlatPath(
              c.from,
              c.to,
              c.requests,
              c.unchecked,
              List.copyOf(c.causes),
              c.requestsBefore,
              c.uncheckedBefore,
              List.copyOf(c.causesBefore)));
    }
    out.sort(
        Comparator.comparingLong(FlatPath::unchecked)
            .thenComparingLong(FlatPath::uncheckedBefore)
            .reversed()
            .thenComparing(FlatPath::from)
            .thenComparing(FlatPath::to));
    return out;
  }

  private static final class Counts {
    final String from;
    final String to;
    long requests;
    long unchecked;
    final TreeSet<String> causes = new TreeSet<>();
    long requestsBefore;
    long uncheckedBefore;
    final TreeSet<String> causesBefore = new TreeSet<>();

    Counts(String from, String to) {
      this.from = from;
      this.to = to;
    }
  }
}
