package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.BuiltinException;
import dev.vigil.rego.compile.Natives;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Builtins the evaluator runs itself: comparison operators, membership, {@code walk} (a relation
 * with many results), metadata of the current rule, and the network builtins that Vigil keeps off
 * unless the query allows them.
 */
final class NativeBuiltins {

  private NativeBuiltins() {}

  static int arity(String name) {
    return Natives.arity(name);
  }

  static boolean call(Evaluator ev, String name, Term.Call call, Value[] a, Evaluator.VCont k) {
    chargeOperands(ev, name, a);
    return switch (name) {
      case "equal", "eq" -> k.go(BooleanValue.of(ev.comparisons().equal(a[0], a[1])));
      case "neq" -> k.go(BooleanValue.of(!ev.comparisons().equal(a[0], a[1])));
      case "lt" -> k.go(BooleanValue.of(ev.comparisons().compare(a[0], a[1]) < 0));
      case "lte" -> k.go(BooleanValue.of(ev.comparisons().compare(a[0], a[1]) <= 0));
      case "gt" -> k.go(BooleanValue.of(ev.comparisons().compare(a[0], a[1]) > 0));
      case "gte" -> k.go(BooleanValue.of(ev.comparisons().compare(a[0], a[1]) >= 0));
      case "internal.member_2" -> k.go(BooleanValue.of(member(ev, a[0], a[1])));
      case "internal.member_3" -> {
        Value v = Documents.lookup(a[2], a[0]);
        yield k.go(BooleanValue.of(v != null && v.equals(a[1]) && !(a[2] instanceof SetValue)));
      }
      case "walk" -> walk(ev, a[0], new ArrayList<>(), k);
      case "trace" -> ev.note(call, a[0], k);
      case "rego.metadata.rule" -> k.go(ev.ruleMetadata());
      case "rego.metadata.chain" -> k.go(ev.chainMetadata());
      case "opa.runtime" -> k.go(ObjectValue.EMPTY);
      case "http.send" -> httpSend(ev, call, a[0], k);
      case "net.lookup_ip_addr" -> lookupIpAddr(ev, call, a[0], k);
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
          "network access is off for policies in Vigil; an application embedding the engine"
              + " may enable it with EvalOptions.networkAllowed",
          call);
    }
    return ev.builtinError(
        BuiltinException.BUILTIN_ERROR,
        name,
        "network builtins are not available in this version of Vigil's policy engine",
        call);
  }

  private static final java.util.Set<String> HTTP_KEYS =
      dev.vigil.rego.builtins.HttpRequestKeys.ALLOWED;

  /** Checks the request object as OPA does, then refuses: Vigil sends no HTTP from policies. */
  private static boolean httpSend(Evaluator ev, Term.Call call, Value req, Evaluator.VCont k) {
    if (!(req instanceof ObjectValue o)) {
      return ev.builtinError(
          BuiltinException.TYPE_ERROR,
          "http.send",
          "operand 1 must be object but got " + req.typeName(),
          call);
    }
    java.util.TreeSet<String> invalid = new java.util.TreeSet<>();
    for (Value key : o.keys()) {
      if (!(key instanceof StringValue s) || !HTTP_KEYS.contains(s.value())) {
        invalid.add(key instanceof StringValue s ? s.value() : key.toString());
      }
    }
    if (!invalid.isEmpty()) {
      return ev.builtinError(
          BuiltinException.TYPE_ERROR,
          "http.send",
          "invalid request parameters(s): " + quotedSet(invalid),
          call);
    }
    java.util.TreeSet<String> missing = new java.util.TreeSet<>();
    for (String required : List.of("method", "url")) {
      if (o.get(required) == null) {
        missing.add(required);
      }
    }
    if (!missing.isEmpty()) {
      return ev.builtinError(
          BuiltinException.TYPE_ERROR,
          "http.send",
          "missing required request parameters(s): " + quotedSet(missing),
          call);
    }
    return network(ev, "http.send", call, k);
  }

  private static String quotedSet(java.util.Set<String> names) {
    StringBuilder sb = new StringBuilder("{");
    for (String n : names) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append('"').append(n).append('"');
    }
    return sb.append('}').toString();
  }

  /**
   * Answers for IP literals and {@code localhost} without the network (RFC 6761 reserves that name
   * for loopback); any other name needs network access, which is off by default.
   */
  private static boolean lookupIpAddr(Evaluator ev, Term.Call call, Value name, Evaluator.VCont k) {
    if (!(name instanceof StringValue s)) {
      return ev.builtinError(
          BuiltinException.TYPE_ERROR,
          "net.lookup_ip_addr",
          "operand 1 must be string but got " + name.typeName(),
          call);
    }
    String host = s.value();
    if (host.equalsIgnoreCase("localhost")) {
      return k.go(SetValue.of(StringValue.of("127.0.0.1")));
    }
    String literal = IpLiterals.canonical(host);
    if (literal != null) {
      return k.go(SetValue.of(StringValue.of(literal)));
    }
    return network(ev, "net.lookup_ip_addr", call, k);
  }

  /**
   * Charges the time budget for the natives whose cost grows with their operands and that do not
   * charge as they go: a set's membership test, charged the set's size written out in full ({@link
   * Values#unsharedSize}), as values may share parts. Comparisons, equality and membership in an
   * array or object charge as they walk the values, so that a walk of deep values stops at the
   * deadline; {@code walk} charges per node; the others do constant work.
   */
  private static void chargeOperands(Evaluator ev, String name, Value[] a) {
    if (name.equals("internal.member_2") && a[1] instanceof SetValue) {
      ev.charge(Values.unsharedSize(a[1]));
    }
  }

  private static boolean member(Evaluator ev, Value x, Value coll) {
    Collection<Value> scanned =
        switch (coll) {
          case ArrayValue arr -> arr.elements();
          case ObjectValue o -> o.asMap().values();
          case SetValue s -> null;
          default -> List.of();
        };
    if (scanned == null) {
      return ((SetValue) coll).contains(x);
    }
    for (Value e : scanned) {
      if (ev.comparisons().equal(x, e)) {
        return true;
      }
    }
    return false;
  }

  /** Visits every node; each visit copies its path, so it costs a unit per step of the path. */
  private static boolean walk(Evaluator ev, Value v, List<Value> path, Evaluator.VCont k) {
    ev.charge(1 + path.size());
    if (!k.go(ArrayValue.of(ArrayValue.of(path), v))) {
      return false;
    }
    return Documents.iterate(
        v,
        ev.charger(),
        (key, child) -> {
          path.add(key);
          boolean go = walk(ev, child, path, k);
          path.remove(path.size() - 1);
          return go;
        });
  }
}
