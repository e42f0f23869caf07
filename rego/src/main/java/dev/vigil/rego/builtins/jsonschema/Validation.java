package dev.vigil.rego.builtins.jsonschema;

import dev.vigil.rego.builtins.BuiltinContext;
import dev.vigil.rego.builtins.MeteredText;
import dev.vigil.rego.builtins.jsonschema.JsonSchema.Node;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One validation run, following gojsonschema's order of checks: type, then combinators (anyOf,
 * oneOf, allOf, not, dependencies, if), then the checks of the value's kind, then const and enum,
 * then properties. The score counts passed checks, to pick the closest alternative of a failed
 * anyOf or oneOf, as gojsonschema does.
 *
 * <p>Every subschema applies to the part of the document it is given, so the work is up to the
 * product of the two sizes (combinators, items, patternProperties), capped at {@link #MAX_STEPS}
 * visits. The visits are charged to the query's time budget 64 at a time, pattern matches per
 * character the matcher reads ({@link MeteredText}), and the errors' text, which may repeat a large
 * enum at each failing visit, is counted against the query's size limit as it is written.
 */
final class Validation {

  private static final int MAX_DEPTH = 400;

  /** The most subschema visits in one validation, so that crafted schemas cannot hang. */
  static final int MAX_STEPS = 1_000_000;

  final List<SchemaError> errors = new ArrayList<>();
  private int score;

  /** Visits and characters of error text so far, shared by a validation and its sub-validations. */
  private final long[] counts;

  private final BuiltinContext ctx;

  Validation(BuiltinContext ctx) {
    this(ctx, new long[2]);
  }

  private Validation(BuiltinContext ctx, long[] counts) {
    this.ctx = ctx;
    this.counts = counts;
  }

  boolean valid() {
    return errors.isEmpty();
  }

  /** Records a failure; as in gojsonschema it costs two points of score. */
  private void add(String type, String context, String property, String description) {
    String field = stripRoot(context);
    String text = description.replace("{{field}}", field);
    counts[1] += 4L + type.length() + field.length() + text.length();
    ctx.checkSize("json.match_schema", counts[1]);
    errors.add(new SchemaError(type, field, text));
    score -= 2;
  }

  /** Takes over a sub-validation's errors and score, as gojsonschema's mergeErrors does. */
  private void merge(Validation other) {
    errors.addAll(other.errors);
    score += other.score;
  }

  private static String stripRoot(String context) {
    return context.startsWith("(root).") ? context.substring("(root).".length()) : context;
  }

  private Validation sub(Node n, Value v, String context, int depth) {
    Validation r = new Validation(ctx, counts);
    r.validate(n, v, context, depth);
    return r;
  }

  void validate(Node n, Value v, String context, int depth) {
    if (depth > MAX_DEPTH) {
      throw new SchemaException("document or schema nested deeper than " + MAX_DEPTH + " levels");
    }
    if ((++counts[0] & 63) == 0) {
      ctx.charge(64);
    }
    if (counts[0] > MAX_STEPS) {
      throw new SchemaException(
          "the schema takes too long to check (more than " + MAX_STEPS + " subschema visits)");
    }
    if (n.pass != null) {
      if (!n.pass) {
        add("false", context, null, "False always fails validation");
      }
      return;
    }
    if (n.ref != null) {
      validate(n.ref, v, context, depth + 1);
      return;
    }
    String given = kind(v);
    boolean typeOk =
        n.types.isEmpty()
            || n.types.contains(given)
            || (given.equals("integer") && n.types.contains("number"));
    if (!typeOk) {
      add(
          "invalid_type",
          context,
          null,
          "Invalid type. Expected: " + typeList(n.types) + ", given: " + given);
      return;
    }
    combinators(n, v, context, depth);
    switch (v) {
      case NumberValue num -> number(n, num, context);
      case StringValue s -> string(n, s.value(), context);
      case ArrayValue a -> array(n, a.elements(), context, depth);
      case SetValue s -> array(n, s.elements(ctx::charge), context, depth);
      case ObjectValue o -> object(n, o, context, depth);
      default -> {}
    }
    common(n, v, context);
    if (v instanceof ObjectValue o) {
      for (Map.Entry<String, Node> p : n.properties.entrySet()) {
        Value child = o.get(p.getKey());
        if (child != null) {
          validate(p.getValue(), child, context + "." + p.getKey(), depth + 1);
        }
      }
    }
    score++;
  }

  private static String typeList(List<String> types) {
    return types.size() == 1 ? types.get(0) : "[" + String.join(",", types) + "]";
  }

  private static String kind(Value v) {
    return switch (v) {
      case NullValue n -> "null";
      case BooleanValue b -> "boolean";
      case NumberValue n -> n.isInteger() ? "integer" : "number";
      case StringValue s -> "string";
      case ArrayValue a -> "array";
      case SetValue s -> "array";
      case ObjectValue o -> "object";
    };
  }

  private void combinators(Node n, Value v, String context, int depth) {
    if (!n.anyOf.isEmpty()) {
      Validation best = null;
      boolean ok = false;
      for (Node s : n.anyOf) {
        Validation r = sub(s, v, context, depth + 1);
        if (r.valid()) {
          ok = true;
          break;
        }
        if (best == null || r.score > best.score) {
          best = r;
        }
      }
      if (!ok) {
        add("number_any_of", context, null, "Must validate at least one schema (anyOf)");
        merge(best);
      }
    }
    if (!n.oneOf.isEmpty()) {
      int validated = 0;
      Validation best = null;
      for (Node s : n.oneOf) {
        Validation r = sub(s, v, context, depth + 1);
        if (r.valid()) {
          validated++;
        } else if (validated == 0 && (best == null || r.score > best.score)) {
          best = r;
        }
      }
      if (validated != 1) {
        add("number_one_of", context, null, "Must validate one and only one schema (oneOf)");
        if (validated == 0 && best != null) {
          merge(best);
        }
      }
    }
    if (!n.allOf.isEmpty()) {
      int validated = 0;
      for (Node s : n.allOf) {
        Validation r = sub(s, v, context, depth + 1);
        if (r.valid()) {
          validated++;
        }
        merge(r);
      }
      if (validated != n.allOf.size()) {
        add("number_all_of", context, null, "Must validate all the schemas (allOf)");
      }
    }
    if (n.not != null && sub(n.not, v, context, depth + 1).valid()) {
      add("number_not", context, null, "Must not validate the schema (not)");
    }
    if (!n.dependencies.isEmpty() && v instanceof ObjectValue o) {
      for (Value k : o.keys(ctx::charge)) {
        Object dep = n.dependencies.get(((StringValue) k).value());
        if (dep instanceof List<?> names) {
          for (Object name : names) {
            if (o.get((String) name) == null) {
              add("missing_dependency", context, null, "Has a dependency on " + name);
            }
          }
        } else if (dep instanceof Node s) {
          validate(s, v, context, depth + 1);
        }
      }
    }
    if (n.ifNode != null) {
      boolean ifValid = sub(n.ifNode, v, context, depth + 1).valid();
      if (ifValid && n.thenNode != null) {
        Validation r = sub(n.thenNode, v, context, depth + 1);
        if (!r.valid()) {
          add("condition_then", context, null, "Must validate \"then\" as \"if\" was valid");
          merge(r);
        }
      }
      if (!ifValid && n.elseNode != null) {
        Validation r = sub(n.elseNode, v, context, depth + 1);
        if (!r.valid()) {
          add("condition_else", context, null, "Must validate \"else\" as \"if\" was not valid");
          merge(r);
        }
      }
    }
    score++;
  }

  private void common(Node n, Value v, String context) {
    if (n.constValue != null && !n.constValue.equals(v)) {
      String text = JsonSchema.json(n.constValue, ctx);
      add("const", context, null, "{{field}} does not match: " + text);
    }
    if (n.enumValues != null) {
      ctx.charge(n.enumValues.size());
    }
    if (n.enumValues != null && !n.enumValues.contains(v)) {
      List<String> allowed = new ArrayList<>();
      for (Value e : n.enumValues) {
        allowed.add(JsonSchema.json(e, ctx));
      }
      add(
          "enum",
          context,
          null,
          "{{field}} must be one of the following: " + String.join(", ", allowed));
    }
    if (n.format != null && v instanceof StringValue s && !Formats.matches(n.format, s.value())) {
      add("format", context, null, "Does not match format '" + n.format + "'");
    }
    score++;
  }

  private void number(Node n, NumberValue num, String context) {
    BigDecimal x = num.bigDecimal();
    if (n.multipleOf != null) {
      BigDecimal r = x.remainder(n.multipleOf);
      if (r.signum() != 0) {
        add("multiple_of", context, null, "Must be a multiple of " + show(n.multipleOf));
      }
    }
    if (n.maximum != null && x.compareTo(n.maximum) > 0) {
      add("number_lte", context, null, "Must be less than or equal to " + show(n.maximum));
    }
    if (n.exclusiveMaximum != null && x.compareTo(n.exclusiveMaximum) >= 0) {
      add("number_lt", context, null, "Must be less than " + show(n.exclusiveMaximum));
    }
    if (n.minimum != null && x.compareTo(n.minimum) < 0) {
      add("number_gte", context, null, "Must be greater than or equal to " + show(n.minimum));
    }
    if (n.exclusiveMinimum != null && x.compareTo(n.exclusiveMinimum) <= 0) {
      add("number_gt", context, null, "Must be greater than " + show(n.exclusiveMinimum));
    }
    score++;
  }

  private static String show(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return s.scale() <= 0 && s.precision() - s.scale() <= 21
        ? s.toPlainString()
        : s.toString().replace("E", "e");
  }

  private void string(Node n, String s, String context) {
    int length = s.codePointCount(0, s.length());
    if (n.minLength != null && length < n.minLength) {
      add(
          "string_gte",
          context,
          null,
          "String length must be greater than or equal to " + n.minLength);
    }
    if (n.maxLength != null && length > n.maxLength) {
      add(
          "string_lte",
          context,
          null,
          "String length must be less than or equal to " + n.maxLength);
    }
    if (n.pattern != null && !n.pattern.matcher(MeteredText.of(ctx, s, n.patternText)).find()) {
      add("pattern", context, null, "Does not match pattern '" + n.patternText + "'");
    }
    score++;
  }

  private void array(Node n, List<Value> items, String context, int depth) {
    if (n.items != null) {
      for (int i = 0; i < items.size(); i++) {
        merge(sub(n.items, items.get(i), context + "." + i, depth + 1));
      }
    } else if (n.itemsList != null && !n.itemsList.isEmpty()) {
      int schemas = n.itemsList.size();
      for (int i = 0; i < schemas && i < items.size(); i++) {
        merge(sub(n.itemsList.get(i), items.get(i), context + "." + i, depth + 1));
      }
      if (schemas < items.size()) {
        if (Boolean.FALSE.equals(n.additionalItems)) {
          add("array_no_additional_items", context, null, "No additional items allowed on array");
        } else if (n.additionalItems instanceof Node extra) {
          for (int i = schemas; i < items.size(); i++) {
            merge(sub(extra, items.get(i), context + "." + i, depth + 1));
          }
        }
      }
    }
    if (n.minItems != null && items.size() < n.minItems) {
      add("array_min_items", context, null, "Array must have at least " + n.minItems + " items");
    }
    if (n.maxItems != null && items.size() > n.maxItems) {
      add("array_max_items", context, null, "Array must have at most " + n.maxItems + " items");
    }
    if (n.uniqueItems) {
      // Each item against the last equal one before it, found by hash rather than by comparing
      // every pair, which is quadratic in the array's length.
      ctx.charge(items.size());
      Map<Value, Integer> lastSeen = new java.util.HashMap<>();
      for (int j = 0; j < items.size(); j++) {
        Integer seen = lastSeen.put(items.get(j), j);
        int last = seen == null ? -1 : seen;
        if (last >= 0) {
          add("unique", context, null, "array items[" + last + "," + j + "] must be unique");
        }
      }
    }
    if (n.contains != null) {
      boolean found = false;
      Validation best = null;
      for (int i = 0; i < items.size(); i++) {
        Validation r = sub(n.contains, items.get(i), context + "." + i, depth + 1);
        if (r.valid()) {
          found = true;
          break;
        }
        if (best == null || r.score > best.score) {
          best = r;
        }
      }
      if (!found) {
        add("contains", context, null, "At least one of the items must match");
        if (best != null) {
          merge(best);
        }
      }
    }
    score++;
  }

  private void object(Node n, ObjectValue o, String context, int depth) {
    if (n.minProperties != null && o.size() < n.minProperties) {
      add(
          "array_min_properties",
          context,
          null,
          "Must have at least " + n.minProperties + " properties");
    }
    if (n.maxProperties != null && o.size() > n.maxProperties) {
      add(
          "array_max_properties",
          context,
          null,
          "Must have at most " + n.maxProperties + " properties");
    }
    for (String r : n.required) {
      if (o.get(r) != null) {
        score++;
      } else {
        add("required", context, r, r + " is required");
      }
    }
    for (Value k : o.keys(ctx::charge)) {
      String key = keyText(k);
      boolean declared = n.properties.containsKey(key);
      boolean patterned = false;
      for (Map.Entry<com.google.re2j.Pattern, Node> p : n.patternProperties.entrySet()) {
        if (p.getKey().matcher(MeteredText.of(ctx, key, p.getKey().pattern())).find()) {
          patterned = true;
          merge(sub(p.getValue(), o.get(k), context + "." + key, depth + 1));
        }
      }
      if (patterned) {
        score++;
      }
      if (!declared && !patterned) {
        if (Boolean.FALSE.equals(n.additionalProperties)) {
          add(
              "additional_property_not_allowed",
              context,
              key,
              "Additional property " + key + " is not allowed");
        } else if (n.additionalProperties instanceof Node extra) {
          merge(sub(extra, o.get(k), context + "." + key, depth + 1));
        }
      }
    }
    if (n.propertyNames != null) {
      for (Value k : o.keys(ctx::charge)) {
        Validation r = sub(n.propertyNames, k, context, depth + 1);
        if (!r.valid()) {
          String key = keyText(k);
          add(
              "invalid_property_name",
              context,
              key,
              "Property name of \"" + key + "\" does not match");
          merge(r);
        }
      }
    }
    score++;
  }

  /**
   * Returns an object key as error paths name it: a string as it is, another key in Rego syntax,
   * with the sorts of its sets and keys charged to the query's time budget.
   */
  private String keyText(Value k) {
    if (k instanceof StringValue s) {
      return s.value();
    }
    StringBuilder sb = new StringBuilder();
    Values.writeTerm(k, sb, length -> {}, ctx::charge);
    ctx.charge(sb.length() >> 4);
    return sb.toString();
  }
}
