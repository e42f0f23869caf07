package dev.vigil.rego.builtins;

/** Builtins of the Aws family. */
final class AwsBuiltins {

  private AwsBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
