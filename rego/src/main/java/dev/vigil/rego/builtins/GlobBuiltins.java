package dev.vigil.rego.builtins;

/** Builtins of the Glob family. */
final class GlobBuiltins {

  private GlobBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
