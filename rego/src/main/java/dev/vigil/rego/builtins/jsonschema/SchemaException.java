package dev.vigil.rego.builtins.jsonschema;

/** A JSON Schema that cannot be compiled, worded as gojsonschema words it. */
public final class SchemaException extends RuntimeException {

  public SchemaException(String message) {
    super(message, null, false, false);
  }
}
