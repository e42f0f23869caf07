package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Value;

/** A declared builtin bound to its code. */
public record Builtin(BuiltinDecl decl, BuiltinFunction function) {

  public String name() {
    return decl.name();
  }

  /**
   * Checks the operands against the declared types, then calls the builtin.
   *
   * @return the result, or null when undefined
   * @throws BuiltinException with OPA's message when an operand has the wrong kind, or when the
   *     builtin fails
   */
  public Value invoke(BuiltinContext ctx, Value[] args) {
    for (int i = 0; i < args.length && i < decl.args().size(); i++) {
      Type t = decl.args().get(i);
      if (!t.accepts(args[i])) {
        throw BuiltinException.operandType(i + 1, args[i], t.describe());
      }
    }
    return function.call(ctx, args);
  }
}
