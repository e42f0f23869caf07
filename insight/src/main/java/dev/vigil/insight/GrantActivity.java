package dev.vigil.insight;

import dev.vigil.access.Grant;
import dev.vigil.store.DecisionScan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The record of a just-in-time grant's session: every request its holder made while the grant
 * counted, with the grant among the input's {@code grants}, in time order, allowed or not. The
 * holder's decisions are read from the grant's start to its end (its expiry, its revocation, or now
 * for a grant that still counts), found by the log's subject keys, so a grant that never started
 * has none and other people's traffic is not read.
 *
 * <p>Memory is bounded: the first {@value #MAX_USES} requests are kept; those after them are
 * counted ({@link #beyond}). Immutable.
 *
 * @param uses the requests, earliest first
 * @param beyond how many more there were after the last one kept
 */
public record GrantActivity(List<Use> uses, long beyond) {

  /** How many requests are kept. */
  public static final int MAX_USES = 1000;

  /**
   * One request made with the grant.
   *
   * @param at when it was decided
   * @param decisionId its decision, as {@code vigil logs} shows it
   * @param route the route it matched, or null
   * @param method its HTTP method, or null (a TCP connection)
   * @param host the host it asked for, or null
   * @param path its path, or null
   * @param outcome {@code allow}, {@code deny} or {@code -} (not evaluated), as the log says
   */
  public record Use(
      Instant at,
      String decisionId,
      String route,
      String method,
      String host,
      String path,
      String outcome) {}

  public GrantActivity {
    uses = List.copyOf(uses);
  }

  /** Reads the requests made with {@code grant} up to {@code now}. */
  public static GrantActivity of(DecisionScan scan, Grant grant, Instant now) {
    return of(scan, grant, now, MAX_USES);
  }

  /** As {@link #of(DecisionScan, Grant, Instant)}, keeping the first {@code max}. */
  static GrantActivity of(DecisionScan scan, Grant grant, Instant now, int max) {
    Instant start = grant.startsAt();
    if (start == null || !start.isBefore(now)) {
      return new GrantActivity(List.of(), 0);
    }
    Instant until = grant.countsUntil();
    Instant end = until == null || now.isBefore(until) ? now : until;
    // The latest of the kept requests on top, to be dropped when an earlier one comes.
    PriorityQueue<Use> kept =
        new PriorityQueue<>(
            Comparator.comparing(Use::at).thenComparing(Use::decisionId).reversed());
    long[] beyond = {0};
    scan.forEach(
        start,
        end,
        null,
        grant.subject(),
        r -> {
          DecisionFacts f = DecisionFacts.of(r);
          if (f.recheck() != null || !f.grantIds().contains(grant.id()) || !f.heldBy(grant)) {
            return;
          }
          kept.add(
              new Use(
                  r.timestamp(),
                  r.decisionId(),
                  r.route(),
                  f.method(),
                  f.host(),
                  f.requestPath(),
                  r.result()));
          if (kept.size() > max) {
            kept.poll();
            beyond[0]++;
          }
        });
    List<Use> uses = new ArrayList<>(kept);
    uses.sort(Comparator.comparing(Use::at).thenComparing(Use::decisionId));
    return new GrantActivity(uses, beyond[0]);
  }
}
