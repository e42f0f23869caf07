package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Value;

/** The code of one builtin. Implementations are stateless and thread-safe. */
@FunctionalInterface
public interface BuiltinFunction {

  /**
   * Computes the builtin's result. The operands have already been checked against the declared
   * types' top-level kinds.
   *
   * @return the result, or null when the call is undefined
   * @throws BuiltinException when the operands are unusable
   */
  Value call(BuiltinContext ctx, Value[] args);
}
