package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and builds documents: lookups by key, iteration in OPA's order, patches, refs' names. */
final class Documents {

  private Documents() {}

  static String dottedName(Term.Ref r) {
    if (!(r.head() instanceof Term.Var v)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(v.name());
    for (Term p : r.path()) {
      if (p instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        sb.append('.').append(str.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  static Value patch(Value base, List<Value> keys, Value value) {
    if (keys.isEmpty()) {
      return value;
    }
    Map<Value, Value> m =
        base instanceof ObjectValue o ? new HashMap<>(o.asMap()) : new HashMap<>();
    Value key = keys.get(0);
    m.put(key, patch(m.get(key), keys.subList(1, keys.size()), value));
    return ObjectValue.wrap(m);
  }

  @SuppressWarnings("unchecked")
  static Value freeze(Object o) {
    if (o instanceof Value v) {
      return v;
    }
    if (o instanceof Set<?> s) {
      return SetValue.wrap((Set<Value>) s);
    }
    Map<Value, Object> m = (Map<Value, Object>) o;
    Map<Value, Value> out = new HashMap<>();
    for (var e : m.entrySet()) {
      out.put(e.getKey(), freeze(e.getValue()));
    }
    return ObjectValue.wrap(out);
  }

  static Value child(Value base, Value key) {
    return base instanceof ObjectValue o ? o.get(key) : null;
  }

  /** Returns the key as data documents hold it: JSON objects have string keys only. */
  static Value dataKey(Value key) {
    return key instanceof NumberValue n ? StringValue.of(n.toString()) : key;
  }

  static Value lookup(Value coll, Value key) {
    return switch (coll) {
      case ObjectValue o -> o.get(key);
      case ArrayValue a -> {
        if (key instanceof NumberValue n) {
          Integer idx = n.intValueExact();
          if (idx != null && idx >= 0 && idx < a.size()) {
            yield a.get(idx);
          }
        }
        yield null;
      }
      case SetValue s -> s.contains(key) ? key : null;
      default -> null;
    };
  }

  /**
   * Calls k with each key and value of a collection; returns false when k stopped. The keys of an
   * object and the elements of a set come in sorted order, sorted the first time with the work told
   * to {@code charge}.
   */
  static boolean iterate(Value coll, java.util.function.LongConsumer charge, Evaluator.PairCont k) {
    switch (coll) {
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          if (!k.go(NumberValue.of(i), a.get(i))) {
            return false;
          }
        }
      }
      case ObjectValue o -> {
        for (Value key : o.keys(charge)) {
          if (!k.go(key, o.get(key))) {
            return false;
          }
        }
      }
      case SetValue s -> {
        for (Value e : s.elements(charge)) {
          if (!k.go(e, e)) {
            return false;
          }
        }
      }
      default -> {}
    }
    return true;
  }
}
