package dev.vigil.rego.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.ast.Annotations;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code # METADATA} comment blocks (YAML in comments) and attaches them to the statement
 * that follows, as OPA does.
 *
 * <p>A block starts at a comment whose text begins with {@code METADATA} and continues over the
 * comments on the following lines that start in column 1; one space after each {@code #} is
 * dropped. Without an explicit {@code scope}, a block before a rule has scope {@code rule} ({@code
 * document} when it sets {@code entrypoint}), before the package {@code package}, before an import
 * {@code import}. The value is shaped as OPA's {@code rego.metadata.rule()} returns it: authors as
 * {@code {name, email}} objects, related resources as {@code {ref, description}}.
 */
final class MetadataParser {

  /** Created on first use: most files have no METADATA, and the YAML mapper is slow to build. */
  private static final class Yaml {
    static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
  }

  /** One METADATA comment block: its first comment and every comment in it. */
  record Block(Lexer.Comment start, List<Lexer.Comment> comments) {}

  /** The annotations of a module: all of them, and those that belong to each rule. */
  record Attached(List<Annotations> all, Map<RuleDraft, List<Annotations>> byRule) {
    List<Annotations> forRule(RuleDraft rule) {
      return byRule.getOrDefault(rule, List.of());
    }
  }

  /** A statement an annotation can attach to, with where it starts. */
  record Node(Location location, Object stmt) {}

  private MetadataParser() {}

  static List<Block> blocks(List<Lexer.Comment> comments) {
    List<Block> blocks = new ArrayList<>();
    List<Lexer.Comment> current = null;
    Lexer.Comment prev = null;
    for (Lexer.Comment c : comments) {
      if (current != null) {
        if (c.line() == prev.line() + 1 && c.column() == 1) {
          current.add(c);
          prev = c;
          continue;
        }
        current = null;
      }
      if (c.text().strip().startsWith("METADATA")) {
        current = new ArrayList<>();
        current.add(c);
        blocks.add(new Block(c, current));
      }
      prev = c;
    }
    return blocks;
  }

  static Attached attach(RegoParser parser, List<Block> blocks, List<Node> nodes) {
    List<Annotations> all = new ArrayList<>();
    Map<RuleDraft, List<Annotations>> byRule = new IdentityHashMap<>();
    for (Block b : blocks) {
      Location at = new Location(parser.file(), b.start().line(), b.start().column());
      Map<String, JsonNode> fields = readYaml(parser, b, at);
      if (fields == null) {
        continue;
      }
      Object node = null;
      for (Node n : nodes) {
        if (n.location().line() > b.start().line()) {
          node = n.stmt();
          break;
        }
      }
      ObjectValue value = toValue(parser, fields, node, at);
      if (value == null) {
        continue;
      }
      String scope = ((StringValue) value.get("scope")).value();
      if (!checkScope(parser, scope, node, at)) {
        continue;
      }
      Annotations a = new Annotations(scope, value, at);
      all.add(a);
      if (node instanceof RuleDraft rule && (scope.equals("rule") || scope.equals("document"))) {
        byRule.computeIfAbsent(rule, r -> new ArrayList<>()).add(a);
      }
    }
    return new Attached(List.copyOf(all), byRule);
  }

  private static Map<String, JsonNode> readYaml(RegoParser parser, Block b, Location at) {
    StringBuilder yaml = new StringBuilder();
    for (Lexer.Comment c : b.comments().subList(1, b.comments().size())) {
      String text = c.text().startsWith(" ") ? c.text().substring(1) : c.text();
      yaml.append(text).append('\n');
    }
    if (yaml.toString().isBlank()) {
      parser.errorAt(at, "expected METADATA block, found whitespace");
      return null;
    }
    JsonNode root;
    try {
      root = Yaml.MAPPER.readTree(yaml.toString());
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      Lexer.Comment c = b.comments().get(Math.max(0, Math.min(line, b.comments().size() - 1)));
      String problem = e.getOriginalMessage().lines().findFirst().orElse("invalid YAML");
      parser.errorAt(
          new Location(parser.file(), c.line(), c.column()), "yaml: line " + line + ": " + problem);
      return null;
    } catch (RuntimeException | StackOverflowError e) {
      parser.errorAt(at, "yaml: " + e.getClass().getSimpleName() + " in METADATA block");
      return null;
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      parser.errorAt(at, "expected METADATA block, found whitespace");
      return null;
    }
    if (!root.isObject()) {
      parser.errorAt(at, "yaml: METADATA block must be a mapping, got " + kind(root));
      return null;
    }
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    root.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
    return fields;
  }

  private static ObjectValue toValue(
      RegoParser parser, Map<String, JsonNode> f, Object node, Location at) {
    Map<Value, Value> out = new LinkedHashMap<>();
    try {
      String scope = scalar(f.get("scope"), "scope");
      boolean entrypoint = bool(f.get("entrypoint"));
      if (scope.isEmpty()) {
        scope = defaultScope(node, entrypoint);
      }
      out.put(StringValue.of("scope"), StringValue.of(scope));
      putString(out, "title", scalar(f.get("title"), "title"));
      putString(out, "description", scalar(f.get("description"), "description"));
      if (entrypoint) {
        out.put(StringValue.of("entrypoint"), BooleanValue.TRUE);
      }
      List<Value> orgs = new ArrayList<>();
      for (JsonNode o : list(f.get("organizations"), "organizations")) {
        orgs.add(StringValue.of(scalar(o, "organizations")));
      }
      putList(out, "organizations", orgs);
      List<Value> resources = new ArrayList<>();
      for (JsonNode r : list(f.get("related_resources"), "related_resources")) {
        resources.add(relatedResource(r));
      }
      putList(out, "related_resources", resources);
      List<Value> authors = new ArrayList<>();
      for (JsonNode a : list(f.get("authors"), "authors")) {
        authors.add(author(a));
      }
      putList(out, "authors", authors);
      List<Value> schemas = new ArrayList<>();
      for (JsonNode s : list(f.get("schemas"), "schemas")) {
        schemas.add(schema(s));
      }
      putList(out, "schemas", schemas);
      JsonNode custom = f.get("custom");
      if (custom != null && !custom.isNull()) {
        if (!custom.isObject()) {
          throw new IllegalArgumentException(
              "yaml: unmarshal errors: cannot unmarshal " + kind(custom) + " into custom");
        }
        if (custom.size() > 0) {
          out.put(StringValue.of("custom"), Json.fromNode(custom));
        }
      }
    } catch (IllegalArgumentException e) {
      parser.errorAt(at, e.getMessage());
      return null;
    }
    return ObjectValue.wrap(out);
  }

  private static String defaultScope(Object node, boolean entrypoint) {
    return switch (node) {
      case RuleDraft r -> entrypoint ? "document" : "rule";
      case RegoParser.PackageStmt p -> "package";
      case RegoParser.ImportStmt i -> "import";
      case null, default -> "";
    };
  }

  private static boolean checkScope(RegoParser parser, String scope, Object node, Location at) {
    String want;
    boolean ok;
    switch (scope) {
      case "rule", "document" -> {
        want = "rule";
        ok = node instanceof RuleDraft;
      }
      case "package", "subpackages" -> {
        want = "package";
        ok = node instanceof RegoParser.PackageStmt;
      }
      case "import" -> {
        want = "import";
        ok = node instanceof RegoParser.ImportStmt;
      }
      default -> {
        parser.errorAt(
            at,
            "invalid annotation scope '"
                + scope
                + "'. Use one of 'rule', 'document', 'package', 'subpackages', or 'import'");
        return false;
      }
    }
    if (!ok) {
      String have = node == null ? "" : " (have " + nodeName(node) + ")";
      parser.errorAt(at, "annotation scope '" + scope + "' must be applied to " + want + have);
    }
    return ok;
  }

  private static String nodeName(Object node) {
    return switch (node) {
      case RuleDraft r -> "rule";
      case RegoParser.PackageStmt p -> "package";
      case RegoParser.ImportStmt i -> "import";
      default -> "statement";
    };
  }

  private static Value relatedResource(JsonNode r) {
    if (r.isTextual()) {
      if (r.asText().isEmpty()) {
        throw new IllegalArgumentException(
            "invalid related-resource definition : ref URL may not be empty string");
      }
      return ObjectValue.of(StringValue.of("ref"), StringValue.of(r.asText()));
    }
    if (r.isObject()) {
      String ref = text(r.get("ref")).strip();
      String description = text(r.get("description")).strip();
      if (ref.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid related-resource definition " + r + ": 'ref' value required in object");
      }
      Map<Value, Value> m = new LinkedHashMap<>();
      m.put(StringValue.of("ref"), StringValue.of(ref));
      if (!description.isEmpty()) {
        m.put(StringValue.of("description"), StringValue.of(description));
      }
      return ObjectValue.wrap(m);
    }
    throw new IllegalArgumentException(
        "invalid related-resource definition " + r + ": invalid value type, must be string or map");
  }

  private static Value author(JsonNode a) {
    String name;
    String email = "";
    if (a.isTextual()) {
      String[] parts = a.asText().strip().split("\\s+");
      if (a.asText().isBlank()) {
        throw new IllegalArgumentException("invalid author definition : author is an empty string");
      }
      int nameParts = parts.length;
      String last = parts[nameParts - 1];
      if (last.length() >= 2 && last.startsWith("<") && last.endsWith(">")) {
        email = last.substring(1, last.length() - 1);
        nameParts--;
      }
      name = String.join(" ", List.of(parts).subList(0, nameParts));
    } else if (a.isObject()) {
      name = text(a.get("name")).strip();
      email = text(a.get("email")).strip();
      if (name.isEmpty() && email.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid author definition " + a + ": 'name' and/or 'email' values required in object");
      }
    } else {
      throw new IllegalArgumentException(
          "invalid author definition " + a + ": invalid value type, must be string or map");
    }
    Map<Value, Value> m = new LinkedHashMap<>();
    if (!name.isEmpty()) {
      m.put(StringValue.of("name"), StringValue.of(name));
    }
    if (!email.isEmpty()) {
      m.put(StringValue.of("email"), StringValue.of(email));
    }
    return ObjectValue.wrap(m);
  }

  private static Value schema(JsonNode s) {
    if (!s.isObject() || s.size() != 1) {
      throw new IllegalArgumentException("invalid schema declaration: expected one path per item");
    }
    Map.Entry<String, JsonNode> e = s.fields().next();
    Term.Ref path = refOrNull(e.getKey());
    if (path == null) {
      throw new IllegalArgumentException("invalid document reference");
    }
    Map<Value, Value> m = new LinkedHashMap<>();
    m.put(StringValue.of("path"), refJson(path));
    JsonNode v = e.getValue();
    if (v.isTextual()) {
      Term.Ref schema = refOrNull(v.asText());
      if (schema == null || !(schema.head() instanceof Term.Var h && h.name().equals("schema"))) {
        throw new IllegalArgumentException("invalid schema reference");
      }
      m.put(StringValue.of("schema"), refJson(schema));
    } else if (v.isObject()) {
      m.put(StringValue.of("definition"), Json.fromNode(v));
    } else {
      throw new IllegalArgumentException(
          "invalid schema declaration for path \"" + e.getKey() + "\"");
    }
    return ObjectValue.wrap(m);
  }

  private static Term.Ref refOrNull(String text) {
    try {
      Term t = Parser.parseTerm(text);
      if (t instanceof Term.Var v) {
        return new Term.Ref(v, List.of(), v.location());
      }
      return t instanceof Term.Ref r ? r : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A ref as OPA's JSON shows it: a list of {@code {type, value}} terms. */
  private static Value refJson(Term.Ref ref) {
    List<Value> terms = new ArrayList<>();
    terms.add(AstJson.term(ref.head()));
    for (Term t : ref.path()) {
      terms.add(AstJson.term(t));
    }
    return ArrayValue.of(terms);
  }

  private static String scalar(JsonNode n, String field) {
    if (n == null || n.isNull()) {
      return "";
    }
    if (!n.isValueNode()) {
      throw new IllegalArgumentException(
          "yaml: unmarshal errors: cannot unmarshal " + kind(n) + " into " + field);
    }
    return n.asText();
  }

  private static String text(JsonNode n) {
    return n == null || !n.isValueNode() ? "" : n.asText();
  }

  private static boolean bool(JsonNode n) {
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException(
          "yaml: unmarshal errors: cannot unmarshal "
              + kind(n)
              + " `"
              + n.asText()
              + "` into entrypoint");
    }
    return n.booleanValue();
  }

  private static List<JsonNode> list(JsonNode n, String field) {
    List<JsonNode> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException(
          "yaml: unmarshal errors: cannot unmarshal " + kind(n) + " into " + field);
    }
    n.forEach(out::add);
    return out;
  }

  private static void putString(Map<Value, Value> out, String key, String value) {
    if (!value.isEmpty()) {
      out.put(StringValue.of(key), StringValue.of(value));
    }
  }

  private static void putList(Map<Value, Value> out, String key, List<Value> values) {
    if (!values.isEmpty()) {
      out.put(StringValue.of(key), ArrayValue.of(values));
    }
  }

  private static String kind(JsonNode n) {
    if (n.isObject()) {
      return "!!map";
    }
    if (n.isArray()) {
      return "!!seq";
    }
    if (n.isBoolean()) {
      return "!!bool";
    }
    if (n.isNumber()) {
      return n.isIntegralNumber() ? "!!int" : "!!float";
    }
    return "!!str";
  }
}
