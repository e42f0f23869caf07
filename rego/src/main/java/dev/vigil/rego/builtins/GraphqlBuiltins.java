package dev.vigil.rego.builtins;

/** Builtins of the Graphql family. */
final class GraphqlBuiltins {

  private GraphqlBuiltins() {}

  static void register(BuiltinRegistry r) {}
}
