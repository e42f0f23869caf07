package dev.vigil.rego.builtins;

/** Builtins of the Set family. */
final class SetBuiltins {

  private SetBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
