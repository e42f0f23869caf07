package dev.vigil.rego.builtins;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * Declarations of the builtins the evaluator runs itself ({@code walk}, {@code print}, metadata,
 * membership, network), so that the registry, docs and coverage list them with their arity. Their
 * code lives in the evaluator, which calls them before looking at the registry; calling one of
 * these entries directly is an error. Entries another family already declares are left alone.
 */
final class EvalBuiltins {

  private EvalBuiltins() {}

  static void register(BuiltinRegistry r) {
    Type any = Type.ANY;
    evaluator(r, "walk", List.of(any), Type.array(any), "pairs of path and value under x");
    evaluator(r, "print", List.of(), Type.BOOLEAN, "writes its operands to the print sink");
    evaluator(r, "trace", List.of(Type.STRING), Type.BOOLEAN, "emits a trace note");
    evaluator(r, "internal.member_2", List.of(any, any), Type.BOOLEAN, "x in xs");
    evaluator(r, "internal.member_3", List.of(any, any, any), Type.BOOLEAN, "k, v in xs");
    evaluator(r, "rego.metadata.rule", List.of(), any, "annotations of the current rule");
    evaluator(r, "rego.metadata.chain", List.of(), Type.array(any), "annotation chain");
    evaluator(r, "opa.runtime", List.of(), Type.object(Type.STRING, any), "runtime facts");
    evaluator(
        r,
        "http.send",
        List.of(Type.object(Type.STRING, any)),
        Type.object(any, any),
        "sends an HTTP request (off unless network is allowed)");
    evaluator(
        r,
        "net.lookup_ip_addr",
        List.of(Type.STRING),
        Type.set(Type.STRING),
        "resolves a host name (off unless network is allowed)");
    if (r.get("time.now_ns") == null) {
      r.register(
          new BuiltinDecl(
              "time.now_ns",
              List.of(),
              Type.NUMBER,
              "nanoseconds since the epoch when the query started",
              true),
          (ctx, args) -> NumberValue.of(ctx.queryTimeNanos()));
    }
  }

  private static void evaluator(
      BuiltinRegistry r, String name, List<Type> args, Type result, String description) {
    if (r.get(name) != null) {
      return;
    }
    r.register(
        BuiltinDecl.of(name, args, result, description),
        (BuiltinContext ctx, Value[] a) -> {
          throw BuiltinException.error("runs only inside the evaluator");
        });
  }
}
