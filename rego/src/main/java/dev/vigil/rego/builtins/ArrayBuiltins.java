package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.NUMBER;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Value;
import java.util.List;

/** Builtins of the Array family: concat, slice and reverse. */
final class ArrayBuiltins {

  private ArrayBuiltins() {}

  static void register(BuiltinRegistry r) {
    Type array = Type.array(ANY);
    r.register(
        "array.concat",
        List.of(array, array),
        array,
        "Joins two arrays.",
        (c, a) -> {
          ArrayValue x = Operands.array(a, 0);
          ArrayValue y = Operands.array(a, 1);
          Value[] out = new Value[x.size() + y.size()];
          for (int i = 0; i < x.size(); i++) {
            out[i] = x.get(i);
          }
          for (int i = 0; i < y.size(); i++) {
            out[x.size() + i] = y.get(i);
          }
          return ArrayValue.wrap(out);
        });
    r.register(
        "array.slice",
        List.of(array, NUMBER, NUMBER),
        array,
        "Returns the elements from index start up to (not including) stop, clamped to the array.",
        ArrayBuiltins::slice);
    r.register(
        "array.reverse",
        List.of(array),
        array,
        "Returns the elements of an array in reverse order.",
        (c, a) -> {
          ArrayValue x = Operands.array(a, 0);
          Value[] out = new Value[x.size()];
          for (int i = 0; i < out.length; i++) {
            out[i] = x.get(out.length - 1 - i);
          }
          return ArrayValue.wrap(out);
        });
  }

  private static Value slice(BuiltinContext c, Value[] a) {
    ArrayValue x = Operands.array(a, 0);
    long start = clampedInt(a, 1);
    long stop = clampedInt(a, 2);
    stop = Math.max(0, Math.min(stop, x.size()));
    start = Math.max(0, Math.min(start, stop));
    Value[] out = new Value[(int) (stop - start)];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.get((int) start + i);
    }
    return ArrayValue.wrap(out);
  }

  /** Reads an integer index; values beyond the long range clamp as well as any other. */
  private static long clampedInt(Value[] a, int index) {
    var n = NumberOperands.bigIntOperand(a, index);
    if (n.bitLength() > 62) {
      return n.signum() < 0 ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
    return n.longValue();
  }
}
