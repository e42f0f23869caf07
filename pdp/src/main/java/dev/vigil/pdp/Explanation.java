package dev.vigil.pdp;

/**
 * Why a policy answered as it did.
 *
 * @param rule the rule whose condition failed, of the one asked or of a rule it read (for a
 *     denial), or the rule that produced the answer (for an allow), as {@code data.authz.allow}
 * @param location {@code file:line} of that rule or of the failed expression
 * @param failedExpression the source text of the first expression that failed, on one line, or null
 * @param message one line for people, e.g. {@code authz.rego:8: input.user.role == "sre" failed:
 *     input.user.role is "dev"}
 */
public record Explanation(String rule, String location, String failedExpression, String message) {}
