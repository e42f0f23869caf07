package dev.vigil.rego.builtins;

/** Registers every family of builtins into a registry, one class per family. */
final class StandardFamilies {

  private StandardFamilies() {}

  static void registerAll(BuiltinRegistry r) {
    ComparisonBuiltins.register(r);
    NumberBuiltins.register(r);
    AggregateBuiltins.register(r);
    ArrayBuiltins.register(r);
    SetBuiltins.register(r);
    ObjectBuiltins.register(r);
    TypeBuiltins.register(r);
    StringBuiltins.register(r);
    RegexBuiltins.register(r);
    GlobBuiltins.register(r);
    SemverBuiltins.register(r);
    UnitsBuiltins.register(r);
    UuidBuiltins.register(r);
    RandBuiltins.register(r);
    EncodingBuiltins.register(r);
    JsonBuiltins.register(r);
    TimeBuiltins.register(r);
    NetBuiltins.register(r);
    GraphBuiltins.register(r);
    UriBuiltins.register(r);
    CryptoBuiltins.register(r);
    X509Builtins.register(r);
    JwtBuiltins.register(r);
    AwsBuiltins.register(r);
    GraphqlBuiltins.register(r);
    JsonSchemaBuiltins.register(r);
    EvalBuiltins.register(r);
    RegoParseBuiltins.register(r);
  }
}
