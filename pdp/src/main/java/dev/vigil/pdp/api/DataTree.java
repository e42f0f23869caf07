package dev.vigil.pdp.api;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads and edits base documents by path; every edit returns a new tree. */
final class DataTree {

  private DataTree() {}

  /** Returns the value at the path, or null. */
  static Value get(Value root, List<String> path) {
    Value v = root;
    for (String seg : path) {
      if (v instanceof ObjectValue o) {
        v = o.get(seg);
      } else if (v instanceof ArrayValue a) {
        Integer i = index(seg, a.size());
        v = i == null ? null : a.get(i);
      } else {
        return null;
      }
      if (v == null) {
        return null;
      }
    }
    return v;
  }

  /** Returns the tree with the value at the path set, creating objects on the way. */
  static ObjectValue put(ObjectValue root, List<String> path, Value value) {
    if (path.isEmpty()) {
      if (value instanceof ObjectValue o) {
        return o;
      }
      throw new IllegalArgumentException("the root document must be an object");
    }
    return (ObjectValue) putAt(root, path, 0, value);
  }

  private static Value putAt(Value node, List<String> path, int i, Value value) {
    String seg = path.get(i);
    boolean last = i == path.size() - 1;
    if (node instanceof ArrayValue a) {
      Integer idx = index(seg, a.size() + 1);
      if (idx == null) {
        throw new IllegalArgumentException("array index \"" + seg + "\" is out of range");
      }
      List<Value> items = new java.util.ArrayList<>(a.elements());
      Value next =
          last ? value : putAt(idx < items.size() ? items.get(idx) : null, path, i + 1, value);
      if (idx == items.size()) {
        items.add(next);
      } else {
        items.set(idx, next);
      }
      return ArrayValue.of(items);
    }
    Map<Value, Value> m =
        node instanceof ObjectValue o ? new HashMap<>(o.asMap()) : new HashMap<>();
    if (node != null && !(node instanceof ObjectValue)) {
      throw new IllegalArgumentException(
          "cannot write below \"" + String.join("/", path.subList(0, i)) + "\": not an object");
    }
    StringValue key = StringValue.of(seg);
    m.put(key, last ? value : putAt(m.get(key), path, i + 1, value));
    return ObjectValue.wrap(m);
  }

  /** Returns the tree without the value at the path, or null when nothing is there. */
  static ObjectValue remove(ObjectValue root, List<String> path) {
    if (path.isEmpty() || get(root, path) == null) {
      return null;
    }
    return (ObjectValue) removeAt(root, path, 0);
  }

  private static Value removeAt(Value node, List<String> path, int i) {
    String seg = path.get(i);
    boolean last = i == path.size() - 1;
    if (node instanceof ArrayValue a) {
      int idx = index(seg, a.size());
      List<Value> items = new java.util.ArrayList<>(a.elements());
      if (last) {
        items.remove(idx);
      } else {
        items.set(idx, removeAt(items.get(idx), path, i + 1));
      }
      return ArrayValue.of(items);
    }
    ObjectValue o = (ObjectValue) node;
    Map<Value, Value> m = new HashMap<>(o.asMap());
    StringValue key = StringValue.of(seg);
    if (last) {
      m.remove(key);
    } else {
      m.put(key, removeAt(m.get(key), path, i + 1));
    }
    return ObjectValue.wrap(m);
  }

  private static Integer index(String seg, int bound) {
    if (seg.equals("-")) {
      return bound - 1;
    }
    try {
      int i = Integer.parseInt(seg);
      return i >= 0 && i < bound ? i : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Splits a JSON-pointer-like path {@code /a/b} into segments (with ~1 and ~0 unescaped). */
  static List<String> pointer(String p) {
    List<String> out = new java.util.ArrayList<>();
    for (String s : p.split("/")) {
      if (!s.isEmpty()) {
        out.add(s.replace("~1", "/").replace("~0", "~"));
      }
    }
    return out;
  }
}
