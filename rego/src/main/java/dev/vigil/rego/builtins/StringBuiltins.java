package dev.vigil.rego.builtins;

/** Builtins of the String family. */
final class StringBuiltins {

  private StringBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
