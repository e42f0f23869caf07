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
 *
 * <p>Filter and remove walk each collection the tree reaches, a unit of the time budget per member,
 * and never sort one: a set or an object is visited in its own order, as the result is a set or an
 * object again. Only a set of paths is read in sorted order, charged as it is sorted, so that the
 * first bad path named by an error is the one OPA names.
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

  /** Reads the paths operand (an array or set of paths), charging a set's sort to {@code c}. */
  static List<List<Value>> parseAll(BuiltinContext c, Value operand) {
    List<Value> items =
        switch (operand) {
          case ArrayValue a -> a.elements();
          case SetValue s -> s.elements(c::charge);
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

  /** Keeps only what the tree selects, charging {@code c} a unit per member visited. */
  static Value filter(BuiltinContext c, Value v, Node filter) {
    if (filter.leaf) {
      return v;
    }
    return switch (v) {
      case ArrayValue a -> {
        c.charge(a.size());
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          Node sub = filter.child(StringValue.of(Integer.toString(i)));
          if (sub != null) {
            out.add(filter(c, a.get(i), sub));
          }
        }
        yield ArrayValue.of(out);
      }
      case SetValue s -> {
        c.charge(s.size());
        Set<Value> out = new HashSet<>();
        for (Value e : s.asSet()) {
          Node sub = filter.child(e);
          if (sub != null) {
            out.add(filter(c, e, sub));
          }
        }
        yield SetValue.wrap(out);
      }
      case ObjectValue o -> {
        c.charge(o.size());
        Map<Value, Value> out = new HashMap<>();
        for (Map.Entry<Value, Value> e : o.asMap().entrySet()) {
          Node sub = filter.child(e.getKey());
          if (sub != null) {
            out.put(e.getKey(), filter(c, e.getValue(), sub));
          }
        }
        yield ObjectValue.wrap(out);
      }
      default -> v;
    };
  }

  /**
   * Drops what the tree selects, charging {@code c} a unit per member visited; returns null when
   * the whole value is dropped.
   */
  static Value remove(BuiltinContext c, Value v, Node remove) {
    if (remove == null) {
      return v;
    }
    if (remove.leaf) {
      return null;
    }
    return switch (v) {
      case ArrayValue a -> {
        c.charge(a.size());
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
          Value kept = remove(c, a.get(i), remove.child(StringValue.of(Integer.toString(i))));
          if (kept != null) {
            out.add(kept);
          }
        }
        yield ArrayValue.of(out);
      }
      case SetValue s -> {
        c.charge(s.size());
        Set<Value> out = new HashSet<>();
        for (Value e : s.asSet()) {
          Value kept = remove(c, e, remove.child(e));
          if (kept != null) {
            out.add(kept);
          }
        }
        yield SetValue.wrap(out);
      }
      case ObjectValue o -> {
        c.charge(o.size());
        Map<Value, Value> out = new HashMap<>();
        for (Map.Entry<Value, Value> e : o.asMap().entrySet()) {
          Value kept = remove(c, e.getValue(), remove.child(e.getKey()));
          if (kept != null) {
            out.put(e.getKey(), kept);
          }
        }
        yield ObjectValue.wrap(out);
      }
      default -> v;
    };
  }
}
