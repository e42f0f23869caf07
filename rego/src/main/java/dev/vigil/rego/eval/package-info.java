/**
 * Evaluates compiled queries, top-down, as OPA does.
 *
 * <p>{@link dev.vigil.rego.eval.Evaluator} runs one query on one thread. Documents under {@code
 * data} are read through the rule tree: a node with rules yields its rules' value (memoised for the
 * query), a node without rules yields its base data merged with its children, and base data wins
 * where both define a key. Functions are memoised per arguments. A {@code with} modifier evaluates
 * its expression in a new {@link dev.vigil.rego.eval.Frame} with its own memo cache; a function
 * that replaces another runs with no replacements, so mocks never call mocks.
 *
 * <p>Errors follow OPA: conflicts ({@code eval_conflict_error}) always stop evaluation; errors of
 * builtins (operand types included) stop it only with strict builtin errors, and otherwise make the
 * call undefined. Limits: the time budget ({@link dev.vigil.rego.builtins.TimeBudget}) is charged
 * by every path whose work grows with the data (expressions, iterated elements, rules, data keys,
 * builtins' operands and results at their size written out, generating builtins as they go) and
 * read every 1,024 units; the depth of nested rules, functions and comprehensions is bounded; every
 * value evaluation builds is checked against the query's {@link dev.vigil.rego.builtins.SizeLimit}
 * where it is made, since values share parts and may be far larger written out than the work that
 * built them. All three end in {@code eval_cancel_error}.
 *
 * <p>Known limitations a user can meet: {@code http.send} and {@code net.lookup_ip_addr} for host
 * names other than {@code localhost} refuse to run (network access is off, and Vigil's policy
 * engine has no HTTP client yet); {@code opa.runtime()} returns an empty object.
 */
package dev.vigil.rego.eval;
