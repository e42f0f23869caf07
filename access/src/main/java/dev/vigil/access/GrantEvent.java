package dev.vigil.access;

import java.time.Instant;

/**
 * One change of a grant, as the audit trail keeps it: who did what to which grant, when and why.
 *
 * @param grantId the grant
 * @param at when
 * @param actor the user id of who did it, or {@code vigil} for what a node did on its own: an
 *     expiry it noticed, a cut by a change of configuration
 * @param action {@code requested}, {@code break_glass}, {@code approved}, {@code denied}, {@code
 *     revoked}, {@code shortened} (a lower cap in the configuration), {@code expired} or {@code
 *     reviewed}
 * @param reason the reason given, or a note of the node's; a cut by the configuration starts with
 *     {@value Grants#CONFIG_CHANGED}
 * @param actorIdp the OpenID Connect provider the actor signed in with, or null for a local user,
 *     for the node, and for every event stored before this was kept
 */
public record GrantEvent(
    String grantId, Instant at, String actor, String action, String reason, String actorIdp) {

  /** An event of a local user, or of the node. */
  public GrantEvent(String grantId, Instant at, String actor, String action, String reason) {
    this(grantId, at, actor, action, reason, null);
  }

  /**
   * Returns who did it, for a reader: the actor, followed by the provider in parentheses for a
   * provider's user ({@code 00u1ab (corp)}).
   */
  public String who() {
    return actorIdp == null ? actor : actor + " (" + actorIdp + ")";
  }
}
