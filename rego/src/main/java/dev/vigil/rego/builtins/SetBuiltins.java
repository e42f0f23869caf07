package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;

import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Builtins of the Set family: intersection, union and the operators {@code &} and {@code |}. */
final class SetBuiltins {

  private SetBuiltins() {}

  static void register(BuiltinRegistry r) {
    Type set = Type.set(ANY);
    r.register(
        "and",
        List.of(set, set),
        set,
        "Returns the intersection of two sets.",
        (c, a) -> {
          Set<Value> out = new HashSet<>(Operands.set(a, 0).asSet());
          out.retainAll(Operands.set(a, 1).asSet());
          return SetValue.wrap(out);
        });
    r.register(
        "or",
        List.of(set, set),
        set,
        "Returns the union of two sets.",
        (c, a) -> {
          Set<Value> out = new HashSet<>(Operands.set(a, 0).asSet());
          out.addAll(Operands.set(a, 1).asSet());
          return SetValue.wrap(out);
        });
    r.register(
        "set_diff",
        List.of(set, set),
        set,
        "Deprecated: returns the elements of the first set that are not in the second.",
        (c, a) -> {
          Set<Value> out = new HashSet<>(Operands.set(a, 0).asSet());
          out.removeAll(Operands.set(a, 1).asSet());
          return SetValue.wrap(out);
        });
    r.register(
        "intersection",
        List.of(Type.set(set)),
        set,
        "Returns the intersection of a set of sets.",
        (c, a) -> {
          Set<Value> out = null;
          for (SetValue s : sets(c, a)) {
            if (out == null) {
              out = new HashSet<>(s.asSet());
            } else {
              out.retainAll(s.asSet());
            }
          }
          return out == null ? SetValue.EMPTY : SetValue.wrap(out);
        });
    r.register(
        "union",
        List.of(Type.set(set)),
        set,
        "Returns the union of a set of sets.",
        (c, a) -> {
          Set<Value> out = new HashSet<>();
          for (SetValue s : sets(c, a)) {
            out.addAll(s.asSet());
          }
          return SetValue.wrap(out);
        });
  }

  private static List<SetValue> sets(BuiltinContext c, Value[] a) {
    SetValue outer = Operands.set(a, 0);
    return outer.elements(c::charge).stream()
        .map(
            e -> {
              if (e instanceof SetValue s) {
                return s;
              }
              throw BuiltinException.operandType(1, e, "set");
            })
        .toList();
  }
}
