package dev.vigil.rego;

import dev.vigil.rego.ast.Location;

/**
 * One problem found in a policy, a query or during evaluation.
 *
 * @param code a stable code, as OPA names them: {@code rego_parse_error}, {@code
 *     rego_compile_error}, {@code rego_type_error}, {@code rego_unsafe_var_error}, {@code
 *     rego_recursion_error}, {@code eval_type_error}, {@code eval_builtin_error}, {@code
 *     eval_conflict_error}, {@code eval_cancel_error}, ...
 * @param message lowercase, naming the input and what is wrong
 * @param location where, or {@link Location#NONE}
 */
public record RegoError(String code, String message, Location location) {

  /** Returns {@code file:line: code: message}, the form OPA prints. */
  @Override
  public String toString() {
    if (location == null || location.line() == 0) {
      return code + ": " + message;
    }
    return location.shortForm() + ": " + code + ": " + message;
  }
}
