package dev.vigil.rego.builtins;

/** Builtins of the Aggregate family. */
final class AggregateBuiltins {

  private AggregateBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
