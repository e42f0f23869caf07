package dev.vigil.pdp.extauthz;

import dev.vigil.pdp.Decision;
import java.util.Map;

/**
 * What an adapter tells its proxy about one request.
 *
 * @param letThrough true when the proxy may forward the request: allowed, or a would-be denial in
 *     monitor or observe mode; never after an error
 * @param decision the decision behind it, or null when the request was refused before any policy
 *     was asked (a path or method that cannot be normalised)
 * @param decisionId the id to show the caller and to find the decision-log entry; a fresh id when
 *     there is no decision
 * @param upstreamHeaders headers to add to the forwarded request: {@code x-vigil-decision-id} and
 *     the identity headers the policy set; empty when not let through
 * @param refusal why the request was refused before policy, or null
 */
public record AuthzVerdict(
    boolean letThrough,
    Decision decision,
    String decisionId,
    Map<String, String> upstreamHeaders,
    String refusal) {

  /** Returns true when the policy denied but the mode let the request through. */
  public boolean monitored() {
    return letThrough && decision != null && !decision.allowed();
  }
}
