package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Paths into documents for {@code json.filter}, {@code json.remove} and {@code json.patch}.
 *
 * <p>A path is a JSON Pointer string ({@code a/b/0}, leading slashes optional, {@code ~1} for
 * {@code /} and {@code ~0} for {@code ~}) or an array of segments of any kind. Filter and remove
 * merge their paths into a tree whose leaves select whole values; a shorter path wins over a longer
 * one below it. Array elements are selected by their index written as a string, sets by element and
 * objects by key.
 */
final class JsonPaths {

  private JsonPaths() {}

  /** A node of the merged path tree: a leaf selects the whole value below it. */
  static final class Node {
    final Map<Value, Node> children = new LinkedHashMap<>();
    boolean leaf;

    Node child(Value key) {
      return children.get(key);
    }
  }

  /** Reads one path operand element into its segments, as OPA's {@code parsePath}. */
  static List<Value> parse(Value path) {
    List<Value> segments = new ArrayList<>();
    switch (path) {
      case StringValue s -> {
        if (s.value().isEmpty()) {
          return segments;
        }
        String p = s.value();
        int start = 0;
        while (start < p.length() && p.charAt(start) == '/') {
          start++;
        }
        for (String part : p.substring(start).split("/", -1)) {
          segments.add(StringValue.of(part.replace("~1", "/").replace("~0", "~")));
        }
      }
      case ArrayValue a -> segments.addAll(a.elements());
      default ->
          throw BuiltinException.type(
              "operand 2 must be one of {set, array} containing string paths or array of path"
                  + " segments but got "
                  + path.typeName());
    }
    return segments;
  }

  /** Reads the paths operand (an array or set of paths). */
  static List<List<Value>> parseAll(Value operand) {
    List<Value> items =
        switch (operand) {
          case ArrayValue a -> a.elements();
          case SetValue s -> s.elements();
          default -> throw BuiltinException.operandType(2, operand, "one of {set, array}");
        };
    List<List<Value>> out = new ArrayList<>(items.size());
    for (Value item : items) {
      out.add(parse(item));
    }
    return out;
  }

  /** Merges paths into one tree; empty paths select nothing. */
  static Node tree(List<List<Value>> paths) {
    Node root = new Node();
    for (List<Value> path : paths) {
      if (path.isEmpty()) {
        continue;
      }
      Node node = root;
      boolean covered = false;
      for (int i = 0; i < path.size() - 1 && !covered; i++) {
        Node child = node.child(path.get(i));
        if (child == null) {
          child = new Node();
          node.children.put(path.get(i), child);
        } else if (child.leaf) {
          covered = true;
        }
        node = child;
      }
      if (!covered) {
        Node leaf = new Node();
        leaf.leaf = true;
        node.children.put(path.get(path.size() - 1), leaf);
      }
    }
    return root;
  }

  /** Keeps only what the tree selects. */
  static Value filter(Value v, Node filter) {
    if (filter.leaf) {
      return v;
    }
    return switch (v) {
      case ArrayValue a -> {
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          Node sub = filter.child(StringValue.of(Integer.toString(i)));
          if (sub != null) {
            out.add(filter(a.get(i), sub));
          }
        }
        yield ArrayValue.of(out);
      }
      case SetValue s -> {
        Set<Value> out = new HashSet<>();
        for (Value e : s.elements()) {
          Node sub = filter.child(e);
          if (sub != null) {
            out.add(filter(e, sub));
          }
        }
        yield SetValue.wrap(out);
      }
      case ObjectValue o -> {
        Map<Value, Value> out = new HashMap<>();
        for (Value k : o.keys()) {
          Node sub = filter.child(k);
          if (sub != null) {
            out.put(k, filter(o.get(k), sub));
          }
        }
        yield ObjectValue.wrap(out);
      }
      default -> v;
    };
  }

  /** Drops what the tree selects; returns null when the whole value is dropped. */
  static Value remove(Value v, Node remove) {
    if (remove == null) {
      return v;
    }
    if (remove.leaf) {
      return null;
    }
    return switch (v) {
      case ArrayValue a -> {
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          Value kept = remove(a.get(i), remove.child(StringValue.of(Integer.toString(i))));
          if (kept != null) {
            out.add(kept);
          }
        }
        yield ArrayValue.of(out);
      }
      case SetValue s -> {
        Set<Value> out = new HashSet<>();
        for (Value e : s.elements()) {
          Value kept = remove(e, remove.child(e));
          if (kept != null) {
            out.add(kept);
          }
        }
        yield SetValue.wrap(out);
      }
      case ObjectValue o -> {
        Map<Value, Value> out = new HashMap<>();
        for (Value k : o.keys()) {
          Value kept = remove(o.get(k), remove.child(k));
          if (kept != null) {
            out.put(k, kept);
          }
        }
        yield ObjectValue.wrap(out);
      }
      default -> v;
    };
  }
}
