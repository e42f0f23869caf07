package dev.vigil.pdp;

import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The answer of the decision point to one question.
 *
 * @param decisionId unique id, also in the decision log
 * @param path the policy path asked, as {@code authz/allow}
 * @param result the policy's answer, or null when undefined (or not evaluated)
 * @param allowed true only when the answer is JSON {@code true}, or an object whose {@code allow}
 *     is {@code true}: anything else is a denial
 * @param mode the mode of the path
 * @param enforced true when the answer is applied; false in monitor and observe mode
 * @param reason why it was denied when not by a plain {@code false}: {@code undefined}, {@code
 *     non-boolean}, {@code error: ...}, {@code no policy}; empty when allowed
 * @param reasons reasons the policy gave ({@code reasons} of an object answer)
 * @param obligations obligations the policy set, such as {@code {"step_up": "mfa"}}
 * @param explanation for a denial, what failed and where; may be null
 * @param revision the revision of the policy bundle that answered
 * @param latencyNanos time spent evaluating the policy and explaining its answer, or {@link
 *     #NOT_TIMED} when no policy was evaluated (observe mode, a refusal made before any policy)
 * @param logged completes when the decision-log event is durable; fails if it cannot be written
 * @param error the evaluation error behind a denial, or null
 */
public record Decision(
    String decisionId,
    String path,
    Value result,
    boolean allowed,
    Mode mode,
    boolean enforced,
    String reason,
    List<String> reasons,
    ObjectValue obligations,
    Explanation explanation,
    String revision,
    long latencyNanos,
    CompletableFuture<Void> logged,
    RegoException error) {

  /** The latency of a decision no policy was evaluated for: there is none to report. */
  public static final long NOT_TIMED = -1;

  /**
   * Returns true when a policy was evaluated for this decision, so that {@link #latencyNanos} is a
   * time spent deciding; the decision log, the metrics and OPA's API report no latency otherwise.
   */
  public boolean timed() {
    return latencyNanos >= 0;
  }

  /**
   * Returns true when no policy was asked: observe mode let the request through unevaluated. Such a
   * decision is not allowed, yet no denial either; a refusal in observe mode is enforced, and is.
   */
  public boolean notEvaluated() {
    return !allowed && !enforced && mode == Mode.OBSERVE;
  }

  /** Returns true when the request may go on: allowed, or not enforced. */
  public boolean letThrough() {
    return allowed || !enforced;
  }
}
