package dev.vigil.rego.builtins;

/** Builtins of the Number family. */
final class NumberBuiltins {

  private NumberBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
