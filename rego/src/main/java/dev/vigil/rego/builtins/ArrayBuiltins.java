package dev.vigil.rego.builtins;

/** Builtins of the Array family. */
final class ArrayBuiltins {

  private ArrayBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
