package dev.vigil.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One decision as stored: the columns the log is searched by, and the full event.
 *
 * @param decisionId unique id of the decision
 * @param timestamp when the decision was made
 * @param path the policy path queried, e.g. {@code authz/allow}
 * @param subject who asked (user or SPIFFE ID), or null when unknown
 * @param route the gateway route, or null for direct queries
 * @param allowed true when the policy allowed (whether or not it was enforced)
 * @param mode {@code observe}, {@code monitor} or {@code enforce}
 * @param enforced true when the result was applied to the request
 * @param node the node that decided
 * @param event the whole decision-log event
 */
public record DecisionRecord(
    String decisionId,
    Instant timestamp,
    String path,
    String subject,
    String route,
    boolean allowed,
    String mode,
    boolean enforced,
    String node,
    DecisionEvent event) {

  public DecisionRecord {
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(event, "event");
  }

  /** A decision whose event is given as JSON text. */
  public DecisionRecord(
      String decisionId,
      Instant timestamp,
      String path,
      String subject,
      String route,
      boolean allowed,
      String mode,
      boolean enforced,
      String node,
      String eventJson) {
    this(
        decisionId,
        timestamp,
        path,
        subject,
        route,
        allowed,
        mode,
        enforced,
        node,
        DecisionEvent.ofJson(eventJson));
  }

  /**
   * Whether no policy was asked: a request an observe-mode route or path let through unevaluated.
   * Such a record is stored as not allowed, but it is no denial: the policy might have allowed it.
   * A refusal on an observe route (a forged token, a full decision log) is enforced, and a denial.
   */
  public boolean notEvaluated() {
    return !allowed && !enforced && mode.equals("observe");
  }

  /** Whether a policy (or a refusal before one) did not allow the request, enforced or not. */
  public boolean denied() {
    return !allowed && !notEvaluated();
  }

  /** Returns {@code allow}, {@code deny}, or {@code -} for a record that was not evaluated. */
  public String result() {
    return allowed ? "allow" : notEvaluated() ? "-" : "deny";
  }

  /** The whole event as JSON text. */
  public String eventJson() {
    return event.json();
  }
}
