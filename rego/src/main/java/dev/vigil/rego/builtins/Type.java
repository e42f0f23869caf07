package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The type of a builtin's operand or result, as declared in the registry. Used by the compiler's
 * type checks and to reject operands of the wrong kind with OPA's message before a builtin runs.
 */
public sealed interface Type {

  Type ANY = new Any();
  Type STRING = new Scalar("string");
  Type NUMBER = new Scalar("number");
  Type BOOLEAN = new Scalar("boolean");
  Type NULL = new Scalar("null");

  /** Returns true when the value's top-level kind fits this type. */
  boolean accepts(Value v);

  /** Returns the name used in messages: {@code string}, {@code array}, {@code object}, ... */
  String describe();

  static Type array(Type of) {
    return new ArrayOf(of);
  }

  static Type set(Type of) {
    return new SetOf(of);
  }

  static Type object(Type key, Type value) {
    return new ObjectOf(key, value);
  }

  static Type anyOf(Type... types) {
    return new AnyOf(List.of(types));
  }

  record Any() implements Type {
    public boolean accepts(Value v) {
      return true;
    }

    public String describe() {
      return "any";
    }
  }

  record Scalar(String name) implements Type {
    public boolean accepts(Value v) {
      return switch (name) {
        case "string" -> v instanceof StringValue;
        case "number" -> v instanceof NumberValue;
        case "boolean" -> v instanceof BooleanValue;
        default -> v instanceof NullValue;
      };
    }

    public String describe() {
      return name;
    }
  }

  record ArrayOf(Type element) implements Type {
    public boolean accepts(Value v) {
      return v instanceof ArrayValue;
    }

    public String describe() {
      return "array";
    }
  }

  record SetOf(Type element) implements Type {
    public boolean accepts(Value v) {
      return v instanceof SetValue;
    }

    public String describe() {
      return "set";
    }
  }

  record ObjectOf(Type key, Type value) implements Type {
    public boolean accepts(Value v) {
      return v instanceof ObjectValue;
    }

    public String describe() {
      return "object";
    }
  }

  record AnyOf(List<Type> types) implements Type {
    public boolean accepts(Value v) {
      for (Type t : types) {
        if (t.accepts(v)) {
          return true;
        }
      }
      return false;
    }

    /** Returns {@code one of {string, set, array}}, as OPA words a choice of types. */
    public String describe() {
      return "one of {"
          + types.stream().map(Type::describe).distinct().collect(Collectors.joining(", "))
          + "}";
    }
  }
}
