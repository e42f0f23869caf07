package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import java.util.List;

/** Builtins of the Type family: {@code is_*}, {@code type_name} and v0's deprecated casts. */
final class TypeBuiltins {

  private TypeBuiltins() {}

  static void register(BuiltinRegistry r) {
    check(r, "is_number", NumberValue.class, "a number");
    check(r, "is_string", StringValue.class, "a string");
    check(r, "is_boolean", BooleanValue.class, "a boolean");
    check(r, "is_array", ArrayValue.class, "an array");
    check(r, "is_set", SetValue.class, "a set");
    check(r, "is_object", ObjectValue.class, "an object");
    check(r, "is_null", NullValue.class, "null");
    r.register(
        "type_name",
        List.of(ANY),
        STRING,
        "Returns the kind of a value: null, boolean, number, string, array, object or set.",
        (c, a) -> StringValue.of(a[0].typeName()));
    registerCasts(r);
  }

  private static void check(BuiltinRegistry r, String name, Class<?> kind, String words) {
    r.register(
        name,
        List.of(ANY),
        BOOLEAN,
        "Checks whether a value is " + words + ".",
        (c, a) -> BooleanValue.of(kind.isInstance(a[0])));
  }

  private static void registerCasts(BuiltinRegistry r) {
    Type arrayOrSet = Type.anyOf(Type.array(ANY), Type.set(ANY));
    r.register(
        "cast_array",
        List.of(arrayOrSet),
        Type.array(ANY),
        "Deprecated (v0 only): converts a set or array to an array.",
        (c, a) ->
            switch (a[0]) {
              case ArrayValue arr -> arr;
              case SetValue s -> ArrayValue.of(s.elements(c::charge));
              default -> throw NumberOperands.oneOf(0, a[0], "array", "set");
            });
    r.register(
        "cast_set",
        List.of(arrayOrSet),
        Type.set(ANY),
        "Deprecated (v0 only): converts an array or set to a set.",
        (c, a) ->
            switch (a[0]) {
              case ArrayValue arr -> SetValue.of(arr.elements());
              case SetValue s -> s;
              default -> throw NumberOperands.oneOf(0, a[0], "array", "set");
            });
    cast(r, "cast_string", StringValue.class, "string", STRING);
    cast(r, "cast_boolean", BooleanValue.class, "boolean", BOOLEAN);
    cast(r, "cast_null", NullValue.class, "null", Type.NULL);
    cast(r, "cast_object", ObjectValue.class, "object", Type.object(ANY, ANY));
  }

  private static void cast(
      BuiltinRegistry r, String name, Class<?> kind, String kindName, Type result) {
    r.register(
        name,
        List.of(ANY),
        result,
        "Deprecated (v0 only): returns the operand when it is a " + kindName + ".",
        (c, a) -> {
          if (!kind.isInstance(a[0])) {
            throw BuiltinException.operandType(1, a[0], kindName);
          }
          return a[0];
        });
  }
}
