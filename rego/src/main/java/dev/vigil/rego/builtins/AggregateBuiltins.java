package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.NUMBER;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/** Builtins of the Aggregate family: count, sum, product, max, min, sort, and v0's all/any. */
final class AggregateBuiltins {

  private static final Type COLLECTION = Type.anyOf(Type.set(ANY), Type.array(ANY));
  private static final Type NUMBERS = Type.anyOf(Type.set(NUMBER), Type.array(NUMBER));

  private AggregateBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "count",
        List.of(Type.anyOf(Type.array(ANY), Type.object(ANY, ANY), Type.set(ANY), Type.STRING)),
        NUMBER,
        "Counts the elements of a collection, or the characters (code points) of a string.",
        (c, a) -> NumberValue.of(count(a[0])));
    r.register(
        "sum",
        List.of(NUMBERS),
        NUMBER,
        "Sums a collection of numbers.",
        (c, a) -> accumulate(c, a, BigInteger.ZERO, true));
    r.register(
        "product",
        List.of(NUMBERS),
        NUMBER,
        "Multiplies a collection of numbers.",
        (c, a) -> accumulate(c, a, BigInteger.ONE, false));
    r.register(
        "max",
        List.of(COLLECTION),
        ANY,
        "Returns the greatest element of a collection; undefined when it is empty.",
        (c, a) -> {
          List<Value> xs = elements(c, a, 0);
          return xs.isEmpty()
              ? null
              : xs.stream().max((x, y) -> Values.compare(x, y, c::charge)).orElseThrow();
        });
    r.register(
        "min",
        List.of(COLLECTION),
        ANY,
        "Returns the least element of a collection; undefined when it is empty.",
        (c, a) -> {
          List<Value> xs = elements(c, a, 0);
          return xs.isEmpty()
              ? null
              : xs.stream().min((x, y) -> Values.compare(x, y, c::charge)).orElseThrow();
        });
    r.register(
        "sort",
        List.of(COLLECTION),
        Type.array(ANY),
        "Returns the elements of a collection as a sorted array.",
        (c, a) -> {
          // A comparison walks both values: n log n of them over deep values charge as they go.
          Value[] xs = elements(c, a, 0).toArray(new Value[0]);
          Arrays.sort(xs, (x, y) -> Values.compare(x, y, c::charge));
          return ArrayValue.wrap(xs);
        });
    Type arrayOrSet = Type.anyOf(Type.array(ANY), Type.set(ANY));
    r.register(
        "all",
        List.of(arrayOrSet),
        BOOLEAN,
        "Deprecated (v0 only): checks that every element of a collection is true.",
        (c, a) -> BooleanValue.of(elements(c, a, 0).stream().allMatch(BooleanValue.TRUE::equals)));
    r.register(
        "any",
        List.of(arrayOrSet),
        BOOLEAN,
        "Deprecated (v0 only): checks that some element of a collection is true.",
        (c, a) -> BooleanValue.of(elements(c, a, 0).stream().anyMatch(BooleanValue.TRUE::equals)));
  }

  private static int count(Value v) {
    return switch (v) {
      case ArrayValue a -> a.size();
      case ObjectValue o -> o.size();
      case SetValue s -> s.size();
      case StringValue s -> s.value().codePointCount(0, s.value().length());
      default -> throw NumberOperands.oneOf(0, v, "array", "object", "set", "string");
    };
  }

  /**
   * Returns the elements of an array or set operand (a set's in sorted order, sorted the first time
   * with the work charged to {@code c}).
   */
  static List<Value> elements(BuiltinContext c, Value[] args, int index) {
    return switch (args[index]) {
      case ArrayValue a -> a.elements();
      case SetValue s -> s.elements(c::charge);
      default -> throw NumberOperands.oneOf(index, args[index], "set", "array");
    };
  }

  /** Sums or multiplies exactly when every element is an integer, else as OPA's big floats. */
  private static Value accumulate(
      BuiltinContext c, Value[] args, BigInteger identity, boolean sum) {
    List<Value> xs = elements(c, args, 0);
    BigInteger exact = identity;
    boolean integers = true;
    for (Value x : xs) {
      if (!(x instanceof NumberValue n)) {
        throw NumberOperands.elementError(0, args[0], x, "number");
      }
      NumberOperands.checkSize(n, 0);
      if (integers && n.isInteger()) {
        exact = sum ? exact.add(n.bigInteger()) : exact.multiply(n.bigInteger());
        if (exact.bitLength() > 4 * NumberOperands.MAX_DIGITS) {
          throw BuiltinException.error(
              "result has more than " + NumberOperands.MAX_DIGITS + " digits");
        }
      } else {
        integers = false;
      }
    }
    if (integers) {
      return NumberValue.of(exact);
    }
    BigDecimal acc = new BigDecimal(identity);
    for (Value x : xs) {
      BigDecimal n = ((NumberValue) x).bigDecimal();
      acc = sum ? NumberBigFloat.add(acc, n) : NumberBigFloat.multiply(acc, n);
    }
    return NumberBigFloat.toNumber(acc);
  }
}
