package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Values;
import java.util.List;
import java.util.function.IntPredicate;

/** Builtins of the Comparison family: the operators {@code == != < > <= >=}, on any values. */
final class ComparisonBuiltins {

  private ComparisonBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "equal",
        List.of(ANY, ANY),
        BOOLEAN,
        "Checks that two values are equal.",
        (ctx, a) -> BooleanValue.of(a[0].equals(a[1])));
    r.register(
        "neq",
        List.of(ANY, ANY),
        BOOLEAN,
        "Checks that two values are not equal.",
        (ctx, a) -> BooleanValue.of(!a[0].equals(a[1])));
    order(r, "lt", "less than", c -> c < 0);
    order(r, "gt", "greater than", c -> c > 0);
    order(r, "lte", "less than or equal to", c -> c <= 0);
    order(r, "gte", "greater than or equal to", c -> c >= 0);
  }

  private static void order(BuiltinRegistry r, String name, String words, IntPredicate test) {
    r.register(
        name,
        List.of(ANY, ANY),
        BOOLEAN,
        "Checks that the first value is " + words + " the second, in OPA's ordering of values.",
        (ctx, a) -> BooleanValue.of(test.test(Values.compare(a[0], a[1], ctx::charge))));
  }
}
