package dev.vigil.rego.builtins;

/** Builtins of the Graph family. */
final class GraphBuiltins {

  private GraphBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
