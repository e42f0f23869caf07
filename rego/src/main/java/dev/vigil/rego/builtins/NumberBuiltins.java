package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.NULL;
import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Builtins of the Number family: arithmetic, rounding, ranges, {@code to_number} and bitwise
 * operations.
 *
 * <p>Integers of any size are computed exactly. When an operand has a fraction, the operation runs
 * as OPA runs it, on 64-bit-mantissa binary floats (see {@link NumberBigFloat}).
 */
final class NumberBuiltins {

  /** The longest array {@code numbers.range} builds, so that a typo cannot exhaust memory. */
  static final int MAX_RANGE = 10_000_000;

  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(?:[0-9]++(?:\\.[0-9]*+)?|\\.[0-9]++)(?:[eE][+-]?[0-9]++)?");
  private static final Pattern HEX_FLOAT =
      Pattern.compile(
          "[+-]?0[xX](?:[0-9a-fA-F]++(?:\\.[0-9a-fA-F]*+)?|\\.[0-9a-fA-F]++)[pP][+-]?[0-9]++");

  private NumberBuiltins() {}

  static void register(BuiltinRegistry r) {
    List<Type> twoNumbers = List.of(NUMBER, NUMBER);
    r.register(
        "plus",
        twoNumbers,
        NUMBER,
        "Adds two numbers.",
        arith(BigInteger::add, NumberBigFloat::add));
    r.register(
        "minus",
        List.of(Type.anyOf(NUMBER, Type.set(ANY)), Type.anyOf(NUMBER, Type.set(ANY))),
        Type.anyOf(NUMBER, Type.set(ANY)),
        "Subtracts the second number from the first, or gives the difference of two sets.",
        NumberBuiltins::minus);
    r.register(
        "mul",
        twoNumbers,
        NUMBER,
        "Multiplies two numbers.",
        arith(BigInteger::multiply, NumberBigFloat::multiply));
    r.register(
        "div",
        twoNumbers,
        NUMBER,
        "Divides the first number by the second.",
        (c, a) -> divide(NumberOperands.number(a, 0), NumberOperands.number(a, 1)));
    r.register(
        "rem",
        twoNumbers,
        NUMBER,
        "Returns the remainder of dividing the first integer by the second.",
        (c, a) -> remainder(NumberOperands.number(a, 0), NumberOperands.number(a, 1)));
    unary(r, "abs", "Returns the absolute value of a number.", BigInteger::abs, BigDecimal::abs);
    unary(
        r,
        "round",
        "Rounds a number to the nearest integer, halves away from zero.",
        i -> i,
        NumberBigFloat::roundHalfAway);
    unary(r, "ceil", "Rounds a number up to an integer.", i -> i, NumberBigFloat::ceil);
    unary(r, "floor", "Rounds a number down to an integer.", i -> i, NumberBigFloat::floor);
    r.register(
        "numbers.range",
        twoNumbers,
        Type.array(NUMBER),
        "Returns the integers from the first to the second operand, both included.",
        (c, a) ->
            range(
                c,
                "numbers.range",
                NumberOperands.bigIntOperand(a, 0),
                NumberOperands.bigIntOperand(a, 1),
                1));
    r.register(
        "numbers.range_step",
        List.of(NUMBER, NUMBER, NUMBER),
        Type.array(NUMBER),
        "Returns the integers from the first to the second operand in steps, both included.",
        NumberBuiltins::rangeStep);
    r.register(
        "to_number",
        List.of(Type.anyOf(NULL, BOOLEAN, NUMBER, STRING)),
        NUMBER,
        "Converts a string, boolean or null to a number.",
        (c, a) -> toNumber(a[0]));
    registerBits(r);
  }

  private static void registerBits(BuiltinRegistry r) {
    List<Type> two = List.of(NUMBER, NUMBER);
    r.register(
        "bits.or", two, NUMBER, "Returns the bitwise OR of two integers.", bits(BigInteger::or));
    r.register(
        "bits.and", two, NUMBER, "Returns the bitwise AND of two integers.", bits(BigInteger::and));
    r.register(
        "bits.xor", two, NUMBER, "Returns the bitwise XOR of two integers.", bits(BigInteger::xor));
    r.register(
        "bits.negate",
        List.of(NUMBER),
        NUMBER,
        "Returns the bitwise negation (flip) of an integer.",
        (c, a) -> NumberValue.of(NumberOperands.bigIntOperand(a, 0).not()));
    r.register(
        "bits.lsh",
        two,
        NUMBER,
        "Shifts an integer's bits to the left.",
        (c, a) ->
            NumberOperands.result(
                NumberValue.of(NumberOperands.bigIntOperand(a, 0).shiftLeft(shift(a)))));
    r.register(
        "bits.rsh",
        two,
        NUMBER,
        "Shifts an integer's bits to the right.",
        (c, a) -> NumberValue.of(NumberOperands.bigIntOperand(a, 0).shiftRight(shift(a))));
  }

  private static BuiltinFunction arith(
      BinaryOperator<BigInteger> exact, BinaryOperator<BigDecimal> onFloat) {
    return (c, a) -> {
      NumberValue x = NumberOperands.number(a, 0);
      NumberValue y = NumberOperands.number(a, 1);
      if (x.isInteger() && y.isInteger()) {
        return NumberOperands.result(NumberValue.of(exact.apply(x.bigInteger(), y.bigInteger())));
      }
      return NumberBigFloat.toNumber(onFloat.apply(x.bigDecimal(), y.bigDecimal()));
    };
  }

  private static Value minus(BuiltinContext c, Value[] a) {
    if (a[0] instanceof NumberValue x && a[1] instanceof NumberValue y) {
      NumberOperands.checkSize(x, 0);
      NumberOperands.checkSize(y, 1);
      if (x.isInteger() && y.isInteger()) {
        return NumberValue.of(x.bigInteger().subtract(y.bigInteger()));
      }
      return NumberBigFloat.toNumber(NumberBigFloat.subtract(x.bigDecimal(), y.bigDecimal()));
    }
    if (a[0] instanceof SetValue x && a[1] instanceof SetValue y) {
      Set<Value> diff = new HashSet<>(x.asSet());
      diff.removeAll(y.asSet());
      return SetValue.wrap(diff);
    }
    if (!(a[0] instanceof NumberValue) && !(a[0] instanceof SetValue)) {
      throw NumberOperands.oneOf(0, a[0], "number", "set");
    }
    throw BuiltinException.operandType(2, a[1], a[0] instanceof SetValue ? "set" : "number");
  }

  static NumberValue divide(NumberValue x, NumberValue y) {
    if (y.signum() == 0) {
      throw BuiltinException.error("divide by zero");
    }
    if (x.isInteger() && y.isInteger()) {
      BigInteger[] qr = x.bigInteger().divideAndRemainder(y.bigInteger());
      if (qr[1].signum() == 0) {
        return NumberValue.of(qr[0]);
      }
    }
    return NumberBigFloat.toNumber(NumberBigFloat.divide(x.bigDecimal(), y.bigDecimal()));
  }

  static NumberValue remainder(NumberValue x, NumberValue y) {
    if (!x.isInteger() || !y.isInteger()) {
      throw BuiltinException.error("modulo on floating-point number");
    }
    if (y.signum() == 0) {
      throw BuiltinException.error("modulo by zero");
    }
    return NumberValue.of(x.bigInteger().remainder(y.bigInteger()));
  }

  private static void unary(
      BuiltinRegistry r,
      String name,
      String description,
      UnaryOperator<BigInteger> onInteger,
      UnaryOperator<BigDecimal> onFloat) {
    r.register(
        name,
        List.of(NUMBER),
        NUMBER,
        description,
        (c, a) -> {
          NumberValue n = NumberOperands.number(a, 0);
          if (n.isInteger()) {
            return NumberValue.of(onInteger.apply(n.bigInteger()));
          }
          return NumberBigFloat.toNumber(onFloat.apply(NumberBigFloat.round(n.bigDecimal())));
        });
  }

  private static Value rangeStep(BuiltinContext c, Value[] a) {
    BigInteger from = NumberOperands.bigIntOperand(a, 0);
    BigInteger to = NumberOperands.bigIntOperand(a, 1);
    BigInteger step = NumberOperands.bigIntOperand(a, 2);
    if (step.signum() <= 0) {
      throw BuiltinException.error("step must be a positive number above zero");
    }
    if (step.bitLength() > 62) {
      return ArrayValue.of(NumberValue.of(from));
    }
    return range(c, "numbers.range_step", from, to, step.longValue());
  }

  /** Builds the range, charging a unit per number: one call can build ten million of them. */
  static Value range(BuiltinContext c, String name, BigInteger from, BigInteger to, long step) {
    BigInteger span = to.subtract(from).abs().divide(BigInteger.valueOf(step));
    if (span.compareTo(BigInteger.valueOf(MAX_RANGE)) >= 0) {
      throw BuiltinException.limit(
          "range of "
              + span.add(BigInteger.ONE)
              + " numbers is longer than the limit of "
              + MAX_RANGE);
    }
    int n = span.intValue() + 1;
    // Each number is at least one character written out: refused before the array is allocated.
    c.checkSize(name, 1L + n);
    Value[] out = new Value[n];
    BigInteger delta = BigInteger.valueOf(from.compareTo(to) <= 0 ? step : -step);
    BigInteger i = from;
    for (int k = 0; k < n; k++) {
      c.charge(1);
      out[k] = NumberValue.of(i);
      i = i.add(delta);
    }
    return ArrayValue.wrap(out);
  }

  private static Value toNumber(Value v) {
    return switch (v) {
      case NullValue n -> NumberValue.ZERO;
      case BooleanValue b -> b.value() ? NumberValue.ONE : NumberValue.ZERO;
      case NumberValue n -> n;
      case StringValue s -> parseNumber(s.value());
      default -> throw NumberOperands.oneOf(0, v, "null", "boolean", "number", "string");
    };
  }

  /** Parses a number as Go's {@code strconv.ParseFloat} accepts it, keeping decimals exact. */
  static NumberValue parseNumber(String s) {
    String word = s.replaceFirst("^[+-]+", "").toLowerCase(Locale.ROOT);
    if (word.equals("inf") || word.equals("infinity") || word.equals("nan")) {
      throw BuiltinException.type("operand 1 must be valid number string but got string");
    }
    NumberOperands.checkText(s);
    BigDecimal value;
    if (DECIMAL.matcher(s).matches()) {
      value = new BigDecimal(s.startsWith("+") ? s.substring(1) : s);
    } else if (HEX_FLOAT.matcher(s).matches()) {
      value = new BigDecimal(Double.parseDouble(s));
    } else {
      throw BuiltinException.error(
          "strconv.ParseFloat: parsing " + goQuote(s) + ": invalid syntax");
    }
    if (Double.isInfinite(value.doubleValue())) {
      throw BuiltinException.error(
          "strconv.ParseFloat: parsing " + goQuote(s) + ": value out of range");
    }
    return NumberValue.of(value);
  }

  private static String goQuote(String s) {
    return StringBuiltins.goQuote(s, false);
  }

  private static BuiltinFunction bits(BinaryOperator<BigInteger> op) {
    return (c, a) ->
        NumberValue.of(
            op.apply(NumberOperands.bigIntOperand(a, 0), NumberOperands.bigIntOperand(a, 1)));
  }

  private static int shift(Value[] a) {
    BigInteger n = NumberOperands.bigIntOperand(a, 1);
    if (n.signum() < 0) {
      throw BuiltinException.type(
          "operand 2 must be an unsigned integer number but got a negative integer");
    }
    if (n.bitLength() > 20) {
      throw BuiltinException.limit("shift of " + n + " bits is more than the limit of 1048575");
    }
    return n.intValue();
  }
}
