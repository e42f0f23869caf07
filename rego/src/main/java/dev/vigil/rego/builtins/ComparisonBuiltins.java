package dev.vigil.rego.builtins;

/** Builtins of the Comparison family. */
final class ComparisonBuiltins {

  private ComparisonBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
