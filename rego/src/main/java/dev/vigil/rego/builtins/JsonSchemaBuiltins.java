package dev.vigil.rego.builtins;

/** Builtins of the JsonSchema family. */
final class JsonSchemaBuiltins {

  private JsonSchemaBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
