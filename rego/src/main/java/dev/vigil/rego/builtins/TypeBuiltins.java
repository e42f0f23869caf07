package dev.vigil.rego.builtins;

/** Builtins of the Type family. */
final class TypeBuiltins {

  private TypeBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
