package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Operand readers shared by the core families, worded as OPA words its operand errors. */
final class NumberOperands {

  /** The most decimal digits (before or after the point) a number may have in arithmetic. */
  static final int MAX_DIGITS = 100_000;

  /**
   * The longest number text (digits, sign, point and exponent) a builtin parses: as long as the
   * engine accepts in input documents. Decimal text is parsed in time quadratic in its length, a
   * million digits in about a minute in one step no deadline check can interrupt, so longer text is
   * refused before it is parsed.
   */
  static final int MAX_TEXT = 10_000;

  private NumberOperands() {}

  /**
   * Refuses number text longer than {@link #MAX_TEXT} characters, before it is parsed. The message
   * leaves the builtin's name to the evaluator, which puts it in front of every builtin's error.
   */
  static void checkText(CharSequence text) {
    if (text.length() > MAX_TEXT) {
      throw BuiltinException.limit(
          "number of "
              + text.length()
              + " characters is longer than the "
              + MAX_TEXT
              + " Vigil parses");
    }
  }

  /** Reads a number operand, refusing one too large to compute with in reasonable time. */
  static NumberValue number(Value[] args, int index) {
    NumberValue n = Operands.number(args, index);
    checkSize(n, index);
    return n;
  }

  /** Refuses a number with more than {@link #MAX_DIGITS} digits on either side of the point. */
  static void checkSize(NumberValue n, int index) {
    var d = n.bigDecimal();
    if (d.signum() != 0 && (d.scale() > MAX_DIGITS || d.precision() - d.scale() > MAX_DIGITS)) {
      throw BuiltinException.limit(
          "operand "
              + (index + 1)
              + " has more than "
              + MAX_DIGITS
              + " digits, more than Vigil computes with");
    }
  }

  /**
   * Returns {@code n}, the result of arithmetic, after checking that it has at most {@link
   * #MAX_DIGITS} digits on either side of the point, as its operands must: so that no chain of
   * operations ({@code x * x} repeated, {@code bits.lsh}) can grow a number past the limit even
   * once.
   */
  static NumberValue result(NumberValue n) {
    var d = n.bigDecimal();
    if (d.signum() != 0 && (d.scale() > MAX_DIGITS || d.precision() - d.scale() > MAX_DIGITS)) {
      throw BuiltinException.limit(
          "result has more than " + MAX_DIGITS + " digits, more than Vigil computes with");
    }
    return n;
  }

  /** Reads an integer that fits an int, as OPA's int operands: a fraction is a type error. */
  static int intOperand(Value[] args, int index) {
    BigInteger i = bigIntOperand(args, index, "number");
    if (i.bitLength() > 31) {
      throw BuiltinException.type(
          "operand " + (index + 1) + " must be integer number but got a too large integer");
    }
    return i.intValue();
  }

  /** Reads an integer of any size; a fraction is a type error. */
  static BigInteger bigIntOperand(Value[] args, int index) {
    return bigIntOperand(args, index, "integer");
  }

  private static BigInteger bigIntOperand(Value[] args, int index, String kind) {
    if (!(args[index] instanceof NumberValue n)) {
      throw BuiltinException.operandType(index + 1, args[index], kind);
    }
    if (!n.isInteger()) {
      throw BuiltinException.type(
          "operand " + (index + 1) + " must be integer number but got floating-point number");
    }
    checkSize(n, index);
    return n.bigInteger();
  }

  /**
   * Reads an array or set of strings, failing as OPA does: {@code operand 1 must be array of
   * strings but got array containing number}.
   */
  static List<String> stringsOperand(Value[] args, int index) {
    List<Value> elements =
        switch (args[index]) {
          case ArrayValue a -> a.elements();
          case SetValue s -> s.elements();
          default ->
              throw BuiltinException.type(
                  "operand "
                      + (index + 1)
                      + " must be one of {array, set} but got "
                      + args[index].typeName());
        };
    List<String> out = new ArrayList<>(elements.size());
    for (Value e : elements) {
      if (!(e instanceof StringValue s)) {
        throw elementError(index, args[index], e, "string");
      }
      out.add(s.value());
    }
    return out;
  }

  /** Returns OPA's error for a wrong element: {@code must be array of strings but got ...}. */
  static BuiltinException elementError(int index, Value composite, Value element, String want) {
    String kind = composite.typeName();
    return BuiltinException.type(
        "operand "
            + (index + 1)
            + " must be "
            + kind
            + " of "
            + want
            + "s but got "
            + kind
            + " containing "
            + element.typeName());
  }

  /** Returns OPA's error naming several accepted kinds: {@code must be one of {a, b} ...}. */
  static BuiltinException oneOf(int index, Value got, String... kinds) {
    return BuiltinException.type(
        "operand "
            + (index + 1)
            + " must be one of {"
            + String.join(", ", kinds)
            + "} but got "
            + got.typeName());
  }
}
