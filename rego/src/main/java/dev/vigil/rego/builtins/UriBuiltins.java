package dev.vigil.rego.builtins;

/** Builtins of the Uri family. */
final class UriBuiltins {

  private UriBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
