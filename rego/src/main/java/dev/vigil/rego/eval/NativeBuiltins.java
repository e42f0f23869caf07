package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.BuiltinException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * Builtins the evaluator runs itself: comparison operators, membership, {@code walk} (a relation
 * with many results), metadata of the current rule, and the network builtins that Vigil keeps off
 * unless the query allows them.
 */
final class NativeBuiltins {

  private NativeBuiltins() {}

  static int arity(String name) {
    return switch (name) {
      case "eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2" -> 2;
      case "internal.member_3" -> 3;
      case "walk", "trace", "http.send", "net.lookup_ip_addr" -> 1;
      case "rego.metadata.rule", "rego.metadata.chain", "opa.runtime" -> 0;
      default -> -1;
    };
  }

  static boolean call(Evaluator ev, String name, Term.Call call, Value[] a, Evaluator.VCont k) {
    return switch (name) {
      case "equal", "eq" -> k.go(BooleanValue.of(a[0].equals(a[1])));
      case "neq" -> k.go(BooleanValue.of(!a[0].equals(a[1])));
      case "lt" -> k.go(BooleanValue.of(Values.compare(a[0], a[1]) < 0));
      case "lte" -> k.go(BooleanValue.of(Values.compare(a[0], a[1]) <= 0));
      case "gt" -> k.go(BooleanValue.of(Values.compare(a[0], a[1]) > 0));
      case "gte" -> k.go(BooleanValue.of(Values.compare(a[0], a[1]) >= 0));
      case "internal.member_2" -> k.go(BooleanValue.of(member(a[0], a[1])));
      case "internal.member_3" -> {
        Value v = Evaluator.lookup(a[2], a[0]);
        yield k.go(BooleanValue.of(v != null && v.equals(a[1]) && !(a[2] instanceof SetValue)));
      }
      case "walk" -> walk(a[0], new ArrayList<>(), k);
      case "trace" -> k.go(BooleanValue.TRUE);
      case "rego.metadata.rule" -> k.go(ev.ruleMetadata());
      case "rego.metadata.chain" -> k.go(ev.chainMetadata());
      case "opa.runtime" -> k.go(ObjectValue.EMPTY);
      case "http.send", "net.lookup_ip_addr" -> network(ev, name, call, k);
      default ->
          ev.builtinError(
              BuiltinException.BUILTIN_ERROR, name, "not supported in this context", call);
    };
  }

  private static boolean network(Evaluator ev, String name, Term.Call call, Evaluator.VCont k) {
    if (!ev.options().networkAllowed()) {
      return ev.builtinError(
          BuiltinException.BUILTIN_ERROR,
          name,
          "network access is off in Vigil's policy engine; enable it with"
              + " EvalOptions.networkAllowed (--allow-network)",
          call);
    }
    return ev.builtinError(
        BuiltinException.BUILTIN_ERROR,
        name,
        "network builtins are not available in this version of Vigil's policy engine",
        call);
  }

  private static boolean member(Value x, Value coll) {
    return switch (coll) {
      case ArrayValue arr -> arr.elements().contains(x);
      case SetValue s -> s.contains(x);
      case ObjectValue o -> o.asMap().containsValue(x);
      default -> false;
    };
  }

  private static boolean walk(Value v, List<Value> path, Evaluator.VCont k) {
    if (!k.go(ArrayValue.of(ArrayValue.of(path), v))) {
      return false;
    }
    return Evaluator.iterate(
        v,
        (key, child) -> {
          path.add(key);
          boolean go = walk(child, path, k);
          path.remove(path.size() - 1);
          return go;
        });
  }

  static Value string(String s) {
    return StringValue.of(s);
  }
}
