package dev.vigil.rego.builtins.jsonschema;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.vigil.rego.builtins.BuiltinContext;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled JSON Schema (drafts 4, 6 and 7 keywords, as gojsonschema accepts them together).
 * {@code $ref} resolves JSON pointers within the same document only. Immutable once compiled.
 *
 * <p>Compiling is charged to the query's time budget: a unit per subschema and per member of each,
 * the sorts of their keys, and a unit per enum value checked for uniqueness (by hash: comparing
 * every pair was quadratic in the enum's length).
 */
public final class JsonSchema {

  static final List<String> TYPES =
      List.of("array", "boolean", "integer", "number", "null", "object", "string");

  private static final int MAX_DEPTH = 200;

  /** One subschema; {@code pass} is non-null for the boolean schemas true and false. */
  static final class Node {
    Boolean pass;
    Node ref;
    String refText;
    final List<String> types = new ArrayList<>();
    final Map<String, Node> properties = new TreeMap<>();
    final Map<Pattern, Node> patternProperties = new java.util.LinkedHashMap<>();
    Object additionalProperties; // null, Boolean or Node
    Node propertyNames;
    final List<String> required = new ArrayList<>();
    Integer minProperties;
    Integer maxProperties;
    final Map<String, Object> dependencies = new TreeMap<>(); // List<String> or Node
    Node items;
    List<Node> itemsList;
    Object additionalItems; // null, Boolean or Node
    Integer minItems;
    Integer maxItems;
    boolean uniqueItems;
    Node contains;
    Integer minLength;
    Integer maxLength;
    Pattern pattern;
    String patternText;
    String format;
    BigDecimal multipleOf;
    BigDecimal minimum;
    BigDecimal maximum;
    BigDecimal exclusiveMinimum;
    BigDecimal exclusiveMaximum;
    List<Value> enumValues;
    Value constValue;
    final List<Node> allOf = new ArrayList<>();
    final List<Node> anyOf = new ArrayList<>();
    final List<Node> oneOf = new ArrayList<>();
    Node not;
    Node ifNode;
    Node thenNode;
    Node elseNode;
  }

  final Node root;

  private JsonSchema(Node root) {
    this.root = root;
  }

  /**
   * Compiles a schema document, charging the work to {@code ctx}'s time budget.
   *
   * @throws SchemaException when the schema is not one gojsonschema accepts
   */
  public static JsonSchema compile(Value document, BuiltinContext ctx) {
    return new JsonSchema(new Compiler(document, ctx).compile(document, 0));
  }

  /**
   * Validates a document, returning gojsonschema's errors; empty when it matches. The work is
   * charged to {@code ctx}'s time budget as it goes and the errors' text is counted against its
   * size limit as it is written (see {@link Validation}).
   */
  public List<SchemaError> validate(Value document, BuiltinContext ctx) {
    Validation v = new Validation(ctx);
    v.validate(root, document, "(root)", 0);
    return v.errors;
  }

  /** Draft numbers as gojsonschema orders them; without {@code $schema} all drafts mix. */
  private static final int HYBRID = Integer.MAX_VALUE;

  private static final class Compiler {
    private final Value rootDoc;
    private final BuiltinContext ctx;
    private final int draft;
    private final Map<Value, Node> compiled = new IdentityHashMap<>();
    private final List<Node> pendingRefs = new ArrayList<>();

    Compiler(Value rootDoc, BuiltinContext ctx) {
      this.rootDoc = rootDoc;
      this.ctx = ctx;
      this.draft = draftOf(rootDoc);
    }

    private static int draftOf(Value doc) {
      if (doc instanceof ObjectValue o && o.get("$schema") instanceof StringValue s) {
        String uri = s.value();
        if (uri.contains("draft-04")) {
          return 4;
        }
        if (uri.contains("draft-06")) {
          return 6;
        }
        if (uri.contains("draft-07")) {
          return 7;
        }
      }
      return HYBRID;
    }

    Node compile(Value doc, int depth) {
      Node n = node(doc, depth);
      for (int i = 0; i < pendingRefs.size(); i++) {
        Node r = pendingRefs.get(i);
        r.ref = node(resolve(r.refText), depth);
      }
      return n;
    }

    private Value resolve(String ref) {
      if (!ref.startsWith("#")) {
        throw new SchemaException(
            "Reference "
                + ref
                + " must be canonical: only references within the schema are"
                + " supported");
      }
      Value cur = rootDoc;
      String pointer = ref.substring(1);
      if (pointer.isEmpty()) {
        return cur;
      }
      if (!pointer.startsWith("/")) {
        throw new SchemaException("Object has no key '" + pointer + "'");
      }
      for (String raw : pointer.substring(1).split("/", -1)) {
        String token =
            java.net.URLDecoder.decode(
                    raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8)
                .replace("~1", "/")
                .replace("~0", "~");
        if (cur instanceof ObjectValue o && o.get(token) != null) {
          cur = o.get(token);
        } else if (cur instanceof ArrayValue a
            && token.matches("[0-9]+")
            && Integer.parseInt(token) < a.size()) {
          cur = a.get(Integer.parseInt(token));
        } else {
          throw new SchemaException("Object has no key '" + token + "'");
        }
      }
      return cur;
    }

    private Node node(Value doc, int depth) {
      if (depth > MAX_DEPTH) {
        throw new SchemaException("schema nested deeper than " + MAX_DEPTH + " levels");
      }
      Node cached = compiled.get(doc);
      if (cached != null) {
        return cached;
      }
      Node n = new Node();
      compiled.put(doc, n);
      ctx.charge(1 + (doc instanceof ObjectValue o ? o.size() : 0));
      if (doc instanceof BooleanValue b && draft >= 6) {
        n.pass = b.value();
        return n;
      }
      if (!(doc instanceof ObjectValue o)) {
        throw new SchemaException("Expected: valid schema, given: Invalid JSON");
      }
      if (o.get("definitions") != null) {
        if (!(o.get("definitions") instanceof ObjectValue defs)) {
          throw invalidType("array of schemas", "definitions");
        }
        for (Value k : defs.keys(ctx::charge)) {
          Value d = defs.get(k);
          if (!(d instanceof ObjectValue) && !(d instanceof BooleanValue)) {
            throw invalidType("array of schemas", "definitions");
          }
          child(d, depth);
        }
      }
      string(o, "title");
      string(o, "description");
      String ref = string(o, "$ref");
      if (ref != null) {
        n.refText = ref;
        pendingRefs.add(n);
        return n;
      }
      types(n, o.get("type"));
      if (o.get("properties") != null) {
        if (!(o.get("properties") instanceof ObjectValue props)) {
          throw new SchemaException("properties must be of type object");
        }
        for (Value k : props.keys(ctx::charge)) {
          n.properties.put(((StringValue) k).value(), child(props.get(k), depth));
        }
      }
      n.additionalProperties =
          boolOrSchema(o.get("additionalProperties"), "additionalProperties", depth);
      if (o.get("patternProperties") != null) {
        if (!(o.get("patternProperties") instanceof ObjectValue props)) {
          throw invalidType("object", "patternProperties");
        }
        for (Value k : props.keys(ctx::charge)) {
          String text = ((StringValue) k).value();
          n.patternProperties.put(
              regex(text, "Invalid regex pattern '" + text + "'"), child(props.get(k), depth));
        }
      }
      Value names = o.get("propertyNames");
      if (names != null && draft >= 6) {
        if (!(names instanceof ObjectValue) && !(names instanceof BooleanValue)) {
          throw invalidType("valid schema", "patternProperties");
        }
        n.propertyNames = child(names, depth);
      }
      if (o.get("dependencies") != null) {
        dependencies(n, o.get("dependencies"), depth);
      }
      Value items = o.get("items");
      if (items instanceof ArrayValue a) {
        n.itemsList = new ArrayList<>();
        for (Value e : a.elements()) {
          if (!(e instanceof ObjectValue) && !(e instanceof BooleanValue)) {
            throw invalidType("valid schema/array of schemas", "items");
          }
          n.itemsList.add(child(e, depth));
        }
      } else if (items instanceof ObjectValue || items instanceof BooleanValue) {
        n.items = child(items, depth);
      } else if (items != null) {
        throw invalidType("valid schema/array of schemas", "items");
      }
      n.additionalItems = boolOrSchema(o.get("additionalItems"), "additionalItems", depth);
      if (o.get("multipleOf") != null) {
        if (!(o.get("multipleOf") instanceof NumberValue m)) {
          throw invalidType("number", "multipleOf");
        }
        if (m.signum() <= 0) {
          throw new SchemaException("multipleOf must be strictly greater than 0");
        }
        n.multipleOf = m.bigDecimal();
      }
      n.minimum = number(o.get("minimum"), "minimum");
      n.exclusiveMinimum = exclusive(o, "exclusiveMinimum", "minimum", n.minimum);
      if (n.exclusiveMinimum != null && o.get("exclusiveMinimum") instanceof BooleanValue) {
        n.minimum = null;
      }
      n.maximum = number(o.get("maximum"), "maximum");
      n.exclusiveMaximum = exclusive(o, "exclusiveMaximum", "maximum", n.maximum);
      if (n.exclusiveMaximum != null && o.get("exclusiveMaximum") instanceof BooleanValue) {
        n.maximum = null;
      }
      n.minLength = count(o.get("minLength"), "minLength");
      n.maxLength = count(o.get("maxLength"), "maxLength");
      if (n.minLength != null && n.maxLength != null && n.minLength > n.maxLength) {
        throw new SchemaException("minLength cannot be greater than maxLength");
      }
      String pattern = string(o, "pattern");
      if (pattern != null) {
        n.patternText = pattern;
        n.pattern = regex(pattern, "pattern must be a valid regex");
      }
      n.format = string(o, "format");
      n.minProperties = count(o.get("minProperties"), "minProperties");
      n.maxProperties = count(o.get("maxProperties"), "maxProperties");
      if (n.minProperties != null && n.maxProperties != null && n.minProperties > n.maxProperties) {
        throw new SchemaException("minProperties cannot be greater than maxProperties");
      }
      for (Value v : slice(o, "required")) {
        if (!(v instanceof StringValue s)) {
          throw invalidType("string", "required");
        }
        if (n.required.contains(s.value())) {
          throw new SchemaException("required items must be unique");
        }
        n.required.add(s.value());
      }
      n.minItems = count(o.get("minItems"), "minItems");
      n.maxItems = count(o.get("maxItems"), "maxItems");
      if (o.get("uniqueItems") != null) {
        if (!(o.get("uniqueItems") instanceof BooleanValue b)) {
          throw new SchemaException("uniqueItems must be of a boolean");
        }
        n.uniqueItems = b.value();
      }
      if (o.get("contains") != null && draft >= 6) {
        n.contains = child(o.get("contains"), depth);
      }
      if (o.containsKey(StringValue.of("const")) && draft >= 6) {
        n.constValue = o.get("const");
      }
      List<Value> enumValues = slice(o, "enum");
      if (o.get("enum") != null) {
        ctx.charge(enumValues.size());
        if (new java.util.HashSet<>(enumValues).size() < enumValues.size()) {
          throw new SchemaException("enum items must be unique");
        }
        n.enumValues = enumValues;
      }
      for (Value v : slice(o, "oneOf")) {
        n.oneOf.add(child(v, depth));
      }
      for (Value v : slice(o, "anyOf")) {
        n.anyOf.add(child(v, depth));
      }
      for (Value v : slice(o, "allOf")) {
        n.allOf.add(child(v, depth));
      }
      n.not = conditional(o, "not", depth);
      if (draft >= 7) {
        n.ifNode = conditional(o, "if", depth);
        n.thenNode = conditional(o, "then", depth);
        n.elseNode = conditional(o, "else", depth);
      }
      return n;
    }

    private Node conditional(ObjectValue o, String key, int depth) {
      Value v = o.get(key);
      if (v == null) {
        return null;
      }
      if (!(v instanceof ObjectValue) && !(v instanceof BooleanValue)) {
        throw new SchemaException(key + " must be of an object");
      }
      return child(v, depth);
    }

    private void dependencies(Node n, Value deps, int depth) {
      if (!(deps instanceof ObjectValue o)) {
        throw new SchemaException("dependencies must be of type object");
      }
      for (Value k : o.keys(ctx::charge)) {
        Value d = o.get(k);
        String key = ((StringValue) k).value();
        if (d instanceof ArrayValue a) {
          List<String> names = new ArrayList<>();
          for (Value e : a.elements()) {
            if (!(e instanceof StringValue s)) {
              throw new SchemaException("dependency must be of type schema or array of strings");
            }
            names.add(s.value());
          }
          n.dependencies.put(key, names);
        } else if (d instanceof ObjectValue || d instanceof BooleanValue) {
          n.dependencies.put(key, child(d, depth));
        } else {
          throw new SchemaException("dependency must be of type schema or array of strings");
        }
      }
    }

    /** Reads exclusiveMinimum or exclusiveMaximum, as a draft 4 flag or a later bound. */
    private BigDecimal exclusive(ObjectValue o, String key, String boundKey, BigDecimal bound) {
      Value v = o.get(key);
      if (v == null) {
        return null;
      }
      if (v instanceof BooleanValue b && draft != 6 && draft != 7) {
        if (bound == null) {
          throw new SchemaException(key + " cannot be used without " + boundKey);
        }
        return b.value() ? bound : null;
      }
      if (v instanceof NumberValue num && draft != 4) {
        return num.bigDecimal();
      }
      throw invalidType(
          draft == 4 ? "boolean" : draft == HYBRID ? "boolean/number" : "number", key);
    }

    private static String string(ObjectValue o, String key) {
      Value v = o.get(key);
      if (v == null) {
        return null;
      }
      if (v instanceof StringValue s) {
        return s.value();
      }
      throw invalidType("string", key);
    }

    private static List<Value> slice(ObjectValue o, String key) {
      Value v = o.get(key);
      if (v == null) {
        return List.of();
      }
      if (v instanceof ArrayValue a) {
        return a.elements();
      }
      throw invalidType("array", key);
    }

    private Node child(Value v, int depth) {
      return node(v, depth + 1);
    }

    private void types(Node n, Value t) {
      if (t == null) {
        return;
      }
      if (t instanceof StringValue s) {
        addType(n, s.value());
      } else if (t instanceof ArrayValue a) {
        for (Value e : a.elements()) {
          if (!(e instanceof StringValue s)) {
            throw invalidType("type", "string/array of strings");
          }
          addType(n, s.value());
        }
      } else {
        throw invalidType("type", "string/array of strings");
      }
    }

    private static void addType(Node n, String type) {
      if (!TYPES.contains(type)) {
        throw new SchemaException(
            "has a primitive type that is NOT VALID -- given: /"
                + type
                + "/ Expected valid values are:["
                + String.join(" ", TYPES)
                + "]");
      }
      if (n.types.contains(type)) {
        throw new SchemaException(type + " type is duplicated");
      }
      n.types.add(type);
    }

    private Object boolOrSchema(Value v, String key, int depth) {
      if (v == null) {
        return null;
      }
      if (v instanceof BooleanValue b) {
        return b.value();
      }
      if (v instanceof ObjectValue) {
        return child(v, depth);
      }
      throw invalidType("boolean/valid schema", key);
    }

    private static Integer count(Value v, String key) {
      if (v == null) {
        return null;
      }
      if (!(v instanceof NumberValue n) || !n.isInteger()) {
        throw new SchemaException(key + " must be of an integer");
      }
      if (n.signum() < 0) {
        throw new SchemaException(key + " must be greater than or equal to 0");
      }
      Integer i = n.intValueExact();
      return i == null ? Integer.MAX_VALUE : i;
    }

    private static BigDecimal number(Value v, String key) {
      if (v == null) {
        return null;
      }
      if (v instanceof NumberValue n) {
        return n.bigDecimal();
      }
      throw new SchemaException(key + " must be of a number");
    }

    private static Pattern regex(String text, String failure) {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw new SchemaException(failure);
      }
    }

    private static SchemaException invalidType(String expected, String given) {
      return new SchemaException("Invalid type. Expected: " + expected + ", given: " + given);
    }
  }

  /**
   * Writes a value as gojsonschema quotes allowed values, compact JSON, charging {@code ctx} for
   * the sorts of its sets and keys and a unit per 16 characters written.
   */
  static String json(Value v, BuiltinContext ctx) {
    String text = Json.write(v, ctx::charge);
    ctx.charge(text.length() >> 4);
    return text;
  }
}
