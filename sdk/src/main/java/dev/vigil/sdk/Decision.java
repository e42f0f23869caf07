package dev.vigil.sdk;

/**
 * The decision point's answer, as the app sees it.
 *
 * @param allowed true only when the policy answered JSON {@code true}, or an object whose {@code
 *     allow} is {@code true}; anything else, an undefined answer and every failure deny
 * @param result the policy's answer (parsed JSON: Map, List, String, Number, Boolean), or null
 * @param decisionId the id in the decision point's log, or null when it gave none
 * @param reason why it was denied when not by the policy's answer (the PDP could not be asked,
 *     answered with an error, or the policy is undefined at the path for this input); empty
 *     otherwise
 * @param cached true when the answer came from the client's cache
 */
public record Decision(
    boolean allowed, Object result, String decisionId, String reason, boolean cached) {

  Decision fromCache() {
    return new Decision(allowed, result, decisionId, reason, true);
  }
}
