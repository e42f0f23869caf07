package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;

/** Calls builtins of the standard registry the way the evaluator does, for tests. */
final class BuiltinCalls {

  private BuiltinCalls() {}

  static Value call(String name, Value... args) {
    Builtin b = BuiltinRegistry.standard().get(name);
    if (b == null) {
      throw new AssertionError("builtin not registered: " + name);
    }
    return b.invoke(SimpleBuiltinContext.system(), args);
  }

  static Value call(BuiltinContext ctx, String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(ctx, args);
  }

  static Value json(String text) {
    return Json.parse(text);
  }

  static Value str(String s) {
    return StringValue.of(s);
  }
}
