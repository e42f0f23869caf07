package dev.vigil.rego.builtins;

import dev.vigil.rego.builtins.jsonschema.JsonSchema;
import dev.vigil.rego.builtins.jsonschema.SchemaError;
import dev.vigil.rego.builtins.jsonschema.SchemaException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builtins of the JsonSchema family: {@code json.verify_schema} and {@code json.match_schema}, with
 * gojsonschema's messages as OPA returns them.
 */
final class JsonSchemaBuiltins {

  private static final Type DOC = Type.anyOf(Type.STRING, Type.object(Type.ANY, Type.ANY));

  private JsonSchemaBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "json.verify_schema",
        List.of(DOC),
        Type.array(Type.ANY),
        "Checks that a JSON Schema is valid, returning [ok, error or null].",
        (ctx, args) -> verify(ctx, args[0]));
    r.register(
        "json.match_schema",
        List.of(DOC, DOC),
        Type.array(Type.ANY),
        "Checks a document against a JSON Schema, returning [ok, errors].",
        (ctx, args) -> match(ctx, args[0], args[1]));
  }

  private static Value verify(BuiltinContext ctx, Value schema) {
    try {
      JsonSchema.compile(document(ctx, schema), ctx);
      return ArrayValue.of(BooleanValue.TRUE, NullValue.NULL);
    } catch (SchemaException e) {
      return ArrayValue.of(BooleanValue.FALSE, StringValue.of("jsonschema: " + e.getMessage()));
    }
  }

  /** Caches compiled schemas per query, keyed by the schema operand. */
  private record CacheKey(Value schema) {}

  private static Value match(BuiltinContext ctx, Value document, Value schema) {
    Map<Object, Object> cache = ctx.queryCache();
    List<SchemaError> errors;
    try {
      Value doc = document(ctx, document);
      CacheKey key = new CacheKey(schema);
      JsonSchema compiled;
      if (cache.get(key) instanceof JsonSchema cached) {
        compiled = cached;
      } else {
        compiled = JsonSchema.compile(document(ctx, schema), ctx);
        cache.put(key, compiled);
      }
      errors = compiled.validate(doc, ctx);
    } catch (SchemaException e) {
      throw BuiltinException.error(e.getMessage());
    }
    List<Value> out = new ArrayList<>();
    for (SchemaError e : errors) {
      out.add(
          ObjectValue.of(
              StringValue.of("error"), StringValue.of(e.error()),
              StringValue.of("type"), StringValue.of(e.type()),
              StringValue.of("field"), StringValue.of(e.field()),
              StringValue.of("desc"), StringValue.of(e.description())));
    }
    return ArrayValue.of(BooleanValue.of(errors.isEmpty()), ArrayValue.of(out));
  }

  /**
   * Reads a document given as JSON text or as a value, as OPA's loader does; the parse is charged
   * to {@code ctx}.
   */
  private static Value document(BuiltinContext ctx, Value v) {
    if (v instanceof StringValue s) {
      try {
        return Json.parse(s.value(), ctx::charge);
      } catch (JsonException e) {
        throw new SchemaException("invalid JSON string");
      }
    }
    if (v instanceof ObjectValue || v instanceof ArrayValue) {
      return v;
    }
    throw new SchemaException("wrong type, expected string or object");
  }
}
