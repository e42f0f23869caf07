package dev.vigil.rego.builtins;

/** Builtins of the Object family. */
final class ObjectBuiltins {

  private ObjectBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
