package dev.vigil.store;

import java.time.Instant;

/**
 * Which decisions to list. Null fields do not filter.
 *
 * @param since only decisions at or after this time
 * @param deniedOnly only decisions the policy did not allow (see {@link DecisionRecord#denied}):
 *     not those of observe mode, which asked no policy
 * @param path only decisions of this policy path
 * @param subject only decisions about this subject
 * @param route only decisions of this route
 * @param limit at most this many, newest first
 */
public record DecisionFilter(
    Instant since, boolean deniedOnly, String path, String subject, String route, int limit) {

  public static DecisionFilter latest(int limit) {
    return new DecisionFilter(null, false, null, null, null, limit);
  }
}
