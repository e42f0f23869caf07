/**
 * Insight: what the recorded decisions show about an estate, for rolling zero trust out without
 * breaking it. Reads the decision log and the policy in service; never changes live state.
 */
package dev.vigil.insight;
