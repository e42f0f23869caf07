package dev.vigil.rego.builtins;

/** Builtins of the Jwt family. */
final class JwtBuiltins {

  private JwtBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
