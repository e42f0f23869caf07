package dev.vigil.rego.builtins;

/** Builtins of the Uuid family. */
final class UuidBuiltins {

  private UuidBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
