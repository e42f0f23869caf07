package dev.vigil.insight;

import dev.vigil.pdp.Mode;
import dev.vigil.rego.value.JsonException;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import java.util.List;
import java.util.Optional;

/**
 * What moving a route one mode forward would block, before it is moved.
 *
 * <p>A monitored route's policy is evaluated already, and its would-be denials are marked in the
 * log: the answer is those, read from the log alone. An observed route asked no policy: the answer
 * is a replay of the policy in service against its recorded traffic ({@link Replay}). An enforced
 * route has no next step.
 *
 * <p>Reads the log only; changes nothing.
 */
public final class NextStep {

  private NextStep() {}

  /** Returns the mode after {@code mode}, or null for enforce, the last. */
  public static Mode after(Mode mode) {
    return switch (mode) {
      case OBSERVE -> Mode.MONITOR;
      case MONITOR -> Mode.ENFORCE;
      case ENFORCE -> null;
    };
  }

  /** Returns the route's newest logged decision, whose mode is the route's latest known one. */
  public static Optional<DecisionRecord> newest(DecisionReader reader, String route) {
    List<DecisionRecord> one = reader.list(new DecisionFilter(null, false, null, null, route, 1));
    return one.stream().findFirst();
  }

  /**
   * Answers for a monitored route from its logged decisions: each would-be denial (denied, not
   * enforced) becomes a denial. Allowed decisions and denials already enforced are unchanged;
   * decisions logged while the route was observed have no verdict, and are not replayed.
   *
   * @param window the decisions to read; its route is the route asked about
   * @param modeFrom where the route's mode was learnt, for the report
   */
  public static ReplayReport monitored(
      DecisionReader reader, ReplayWindow window, String modeFrom) {
    ReplayTally tally = new ReplayTally();
    tally.truncated =
        window.forEach(
            reader,
            r -> {
              tally.decisions++;
              wouldBeDenial(r, tally);
            });
    return tally.report(
        "recorded",
        "",
        window,
        new ReplayReport.NextStep(
            window.route(), Mode.MONITOR.label(), modeFrom, Mode.ENFORCE.label()));
  }

  /** Counts one logged decision of a monitored route: a would-be denial becomes a denial. */
  private static void wouldBeDenial(DecisionRecord r, ReplayTally tally) {
    if (r.notEvaluated()) {
      tally.notReplayed(
          "not_evaluated", "logged in observe mode: the log holds no verdict", r.decisionId());
      return;
    }
    if (r.allowed() || r.enforced()) {
      tally.replayed++;
      tally.unchanged++;
      return;
    }
    RecordedDecision d;
    try {
      d = RecordedDecision.of(r);
    } catch (JsonException e) {
      tally.notReplayed("event_unreadable", "not JSON: " + e.getMessage(), r.decisionId());
      return;
    }
    tally.replayed++;
    tally.change(
        ReplayReport.ALLOWED_TO_DENIED, d, d.explanation() != null ? d.explanation() : d.reason());
  }

  /**
   * Answers for an observed route by replaying the policy in service against its recorded traffic.
   *
   * @param window the decisions to read; its route is the route asked about
   * @param inService the policy the route will be decided by once monitored
   */
  public static ReplayReport observed(
      DecisionReader reader, ReplayWindow window, CandidatePolicy inService, String modeFrom) {
    return Replay.run(
        reader,
        window,
        inService,
        new ReplayReport.NextStep(
            window.route(), Mode.OBSERVE.label(), modeFrom, Mode.MONITOR.label()));
  }
}
