package dev.vigil.rego.builtins;

/** Builtins of the Json family. */
final class JsonBuiltins {

  private JsonBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
