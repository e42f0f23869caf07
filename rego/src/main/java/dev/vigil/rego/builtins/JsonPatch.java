package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Patch (RFC 6902) as OPA applies it: operations {@code add}, {@code remove}, {@code replace},
 * {@code move}, {@code copy} and {@code test} applied in order to a copy of the document.
 *
 * <p>Beyond RFC 6902, paths may be arrays of segments and may step into sets, where a segment names
 * an element and an added element must equal its segment. Any failing operation fails the whole
 * patch with {@link PatchException}, which {@code json.patch} turns into an undefined result.
 */
final class JsonPatch {

  private JsonPatch() {}

  /** Thrown when an operation cannot be applied. */
  static final class PatchException extends RuntimeException {
    PatchException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Applies the operations in order and returns the patched document. Each operation copies the
   * collections along its path, charged to {@code c} a unit per element copied: many operations on
   * a wide document are the product of their count and its width.
   */
  static Value apply(BuiltinContext c, Value doc, ArrayValue operations) {
    Value current = doc;
    for (Value opValue : operations.elements()) {
      if (!(opValue instanceof ObjectValue op)) {
        throw new PatchException("must be an array of JSON-Patch objects");
      }
      current = applyOne(c, current, op);
      if (current == null) {
        throw new PatchException("document removed");
      }
    }
    return current;
  }

  private static Value attribute(ObjectValue op, String name) {
    Value v = op.get(name);
    if (v == null) {
      throw new PatchException("missing '" + name + "' attribute");
    }
    return v;
  }

  private static Value applyOne(BuiltinContext c, Value doc, ObjectValue op) {
    if (!(attribute(op, "op") instanceof StringValue kind)) {
      throw new PatchException("attribute 'op' must be a string");
    }
    String name = kind.value();
    if (!Set.of("add", "remove", "replace", "move", "copy", "test").contains(name)) {
      throw new PatchException("unrecognized op '" + name + "'");
    }
    Value pathValue = attribute(op, "path");
    Value from = name.equals("move") || name.equals("copy") ? attribute(op, "from") : null;
    Value value =
        name.equals("add") || name.equals("replace") || name.equals("test")
            ? attribute(op, "value")
            : null;
    List<Value> path = segments(pathValue);
    return switch (name) {
      case "add" -> insert(c, doc, path, 0, value);
      case "remove" -> delete(c, doc, path, 0);
      case "replace" -> insert(c, requireDeleted(delete(c, doc, path, 0), path), path, 0, value);
      case "move" -> {
        List<Value> fromPath = segments(from);
        Value chunk = get(doc, fromPath);
        Value without = delete(c, doc, fromPath, 0);
        yield insert(c, requireDeleted(without, path), path, 0, chunk);
      }
      case "copy" -> insert(c, doc, path, 0, get(doc, segments(from)));
      default -> {
        if (!Values.equal(get(doc, path), value, c::charge)) {
          throw new PatchException("test failed");
        }
        yield doc;
      }
    };
  }

  /** A root removed by the first half of replace or move can be replaced at the root only. */
  private static Value requireDeleted(Value doc, List<Value> path) {
    if (doc == null && !path.isEmpty()) {
      throw new PatchException("document removed");
    }
    return doc;
  }

  private static List<Value> segments(Value path) {
    if (!(path instanceof StringValue) && !(path instanceof ArrayValue)) {
      throw new PatchException("invalid path");
    }
    return JsonPaths.parse(path);
  }

  /** Returns the value at the path, or fails when it does not exist. */
  private static Value get(Value doc, List<Value> path) {
    Value v = doc;
    for (Value seg : path) {
      v = child(v, seg);
    }
    return v;
  }

  private static Value child(Value parent, Value key) {
    Value c =
        switch (parent) {
          case ObjectValue o -> o.get(key);
          case SetValue s -> s.contains(key) ? key : null;
          case ArrayValue a -> {
            int idx = index(a.size(), key);
            yield idx >= 0 && idx < a.size() ? a.get(idx) : null;
          }
          default -> null;
        };
    if (c == null) {
      throw new PatchException("path does not exist");
    }
    return c;
  }

  /** Reads an array index: a number, a decimal string without leading zeros, or "-" (the end). */
  private static int index(int length, Value key) {
    switch (key) {
      case NumberValue n -> {
        Integer i = n.intValueExact();
        if (i == null) {
          throw new PatchException("invalid number type for indexing");
        }
        return i;
      }
      case StringValue s -> {
        String t = s.value();
        if (t.equals("-")) {
          return length;
        }
        if (!t.matches("[+-]?[0-9]+")) {
          throw new PatchException("invalid string for indexing");
        }
        if (!t.equals("0") && t.startsWith("0")) {
          throw new PatchException("leading zeros are not allowed in JSON paths");
        }
        if (t.replaceFirst("^[+-]?0*", "").length() > 10) {
          // Past 31 bits whatever its digits; not parsed, as a parse is quadratic in its length.
          throw new PatchException("invalid string for indexing");
        }
        BigInteger b = new BigInteger(t);
        if (b.bitLength() > 31) {
          throw new PatchException("invalid string for indexing");
        }
        return b.intValue();
      }
      default -> throw new PatchException("invalid type for indexing");
    }
  }

  private static Value insert(
      BuiltinContext c, Value doc, List<Value> path, int depth, Value value) {
    if (path.isEmpty()) {
      return value;
    }
    Value key = path.get(depth);
    if (depth == path.size() - 1) {
      return insertChild(c, doc, key, value);
    }
    Value updated = insert(c, child(doc, key), path, depth + 1, value);
    return replaceChild(c, doc, key, updated);
  }

  private static Value insertChild(BuiltinContext c, Value parent, Value key, Value value) {
    switch (parent) {
      case ObjectValue o -> {
        c.charge(o.size());
        Map<Value, Value> m = new HashMap<>(o.asMap());
        m.put(key, value);
        return ObjectValue.wrap(m);
      }
      case SetValue s -> {
        if (!Values.equal(key, value, c::charge)) {
          throw new PatchException("set key does not equal value to be inserted");
        }
        c.charge(s.size());
        Set<Value> m = new HashSet<>(s.asSet());
        m.add(value);
        return SetValue.wrap(m);
      }
      case ArrayValue a -> {
        int idx = index(a.size(), key);
        if (idx < 0 || idx > a.size()) {
          throw new PatchException("index for array insertion out of bounds");
        }
        c.charge(a.size());
        List<Value> l = new ArrayList<>(a.elements());
        l.add(idx, value);
        return ArrayValue.of(l);
      }
      default -> throw new PatchException("expected composite type");
    }
  }

  private static Value replaceChild(BuiltinContext c, Value parent, Value key, Value updated) {
    switch (parent) {
      case ObjectValue o -> {
        c.charge(o.size());
        Map<Value, Value> m = new HashMap<>(o.asMap());
        m.put(key, updated);
        return ObjectValue.wrap(m);
      }
      case SetValue s -> {
        c.charge(s.size());
        Set<Value> m = new HashSet<>(s.asSet());
        m.remove(key);
        m.add(updated);
        return SetValue.wrap(m);
      }
      case ArrayValue a -> {
        c.charge(a.size());
        List<Value> l = new ArrayList<>(a.elements());
        l.set(index(a.size(), key), updated);
        return ArrayValue.of(l);
      }
      default -> throw new PatchException("expected composite type");
    }
  }

  /** Deletes the value at the path; returns null when the root itself is deleted. */
  private static Value delete(BuiltinContext c, Value doc, List<Value> path, int depth) {
    if (path.isEmpty()) {
      return null;
    }
    Value key = path.get(depth);
    if (depth == path.size() - 1) {
      return deleteChild(c, doc, key);
    }
    Value updated = delete(c, child(doc, key), path, depth + 1);
    return replaceChild(c, doc, key, updated);
  }

  private static Value deleteChild(BuiltinContext c, Value parent, Value key) {
    switch (parent) {
      case ObjectValue o -> {
        if (!o.containsKey(key)) {
          throw new PatchException("cannot delete child key that does not exist");
        }
        c.charge(o.size());
        Map<Value, Value> m = new HashMap<>(o.asMap());
        m.remove(key);
        return ObjectValue.wrap(m);
      }
      case SetValue s -> {
        if (!s.contains(key)) {
          throw new PatchException("cannot delete child key that does not exist");
        }
        c.charge(s.size());
        Set<Value> m = new HashSet<>(s.asSet());
        m.remove(key);
        return SetValue.wrap(m);
      }
      case ArrayValue a -> {
        int idx = index(a.size(), key);
        if (idx < 0 || idx >= a.size()) {
          throw new PatchException("index for array delete out of bounds");
        }
        c.charge(a.size());
        List<Value> l = new ArrayList<>(a.elements());
        l.remove(idx);
        return ArrayValue.of(l);
      }
      default -> throw new PatchException("expected composite type");
    }
  }
}
