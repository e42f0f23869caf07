package dev.vigil.rego.builtins;

/** Builtins of the Regex family. */
final class RegexBuiltins {

  private RegexBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
