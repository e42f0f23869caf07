package dev.vigil.rego.builtins;

/** Builtins of the Semver family. */
final class SemverBuiltins {

  private SemverBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
