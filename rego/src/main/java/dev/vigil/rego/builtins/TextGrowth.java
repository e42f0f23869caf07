package dev.vigil.rego.builtins;

import dev.vigil.rego.ast.Location;
import java.util.function.LongConsumer;

/**
 * Watches text as a builtin (or {@code print}) writes it, told the text's length as it grows: it
 * checks the length against the query's {@link SizeLimit} and charges the query's {@link
 * TimeBudget} a unit per 16 characters, as {@link TimeBudget} charges a string.
 *
 * <p>Why as it grows: a builtin that formats ({@code sprintf}, {@code concat}, a template) can
 * write text far larger than its operands, the product of a format's length and a value's size.
 * Checked only once the result is complete, such text is allocated in full first, which can exhaust
 * memory; checked as it grows, the writer stops at most one step past the limit.
 *
 * <p>One instance per piece of text, used by one thread. Lengths it is told must not decrease.
 */
public final class TextGrowth implements LongConsumer {

  private final LongConsumer sizeCheck;
  private final LongConsumer charge;
  private long charged;

  private TextGrowth(LongConsumer sizeCheck, LongConsumer charge) {
    this.sizeCheck = sizeCheck;
    this.charge = charge;
  }

  /** Returns a watcher of the result of {@code builtin}, within the limits of {@code ctx}. */
  public static TextGrowth of(BuiltinContext ctx, String builtin) {
    return new TextGrowth(length -> ctx.checkSize(builtin, length), ctx::charge);
  }

  /**
   * Returns a watcher of the text that evaluation writes at {@code at}, named {@code what} in the
   * error, such as {@code "the line print writes"}.
   */
  public static TextGrowth of(SizeLimit limit, TimeBudget budget, String what, Location at) {
    return new TextGrowth(
        length -> {
          if (!limit.allows(length)) {
            limit.check(length, what, at);
          }
        },
        budget::charge);
  }

  /**
   * Takes note that the text is now {@code length} characters long.
   *
   * @throws dev.vigil.rego.RegoException {@code eval_cancel_error} when the text, counted as a
   *     string (one more than its length), is larger than the query's limit, or the query's time
   *     budget is spent
   */
  @Override
  public void accept(long length) {
    sizeCheck.accept(1 + length);
    long units = (length >> 4) - charged;
    if (units > 0) {
      charged += units;
      charge.accept(units);
    }
  }
}
