package dev.vigil.rego.builtins.jsonschema;

/**
 * One validation failure, with gojsonschema's fields.
 *
 * @param type the failure kind, such as {@code invalid_type} or {@code required}
 * @param field the path of the value concerned, without the root: {@code a.0.b}, or {@code (root)}
 *     for the document itself
 * @param description the failure in words
 */
public record SchemaError(String type, String field, String description) {

  /** Returns {@code field: description}, as gojsonschema prints an error. */
  public String error() {
    return field + ": " + description;
  }
}
