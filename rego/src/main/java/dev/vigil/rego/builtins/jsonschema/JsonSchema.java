package dev.vigil.rego.builtins.jsonschema;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
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
    boolean exclusiveMinimum;
    boolean exclusiveMaximum;
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
   * Compiles a schema document.
   *
   * @throws SchemaException when the schema is not one gojsonschema accepts
   */
  public static JsonSchema compile(Value document) {
    return new JsonSchema(new Compiler(document).compile(document, 0));
  }

  /** Validates a document, returning gojsonschema's errors; empty when it matches. */
  public List<SchemaError> validate(Value document) {
    Validation v = new Validation();
    v.validate(root, document, "(root)", 0);
    return v.errors;
  }

  private static final class Compiler {
    private final Value rootDoc;
    private final Map<Value, Node> compiled = new IdentityHashMap<>();
    private final List<Node> pendingRefs = new ArrayList<>();

    Compiler(Value rootDoc) {
      this.rootDoc = rootDoc;
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
      if (doc instanceof BooleanValue b) {
        n.pass = b.value();
        return n;
      }
      if (!(doc instanceof ObjectValue o)) {
        throw new SchemaException("Expected: valid schema, given: Invalid JSON");
      }
      Value ref = o.get("$ref");
      if (ref instanceof StringValue s) {
        n.refText = s.value();
        pendingRefs.add(n);
        return n;
      }
      if (ref != null) {
        throw invalidType("string", "$ref");
      }
      types(n, o.get("type"));
      if (o.get("properties") != null) {
        ObjectValue props = object(o.get("properties"), "properties");
        for (Value k : props.keys()) {
          n.properties.put(((StringValue) k).value(), child(props.get(k), depth));
        }
      }
      if (o.get("patternProperties") != null) {
        ObjectValue props = object(o.get("patternProperties"), "patternProperties");
        for (Value k : props.keys()) {
          n.patternProperties.put(regex(((StringValue) k).value()), child(props.get(k), depth));
        }
      }
      n.additionalProperties =
          boolOrSchema(o.get("additionalProperties"), "additionalProperties", depth);
      if (o.get("propertyNames") != null) {
        n.propertyNames = child(o.get("propertyNames"), depth);
      }
      if (o.get("required") != null) {
        for (Value v : array(o.get("required"), "required")) {
          if (!(v instanceof StringValue s)) {
            throw invalidType("string", "required items");
          }
          if (n.required.contains(s.value())) {
            throw new SchemaException("required items must be unique");
          }
          n.required.add(s.value());
        }
      }
      n.minProperties = count(o.get("minProperties"), "minProperties");
      n.maxProperties = count(o.get("maxProperties"), "maxProperties");
      if (o.get("dependencies") != null) {
        ObjectValue deps = object(o.get("dependencies"), "dependencies");
        for (Value k : deps.keys()) {
          Value d = deps.get(k);
          if (d instanceof ArrayValue a) {
            List<String> names = new ArrayList<>();
            for (Value e : a.elements()) {
              if (!(e instanceof StringValue s)) {
                throw invalidType("string", "dependency");
              }
              names.add(s.value());
            }
            n.dependencies.put(((StringValue) k).value(), names);
          } else {
            n.dependencies.put(((StringValue) k).value(), child(d, depth));
          }
        }
      }
      Value items = o.get("items");
      if (items instanceof ArrayValue a) {
        n.itemsList = new ArrayList<>();
        for (Value e : a.elements()) {
          n.itemsList.add(child(e, depth));
        }
      } else if (items != null) {
        n.items = child(items, depth);
      }
      n.additionalItems = boolOrSchema(o.get("additionalItems"), "additionalItems", depth);
      n.minItems = count(o.get("minItems"), "minItems");
      n.maxItems = count(o.get("maxItems"), "maxItems");
      if (o.get("uniqueItems") != null) {
        if (!(o.get("uniqueItems") instanceof BooleanValue b)) {
          throw invalidType("boolean", "uniqueItems");
        }
        n.uniqueItems = b.value();
      }
      if (o.get("contains") != null) {
        n.contains = child(o.get("contains"), depth);
      }
      n.minLength = count(o.get("minLength"), "minLength");
      n.maxLength = count(o.get("maxLength"), "maxLength");
      if (o.get("pattern") != null) {
        if (!(o.get("pattern") instanceof StringValue s)) {
          throw invalidType("string", "pattern");
        }
        n.patternText = s.value();
        n.pattern = regex(s.value());
      }
      if (o.get("format") != null) {
        if (!(o.get("format") instanceof StringValue s)) {
          throw invalidType("string", "format");
        }
        n.format = s.value();
      }
      n.multipleOf = number(o.get("multipleOf"), "multipleOf");
      if (n.multipleOf != null && n.multipleOf.signum() <= 0) {
        throw new SchemaException("multipleOf must be strictly greater than 0");
      }
      n.minimum = number(o.get("minimum"), "minimum");
      n.maximum = number(o.get("maximum"), "maximum");
      Value exMin = o.get("exclusiveMinimum");
      if (exMin instanceof BooleanValue b) {
        if (b.value() && n.minimum == null) {
          throw new SchemaException("exclusiveMinimum cannot be used without minimum");
        }
        n.exclusiveMinimum = b.value();
      } else if (exMin != null) {
        BigDecimal v = number(exMin, "exclusiveMinimum");
        if (n.minimum == null || v.compareTo(n.minimum) >= 0) {
          n.minimum = v;
          n.exclusiveMinimum = true;
        }
      }
      Value exMax = o.get("exclusiveMaximum");
      if (exMax instanceof BooleanValue b) {
        if (b.value() && n.maximum == null) {
          throw new SchemaException("exclusiveMaximum cannot be used without maximum");
        }
        n.exclusiveMaximum = b.value();
      } else if (exMax != null) {
        BigDecimal v = number(exMax, "exclusiveMaximum");
        if (n.maximum == null || v.compareTo(n.maximum) <= 0) {
          n.maximum = v;
          n.exclusiveMaximum = true;
        }
      }
      if (o.get("enum") != null) {
        List<Value> values = array(o.get("enum"), "enum");
        if (values.isEmpty()) {
          throw new SchemaException("enum must have at least 1 element");
        }
        for (int i = 0; i < values.size(); i++) {
          for (int j = 0; j < i; j++) {
            if (values.get(i).equals(values.get(j))) {
              throw new SchemaException("enum items must be unique");
            }
          }
        }
        n.enumValues = values;
      }
      n.constValue = o.get("const");
      schemas(o.get("allOf"), "allOf", n.allOf, depth);
      schemas(o.get("anyOf"), "anyOf", n.anyOf, depth);
      schemas(o.get("oneOf"), "oneOf", n.oneOf, depth);
      if (o.get("not") != null) {
        n.not = child(o.get("not"), depth);
      }
      if (o.get("if") != null) {
        n.ifNode = child(o.get("if"), depth);
        if (o.get("then") != null) {
          n.thenNode = child(o.get("then"), depth);
        }
        if (o.get("else") != null) {
          n.elseNode = child(o.get("else"), depth);
        }
      }
      if (o.get("definitions") != null) {
        ObjectValue defs = object(o.get("definitions"), "definitions");
        for (Value k : defs.keys()) {
          child(defs.get(k), depth);
        }
      }
      return n;
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
            throw invalidType("string/array of strings", "type");
          }
          addType(n, s.value());
        }
      } else {
        throw invalidType("string/array of strings", "type");
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

    private void schemas(Value v, String key, List<Node> out, int depth) {
      if (v == null) {
        return;
      }
      List<Value> items = array(v, key);
      if (items.isEmpty()) {
        throw new SchemaException(key + " must have at least 1 element");
      }
      for (Value e : items) {
        out.add(child(e, depth));
      }
    }

    private static ObjectValue object(Value v, String key) {
      if (v instanceof ObjectValue o) {
        return o;
      }
      throw invalidType("object", key);
    }

    private static List<Value> array(Value v, String key) {
      if (v instanceof ArrayValue a) {
        return a.elements();
      }
      if (v instanceof SetValue s) {
        return s.elements();
      }
      throw invalidType("array", key);
    }

    private static Integer count(Value v, String key) {
      if (v == null) {
        return null;
      }
      if (!(v instanceof NumberValue n) || !n.isInteger()) {
        throw invalidType("integer", key);
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
      throw invalidType("number", key);
    }

    private static Pattern regex(String text) {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw new SchemaException("Invalid regex pattern '" + text + "'");
      }
    }

    private static SchemaException invalidType(String expected, String given) {
      return new SchemaException("Invalid type. Expected: " + expected + ", given: " + given);
    }
  }

  /** Writes a value as gojsonschema quotes allowed values: compact JSON. */
  static String json(Value v) {
    return Json.write(v);
  }
}
