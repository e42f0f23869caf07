package dev.vigil.rego.builtins;

/** Builtins of the X509 family. */
final class X509Builtins {

  private X509Builtins() {}

  static void register(BuiltinRegistry r) {}
}
