package dev.vigil.rego.builtins;

/** Builtins of the Eval family. */
final class EvalBuiltins {

  private EvalBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
