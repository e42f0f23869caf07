package dev.vigil.rego.builtins;

/** Builtins of the Crypto family. */
final class CryptoBuiltins {

  private CryptoBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
