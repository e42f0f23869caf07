package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Builtins of the Rand family: {@code rand.intn}, stable within one query. */
final class RandBuiltins {

  private record CacheKey(String key, long n) {}

  private RandBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        new BuiltinDecl(
            "rand.intn",
            List.of(STRING, NUMBER),
            NUMBER,
            "Returns a random integer in [0, |n|), the same one for the same operands within a"
                + " query.",
            true),
        RandBuiltins::intn);
  }

  private static Value intn(BuiltinContext c, Value[] a) {
    String key = Operands.string(a, 0);
    BigInteger n = NumberOperands.bigIntOperand(a, 1).abs();
    if (n.signum() == 0) {
      return NumberValue.ZERO;
    }
    if (n.bitLength() > 63) {
      throw BuiltinException.type("operand 2 must be an integer that fits 64 bits");
    }
    long bound = n.longValue();
    return (Value)
        c.queryCache()
            .computeIfAbsent(
                new CacheKey(key, bound),
                k -> NumberValue.of(ThreadLocalRandom.current().nextLong(bound)));
  }
}
