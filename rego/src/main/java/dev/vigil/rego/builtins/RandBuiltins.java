package dev.vigil.rego.builtins;

/** Builtins of the Rand family. */
final class RandBuiltins {

  private RandBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
