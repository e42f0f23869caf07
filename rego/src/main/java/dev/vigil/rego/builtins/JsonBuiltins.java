package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * Builtins that edit JSON documents: {@code json.filter} and {@code json.remove} select by paths,
 * {@code json.patch} applies a JSON Patch (RFC 6902) and is undefined when the patch fails.
 */
final class JsonBuiltins {

  private JsonBuiltins() {}

  private static final Type PATH = Type.anyOf(Type.STRING, Type.array(Type.ANY));
  private static final Type PATHS = Type.anyOf(Type.set(PATH), Type.array(PATH));
  private static final Type OBJECT = Type.object(Type.ANY, Type.ANY);

  static void register(BuiltinRegistry r) {
    r.register(
        "json.filter",
        List.of(OBJECT, PATHS),
        Type.ANY,
        "Filters the object to keep only the values at the given JSON paths.",
        (ctx, a) -> {
          ObjectValue o = Operands.object(a, 0);
          return JsonPaths.filter(ctx, o, JsonPaths.tree(JsonPaths.parseAll(ctx, a[1])));
        });
    r.register(
        "json.remove",
        List.of(OBJECT, PATHS),
        Type.ANY,
        "Removes the values at the given JSON paths from the object.",
        (ctx, a) -> {
          ObjectValue o = Operands.object(a, 0);
          return JsonPaths.remove(ctx, o, JsonPaths.tree(JsonPaths.parseAll(ctx, a[1])));
        });
    r.register(
        "json.patch",
        List.of(Type.ANY, Type.array(OBJECT)),
        Type.ANY,
        "Patches the document with JSON Patch operations (RFC 6902); undefined when one fails.",
        (ctx, a) -> patch(ctx, a[0], a));
  }

  private static Value patch(BuiltinContext c, Value doc, Value[] a) {
    try {
      return JsonPatch.apply(c, doc, Operands.array(a, 1));
    } catch (JsonPatch.PatchException e) {
      return null;
    }
  }
}
