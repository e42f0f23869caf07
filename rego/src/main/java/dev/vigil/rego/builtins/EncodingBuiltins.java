package dev.vigil.rego.builtins;

/** Builtins of the Encoding family. */
final class EncodingBuiltins {

  private EncodingBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
