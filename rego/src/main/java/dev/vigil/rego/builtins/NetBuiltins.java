package dev.vigil.rego.builtins;

/** Builtins of the Net family. */
final class NetBuiltins {

  private NetBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
