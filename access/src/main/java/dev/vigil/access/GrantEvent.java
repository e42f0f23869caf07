package dev.vigil.access;

import java.time.Instant;

/**
 * One change of a grant, as the audit trail keeps it: who did what to which grant, when and why.
 *
 * @param grantId the grant
 * @param at when
 * @param actor the user id of who did it, or {@code vigil} for an expiry noticed by the node
 * @param action {@code requested}, {@code break_glass}, {@code approved}, {@code denied}, {@code
 *     revoked}, {@code expired} or {@code reviewed}
 * @param reason the reason given, or a note of the node's
 */
public record GrantEvent(String grantId, Instant at, String actor, String action, String reason) {}
