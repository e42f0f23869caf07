package dev.vigil.rego.builtins;

/** Builtins of the Time family. */
final class TimeBuiltins {

  private TimeBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
