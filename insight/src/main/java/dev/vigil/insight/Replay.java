package dev.vigil.insight;

import dev.vigil.pdp.Decision;
import dev.vigil.rego.value.JsonException;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;

/**
 * Replays recorded decisions against a candidate policy: each decision of a window is decided again
 * with its logged input, and compared with what happened to it.
 *
 * <p>A decision was let through when it was allowed, or when observe mode let it through without
 * asking a policy; it was denied when the policy denied it, enforced or only marked in monitor
 * mode. It changes when the candidate denies what was let through ({@code allowed_to_denied}) or
 * allows what was denied ({@code denied_to_allowed}). A candidate's evaluation error is a denial.
 *
 * <p>Some decisions cannot be replayed, and are counted apart, never as allowed: a request the
 * enforcement point refused before any policy was asked (no policy decides it), one whose logged
 * input lacks a field the candidate may read (masked or erased by the log's configuration), and an
 * event that cannot be read.
 *
 * <p>A replay only reads the log: it writes no decision and changes nothing.
 */
public final class Replay {

  private Replay() {}

  /**
   * Replays the window's decisions against the candidate.
   *
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static ReplayReport run(
      DecisionReader reader, ReplayWindow window, CandidatePolicy candidate) {
    return run(reader, window, candidate, null);
  }

  static ReplayReport run(
      DecisionReader reader,
      ReplayWindow window,
      CandidatePolicy candidate,
      ReplayReport.NextStep nextStep) {
    ReplayTally tally = new ReplayTally();
    tally.truncated =
        window.forEach(
            reader,
            r -> {
              tally.decisions++;
              replay(r, candidate, tally);
            });
    return tally.report(candidate.source(), candidate.revision(), window, nextStep);
  }

  private static void replay(DecisionRecord r, CandidatePolicy candidate, ReplayTally tally) {
    RecordedDecision d;
    try {
      d = RecordedDecision.of(r);
    } catch (JsonException e) {
      tally.notReplayed("event_unreadable", "not JSON: " + e.getMessage(), r.decisionId());
      return;
    }
    if (d.refused()) {
      tally.notReplayed("refused_before_policy", refusalCode(d.reason()), r.decisionId());
      return;
    }
    for (String field : d.hidden()) {
      String where = candidate.readOfMasked(field);
      if (where != null) {
        tally.notReplayed("masked_field_read", field + " (read at " + where + ")", r.decisionId());
        return;
      }
    }
    Decision now = candidate.decide(r.path(), d.input(), r.timestamp());
    tally.replayed++;
    if (now.error() != null) {
      tally.errors++;
    }
    boolean before = r.allowed() || r.notEvaluated();
    if (before && !now.allowed()) {
      String why = now.explanation() != null ? now.explanation().message() : now.reason();
      tally.change(ReplayReport.ALLOWED_TO_DENIED, d, why);
    } else if (!before && now.allowed()) {
      tally.change(
          ReplayReport.DENIED_TO_ALLOWED,
          d,
          d.explanation() != null ? d.explanation() : d.reason());
    } else {
      tally.unchanged++;
    }
  }

  /** The code of a refusal, its reason up to the first colon ({@code invalid_token}). */
  static String refusalCode(String reason) {
    if (reason == null || reason.isEmpty()) {
      return "refused";
    }
    int colon = reason.indexOf(':');
    return colon > 0 ? reason.substring(0, colon) : reason;
  }
}
