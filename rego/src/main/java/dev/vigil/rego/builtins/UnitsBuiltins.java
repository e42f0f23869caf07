package dev.vigil.rego.builtins;

/** Builtins of the Units family. */
final class UnitsBuiltins {

  private UnitsBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
