package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;

/** Reads operands of a builtin, failing with OPA's type-error message when the kind is wrong. */
public final class Operands {

  private Operands() {}

  public static String string(Value[] args, int index) {
    if (args[index] instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operandType(index + 1, args[index], "string");
  }

  public static NumberValue number(Value[] args, int index) {
    if (args[index] instanceof NumberValue n) {
      return n;
    }
    throw BuiltinException.operandType(index + 1, args[index], "number");
  }

  /** Reads an integer operand; a fractional number is an {@code eval_type_error}. */
  public static long integer(Value[] args, int index) {
    NumberValue n = number(args, index);
    Long l = n.longValueExact();
    if (l == null) {
      throw BuiltinException.type(
          "operand " + (index + 1) + " must be integer number but got floating-point number");
    }
    return l;
  }

  public static ArrayValue array(Value[] args, int index) {
    if (args[index] instanceof ArrayValue a) {
      return a;
    }
    throw BuiltinException.operandType(index + 1, args[index], "array");
  }

  public static SetValue set(Value[] args, int index) {
    if (args[index] instanceof SetValue s) {
      return s;
    }
    throw BuiltinException.operandType(index + 1, args[index], "set");
  }

  public static ObjectValue object(Value[] args, int index) {
    if (args[index] instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.operandType(index + 1, args[index], "object");
  }
}
