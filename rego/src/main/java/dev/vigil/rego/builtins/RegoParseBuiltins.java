package dev.vigil.rego.builtins;

/** Builtins of the RegoParse family. */
final class RegoParseBuiltins {

  private RegoParseBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
