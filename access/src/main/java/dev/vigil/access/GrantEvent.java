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
 */
public record GrantEvent(String grantId, Instant at, String actor, String action, String reason) {}
