package dev.vigil.rego.value;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads YAML documents (data files, inputs) into values. Anchors, aliases and merge keys ({@code
 * <<: *base}) are resolved; only the standard YAML types are built, never Java objects. Aliases are
 * held two ways against a "billion laughs" document: at most 50 of them name a collection, and the
 * values built, each alias counted at its full size, may pass the length of the text by at most
 * {@link #ALIAS_EXPANSION} (a chain of aliases doubling at each step passes it long before memory
 * runs out).
 */
public final class Yaml {

  /** How many more values than the text has characters its aliases may expand to. */
  public static final long ALIAS_EXPANSION = 1_000_000;

  private Yaml() {}

  /**
   * Parses one YAML document.
   *
   * @throws JsonException naming the line and column when the text is not YAML, holds several
   *     documents, or nests too deeply
   */
  public static Value parse(String text) {
    LoaderOptions opts = new LoaderOptions();
    opts.setMaxAliasesForCollections(50);
    opts.setNestingDepthLimit(Json.MAX_DEPTH);
    opts.setAllowDuplicateKeys(false);
    opts.setCodePointLimit(64 * 1024 * 1024);
    org.yaml.snakeyaml.Yaml yaml = new org.yaml.snakeyaml.Yaml(new SafeConstructor(opts));
    List<Object> docs = new ArrayList<>();
    try {
      for (Object doc : yaml.loadAll(text)) {
        docs.add(doc);
      }
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      int col = e.getProblemMark() == null ? 0 : e.getProblemMark().getColumn() + 1;
      throw new JsonException("invalid YAML: " + e.getProblem(), line, col);
    } catch (YAMLException e) {
      throw new JsonException("invalid YAML: " + firstLine(e.getMessage()), 0, 0);
    }
    if (docs.size() > 1) {
      throw new JsonException(
          "the YAML holds " + docs.size() + " documents; give one document", 0, 0);
    }
    long[] left = {text.length() + ALIAS_EXPANSION};
    return docs.isEmpty() ? NullValue.NULL : fromJava(docs.get(0), 0, left);
  }

  private static Value fromJava(Object o, int depth, long[] left) {
    if (depth > Json.MAX_DEPTH) {
      throw new JsonException("YAML nested deeper than " + Json.MAX_DEPTH + " levels", 0, 0);
    }
    if (--left[0] < 0) {
      throw new JsonException(
          "the YAML's aliases expand to more than "
              + ALIAS_EXPANSION
              + " values beyond its own length: refused as an alias bomb",
          0,
          0);
    }
    return switch (o) {
      case null -> NullValue.NULL;
      case String s -> StringValue.of(s);
      case Boolean b -> BooleanValue.of(b);
      case Integer i -> NumberValue.of(i.longValue());
      case Long l -> NumberValue.of(l);
      case BigInteger b -> NumberValue.of(b);
      case Double d ->
          Double.isFinite(d)
              ? NumberValue.of(new BigDecimal(d.toString()))
              : StringValue.of(d.toString());
      case Date d -> StringValue.of(d.toInstant().toString());
      case byte[] b -> StringValue.of(Base64.getEncoder().encodeToString(b));
      case Map<?, ?> m -> {
        Map<Value, Value> out = new HashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          Object k = e.getKey();
          out.put(
              k instanceof String s ? StringValue.of(s) : StringValue.of(String.valueOf(k)),
              fromJava(e.getValue(), depth + 1, left));
        }
        yield ObjectValue.wrap(out);
      }
      case List<?> l -> {
        List<Value> out = new ArrayList<>(l.size());
        for (Object x : l) {
          out.add(fromJava(x, depth + 1, left));
        }
        yield ArrayValue.of(out);
      }
      case java.util.Set<?> set -> {
        List<Value> out = new ArrayList<>();
        for (Object x : set) {
          out.add(fromJava(x, depth + 1, left));
        }
        yield SetValue.of(out);
      }
      default -> StringValue.of(o.toString());
    };
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
