package dev.vigil.pdp.api;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and edits base documents by path as OPA's in-memory store does ({@code storage/inmem} and
 * {@code storage.MakeDir}); every edit returns a new tree.
 *
 * <p>Below an object a segment is a key, whatever it looks like. Below an array it is an index,
 * read as Go's {@code strconv.Atoi} reads it ({@code 01} and {@code +1} are 1); one that is not an
 * integer, or is out of range, is not found. A write is one of JSON Patch's operations (RFC 6902
 * section 4): {@link Op#ADD} at an index inserts before that element, and at {@code -} or at the
 * array's length appends; {@link Op#REPLACE} and {@link Op#REMOVE} need an element that exists.
 * Every step above the last must exist: only {@link #makeDir} creates objects on the way, and only
 * where nothing is.
 *
 * <p>Errors are {@link StorageError}s with OPA's codes and messages.
 */
final class DataTree {

  /** A write, as OPA's {@code storage.PatchOp}. */
  enum Op {
    ADD,
    REPLACE,
    REMOVE
  }

  /** What Go's strconv.Atoi accepts: an optional sign and ASCII digits. */
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

  private DataTree() {}

  /** Returns the value at the path; throws a not-found {@link StorageError} naming it. */
  static Value read(ObjectValue root, List<String> path) {
    Value v = root;
    for (String seg : path) {
      if (v instanceof ObjectValue o) {
        v = o.get(seg);
        if (v == null) {
          throw StorageError.notFound(path, StorageError.DOES_NOT_EXIST);
        }
      } else if (v instanceof ArrayValue a) {
        v = a.get(index(a, seg, path));
      } else {
        throw StorageError.notFound(path, StorageError.DOES_NOT_EXIST);
      }
    }
    return v;
  }

  /** Returns the value at the path, or null when there is none. */
  static Value get(ObjectValue root, List<String> path) {
    try {
      return read(root, path);
    } catch (StorageError e) {
      return null;
    }
  }

  /** Returns the tree with one operation applied at the path. */
  static ObjectValue write(ObjectValue root, Op op, List<String> path, Value value) {
    if (path.isEmpty()) {
      if (op == Op.REMOVE) {
        throw StorageError.invalidPatch("root cannot be removed");
      }
      if (!(value instanceof ObjectValue o)) {
        throw StorageError.invalidPatch("root must be object");
      }
      return o;
    }
    return (ObjectValue) update(root, op, path, 0, value);
  }

  /**
   * Returns the tree with an empty object at every step of the path where nothing is; a step that
   * holds anything but an object is a write conflict naming it.
   */
  static ObjectValue makeDir(ObjectValue root, List<String> path) {
    if (path.isEmpty()) {
      return root;
    }
    Value node = get(root, path);
    if (node == null) {
      ObjectValue parent = makeDir(root, path.subList(0, path.size() - 1));
      return write(parent, Op.ADD, path, ObjectValue.EMPTY);
    }
    if (node instanceof ObjectValue) {
      return root;
    }
    throw StorageError.conflict(path);
  }

  private static Value update(Value node, Op op, List<String> path, int i, Value value) {
    if (node instanceof ObjectValue o) {
      return updateObject(o, op, path, i, value);
    }
    if (node instanceof ArrayValue a) {
      return updateArray(a, op, path, i, value);
    }
    throw StorageError.notFound(path, StorageError.DOES_NOT_EXIST);
  }

  private static Value updateObject(ObjectValue o, Op op, List<String> path, int i, Value value) {
    StringValue key = StringValue.of(path.get(i));
    Value child = o.get(key);
    boolean last = i == path.size() - 1;
    if (child == null && (!last || op != Op.ADD)) {
      throw StorageError.notFound(path, StorageError.DOES_NOT_EXIST);
    }
    Map<Value, Value> m = new HashMap<>(o.asMap());
    if (!last) {
      m.put(key, update(child, op, path, i + 1, value));
    } else if (op == Op.REMOVE) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return ObjectValue.wrap(m);
  }

  private static Value updateArray(ArrayValue a, Op op, List<String> path, int i, Value value) {
    String seg = path.get(i);
    List<Value> items = new ArrayList<>(a.elements());
    if (i < path.size() - 1) {
      int pos = index(a, seg, path);
      items.set(pos, update(items.get(pos), op, path, i + 1, value));
    } else if (seg.equals("-") || seg.equals(Integer.toString(a.size()))) {
      // Only the exact decimal length names the end: "03" below three elements is out of range.
      if (op != Op.ADD) {
        throw StorageError.invalidPatch(StorageError.text(path) + ": invalid patch path");
      }
      items.add(value);
    } else {
      int pos = index(a, seg, path);
      switch (op) {
        case ADD -> items.add(pos, value);
        case REPLACE -> items.set(pos, value);
        case REMOVE -> items.remove(pos);
      }
    }
    return ArrayValue.of(items);
  }

  /** Returns the element a segment names, as OPA's {@code ptr.ValidateArrayIndex} does. */
  private static int index(ArrayValue a, String seg, List<String> path) {
    Long i = integer(seg);
    if (i == null) {
      throw StorageError.notFound(path, StorageError.NOT_AN_INTEGER);
    }
    if (i < 0 || i >= a.size()) {
      throw StorageError.notFound(path, StorageError.OUT_OF_RANGE);
    }
    return i.intValue();
  }

  /** Returns the segment as Go's strconv.Atoi reads it on 64 bits, or null when it refuses it. */
  private static Long integer(String seg) {
    if (!INTEGER.matcher(seg).matches()) {
      return null;
    }
    try {
      return Long.parseLong(seg);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Splits a JSON-pointer-like path {@code /a/b} into segments (with ~1 and ~0 unescaped). */
  static List<String> pointer(String p) {
    List<String> out = new ArrayList<>();
    for (String s : p.split("/")) {
      if (!s.isEmpty()) {
        out.add(s.replace("~1", "/").replace("~0", "~"));
      }
    }
    return out;
  }
}
