package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builtins of the Object family: get, keys, remove, filter, union, union_n and subset. */
final class ObjectBuiltins {

  private static final Type OBJECT = Type.object(ANY, ANY);
  private static final Type KEYS = Type.anyOf(OBJECT, Type.set(ANY), Type.array(ANY));

  private ObjectBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "object.get",
        List.of(OBJECT, ANY, ANY),
        ANY,
        "Returns the value at a key or path of an object, or the default when there is none.",
        ObjectBuiltins::get);
    r.register(
        "object.keys",
        List.of(OBJECT),
        Type.set(ANY),
        "Returns the keys of an object as a set.",
        (c, a) -> SetValue.of(Operands.object(a, 0).asMap().keySet()));
    r.register(
        "object.remove",
        List.of(OBJECT, KEYS),
        OBJECT,
        "Returns the object without the given keys.",
        (c, a) -> {
          ObjectValue o = Operands.object(a, 0);
          Set<Value> drop = keys(a);
          Map<Value, Value> out = new HashMap<>();
          o.asMap()
              .forEach(
                  (k, v) -> {
                    if (!drop.contains(k)) {
                      out.put(k, v);
                    }
                  });
          return ObjectValue.wrap(out);
        });
    r.register(
        "object.filter",
        List.of(OBJECT, KEYS),
        OBJECT,
        "Returns the object with only the given keys.",
        (c, a) -> {
          ObjectValue o = Operands.object(a, 0);
          Map<Value, Value> out = new HashMap<>();
          for (Value k : keys(a)) {
            Value v = o.get(k);
            if (v != null) {
              out.put(k, v);
            }
          }
          return ObjectValue.wrap(out);
        });
    r.register(
        "object.union",
        List.of(OBJECT, OBJECT),
        OBJECT,
        "Merges two objects recursively; the second wins where both hold a value that is not an"
            + " object.",
        (c, a) -> union(c, Operands.object(a, 0), Operands.object(a, 1)));
    r.register(
        "object.union_n",
        List.of(Type.array(OBJECT)),
        OBJECT,
        "Merges an array of objects recursively, later objects winning.",
        ObjectBuiltins::unionN);
    r.register(
        "object.subset",
        List.of(ANY, ANY),
        BOOLEAN,
        "Checks that the second operand is contained in the first: recursively for objects.",
        (c, a) -> BooleanValue.of(subset(c, a[0], a[1])));
  }

  private static Value get(BuiltinContext c, Value[] a) {
    ObjectValue o = Operands.object(a, 0);
    if (!(a[1] instanceof ArrayValue path)) {
      Value v = o.get(a[1]);
      return v != null ? v : a[2];
    }
    Value cur = o;
    for (Value key : path.elements()) {
      cur = child(cur, key);
      if (cur == null) {
        return a[2];
      }
    }
    return cur;
  }

  private static Value child(Value parent, Value key) {
    return switch (parent) {
      case ObjectValue o -> o.get(key);
      case ArrayValue arr -> {
        if (key instanceof NumberValue n) {
          Integer i = n.intValueExact();
          if (i != null && i >= 0 && i < arr.size()) {
            yield arr.get(i);
          }
        }
        yield null;
      }
      case SetValue s -> s.contains(key) ? key : null;
      default -> null;
    };
  }

  private static Set<Value> keys(Value[] a) {
    Collection<Value> keys =
        switch (a[1]) {
          case ArrayValue arr -> arr.elements();
          case SetValue s -> s.asSet();
          case ObjectValue o -> o.asMap().keySet();
          default -> throw NumberOperands.oneOf(1, a[1], "object", "set", "array");
        };
    return new HashSet<>(keys);
  }

  /**
   * Merges y into x, recursively where both have an object at a key. Charges {@code c} for the copy
   * of x and the walk of y: {@code object.union_n} merges each object into the union of those
   * before it, the product of their count and the union's size.
   */
  static ObjectValue union(BuiltinContext c, ObjectValue x, ObjectValue y) {
    if (Values.equal(x, y, c::charge)) {
      return x;
    }
    c.charge(x.size() + y.size());
    Map<Value, Value> out = new HashMap<>(x.asMap());
    y.asMap()
        .forEach(
            (k, v) -> {
              Value old = out.get(k);
              if (old instanceof ObjectValue ox && v instanceof ObjectValue oy) {
                out.put(k, union(c, ox, oy));
              } else {
                out.put(k, v);
              }
            });
    return ObjectValue.wrap(out);
  }

  private static Value unionN(BuiltinContext c, Value[] a) {
    ArrayValue arr = Operands.array(a, 0);
    for (Value e : arr.elements()) {
      if (!(e instanceof ObjectValue)) {
        throw NumberOperands.elementError(0, arr, e, "object");
      }
    }
    ObjectValue out = ObjectValue.EMPTY;
    for (Value e : arr.elements()) {
      out = union(c, out, (ObjectValue) e);
    }
    return out;
  }

  /**
   * Checks that sub is a subset of sup, charging {@code c} for the comparisons as they go: an array
   * is looked for at every position of the other, the product of their lengths.
   */
  private static boolean subset(BuiltinContext c, Value sup, Value sub) {
    if (sup instanceof ObjectValue x && sub instanceof ObjectValue y) {
      return objectSubset(c, x, y);
    }
    if (sup instanceof SetValue x && sub instanceof SetValue y) {
      return x.asSet().containsAll(y.asSet());
    }
    if (sup instanceof ArrayValue x && sub instanceof ArrayValue y) {
      return arraySubset(c, x, y);
    }
    if (sup instanceof ArrayValue x && sub instanceof SetValue y) {
      int unmatched = y.size();
      for (Value e : x.elements()) {
        if (y.contains(e)) {
          unmatched--;
        }
        if (unmatched == 0) {
          return true;
        }
      }
      return false;
    }
    throw BuiltinException.type(
        "both arguments object.subset must be of the same type or array and set");
  }

  private static boolean objectSubset(BuiltinContext c, ObjectValue sup, ObjectValue sub) {
    for (Map.Entry<Value, Value> e : sub.asMap().entrySet()) {
      Value have = sup.get(e.getKey());
      Value want = e.getValue();
      if (have == null) {
        return false;
      }
      if (Values.equal(have, want, c::charge)) {
        continue;
      }
      boolean nested =
          (have instanceof ObjectValue x && want instanceof ObjectValue y && objectSubset(c, x, y))
              || (have instanceof SetValue s
                  && want instanceof SetValue t
                  && s.asSet().containsAll(t.asSet()))
              || (have instanceof ArrayValue p
                  && want instanceof ArrayValue q
                  && arraySubset(c, p, q));
      if (!nested) {
        return false;
      }
    }
    return true;
  }

  /** Checks that sub appears contiguously, in order, within sup. */
  private static boolean arraySubset(BuiltinContext c, ArrayValue sup, ArrayValue sub) {
    if (sub.size() > sup.size()) {
      return false;
    }
    outer:
    for (int start = 0; start + sub.size() <= sup.size(); start++) {
      for (int i = 0; i < sub.size(); i++) {
        if (Values.compare(sup.get(start + i), sub.get(i), c::charge) != 0) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
