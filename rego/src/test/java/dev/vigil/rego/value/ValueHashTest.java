package dev.vigil.rego.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Values an input can choose so that they share one hash code under an unkeyed hash get hash codes
 * spread as random ones are. Regression: strings hashed as Java's {@link String#hashCode}, numbers
 * as {@link BigDecimal#hashCode}, arrays as a polynomial, sets as a sum and objects as a sum of key
 * XOR value, so each family below had one hash code and a set or object of its members compared
 * every lookup against all of them.
 */
class ValueHashTest {

  /** Members of each family: 2^12. */
  static final int BLOCKS = 12;

  static final int N = 1 << BLOCKS;

  /**
   * Allowed repeats among N hash codes: random 32-bit codes repeat with odds of about 1 in 500, so
   * more than a handful means the hash is not random.
   */
  static final int REPEATS = 4;

  /** The i-th string of {@code blocks} blocks, each "Aa" or "BB": all share Java's hash code. */
  static String colliding(int i, int blocks) {
    StringBuilder sb = new StringBuilder(2 * blocks);
    for (int b = 0; b < blocks; b++) {
      sb.append((i >> b & 1) == 0 ? "Aa" : "BB");
    }
    return sb.toString();
  }

  static List<String> collidingStrings() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      out.add(colliding(i, BLOCKS));
    }
    return out;
  }

  /** Numbers u × 10^(31u), u not a multiple of ten: BigDecimal hashes each to 31u - 31u = 0. */
  static List<BigDecimal> collidingNumbers() {
    List<BigDecimal> out = new ArrayList<>();
    for (int u = 1; out.size() < N; u++) {
      if (u % 10 != 0) {
        out.add(BigDecimal.valueOf(u).scaleByPowerOfTen(31 * u));
      }
    }
    return out;
  }

  private static <T> long distinct(List<T> xs, Function<T, Object> f) {
    return xs.stream().map(f).distinct().count();
  }

  private static long distinctHashes(List<? extends Value> values) {
    return values.stream().mapToInt(Value::hashCode).distinct().count();
  }

  @Test
  void hashCode_stringsOfOneJavaHash_spread() {
    List<String> strings = collidingStrings();
    List<StringValue> values = strings.stream().map(StringValue::of).toList();

    assertThat(distinct(strings, String::hashCode)).as("the family collides in Java").isEqualTo(1);
    assertThat(distinctHashes(values)).isGreaterThanOrEqualTo(N - REPEATS);
  }

  @Test
  void hashCode_numbersOfOneBigDecimalHash_spread() {
    List<BigDecimal> numbers = collidingNumbers();
    List<NumberValue> values = numbers.stream().map(NumberValue::of).toList();

    assertThat(distinct(numbers, BigDecimal::hashCode)).isEqualTo(1);
    assertThat(distinctHashes(values)).isGreaterThanOrEqualTo(N - REPEATS);
  }

  @Test
  void hashCode_arraysOfPolynomialCollisions_spread() {
    // [i, 31 (M - i)]: 31 h(i) + h(31 (M - i)) is 961 M for every i, as BigDecimal hashes a
    // number n with no trailing zero 31 n.
    long m = 10L * N + 1;
    List<ArrayValue> pairs = new ArrayList<>();
    for (long i = 1; pairs.size() < N; i++) {
      if (i % 10 != 0 && (m - i) % 10 != 0) {
        pairs.add(ArrayValue.of(NumberValue.of(i), NumberValue.of(31 * (m - i))));
      }
    }
    List<ArrayValue> wrapped = new ArrayList<>();
    for (String s : collidingStrings()) {
      wrapped.add(ArrayValue.of(StringValue.of(s)));
    }

    assertThat(distinctHashes(pairs)).isGreaterThanOrEqualTo(N - REPEATS);
    assertThat(distinctHashes(wrapped)).isGreaterThanOrEqualTo(N - REPEATS);
  }

  @Test
  void hashCode_objectsAndSetsWhosePartsCancel_spread() {
    // {k: k} cancels as key XOR value; {n, -n} as a sum of h(n) = 31 n.
    List<ObjectValue> selfKeyed = new ArrayList<>();
    List<SetValue> opposites = new ArrayList<>();
    for (int i = 1; selfKeyed.size() < N; i++) {
      if (i % 10 != 0) {
        StringValue k = StringValue.of("k" + i);
        selfKeyed.add(ObjectValue.of(k, k));
        opposites.add(SetValue.of(NumberValue.of(i), NumberValue.of(-i)));
      }
    }

    assertThat(distinctHashes(selfKeyed)).isGreaterThanOrEqualTo(N - REPEATS);
    assertThat(distinctHashes(opposites)).isGreaterThanOrEqualTo(N - REPEATS);
  }

  @Test
  void write_setAndObjectOfCollidingStrings_inSortedOrder() {
    List<String> strings = collidingStrings();
    Map<Value, Value> m = new HashMap<>();
    for (String s : strings) {
      m.put(StringValue.of(s), NumberValue.ONE);
    }
    List<String> sorted = strings.stream().sorted().toList();

    String set = Json.write(SetValue.of(strings.stream().map(StringValue::of).toList()));
    String object = Json.write(ObjectValue.wrap(m));

    assertThat(set)
        .isEqualTo(sorted.stream().map(Json::quote).collect(Collectors.joining(",", "[", "]")));
    assertThat(object)
        .isEqualTo(
            sorted.stream()
                .map(s -> Json.quote(s) + ":1")
                .collect(Collectors.joining(",", "{", "}")));
  }

  @Test
  void hashCode_equalValuesBuiltApart_equal() {
    String text = "{\"a\": [1, 1.0, \"x\"], \"b\": {\"c\": 10}}";
    Value a = Json.parse(text);
    Value b =
        ObjectValue.of(
            StringValue.of("b"),
            ObjectValue.of(StringValue.of("c"), NumberValue.of(new BigDecimal("1e1"))),
            StringValue.of("a"),
            ArrayValue.of(NumberValue.of(1), NumberValue.parse("1.00"), new StringValue("x")));

    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(SetValue.of(a).contains(b)).isTrue();
  }
}
