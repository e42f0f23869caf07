package dev.vigil.rego.builtins;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;

/**
 * How large a value one query may build, counted as {@link Values#unsharedSize}: the size of the
 * value written out in full.
 *
 * <p>Why a size and not only time: values share their parts, so a value can be far larger than the
 * work that built it ({@code x1 := [x0, x0]}, forty times over, is forty steps and 2^40 values),
 * and a builtin can make a string far larger than its operands ({@code replace} of every position
 * of a long string by another). Either would then cost a builtin, a comparison or the caller that
 * writes the answer out more time and memory than any budget allows, in one step that no clock
 * check can interrupt. Refusing such a value where it is made keeps every later pass over any value
 * of the query in proportion to the limit.
 *
 * <p>The limit is {@link #FLOOR} plus four times the size of the query's input and data, so that a
 * policy may copy and combine large documents a few times over. Immutable and thread-safe.
 */
public final class SizeLimit {

  /** The limit of a query whose documents are empty: about 16 million values and characters. */
  public static final long FLOOR = 1L << 24;

  private static final SizeLimit NONE = new SizeLimit(Long.MAX_VALUE);

  private final long max;

  private SizeLimit(long max) {
    this.max = max;
  }

  /**
   * Returns the limit of a query over {@code input} and {@code data}, either of which may be null.
   */
  public static SizeLimit forDocuments(Value input, Value data) {
    long documents = 0;
    if (input != null) {
      documents = add(documents, Values.unsharedSize(input));
    }
    if (data != null) {
      documents = add(documents, Values.unsharedSize(data));
    }
    long scaled = documents > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : documents * 4;
    return new SizeLimit(add(FLOOR, scaled));
  }

  /** Returns no limit, for tools and tests that call builtins directly. */
  public static SizeLimit none() {
    return NONE;
  }

  /** Returns true when a value of {@code size} may be built: a comparison, cheap to call often. */
  public boolean allows(long size) {
    return size <= max;
  }

  /**
   * Checks that a value of {@code size} may be built.
   *
   * @param what names the value for the error, as {@code "the array"} or {@code "the result of
   *     replace"}
   * @throws RegoException {@code eval_cancel_error} naming {@code what} when it may not
   */
  public void check(long size, String what, Location at) {
    if (size > max) {
      throw new RegoException(
          new RegoError(
              "eval_cancel_error",
              "value too large: "
                  + what
                  + " would be "
                  + (size == Long.MAX_VALUE ? "over " + Long.MAX_VALUE : String.valueOf(size))
                  + " values and characters written out, over this query's limit of "
                  + max,
              at));
    }
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
