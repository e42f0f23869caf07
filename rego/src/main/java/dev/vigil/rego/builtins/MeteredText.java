package dev.vigil.rego.builtins;

/**
 * A string as a matcher reads it, charging the query's time budget as characters are read.
 *
 * <p>Why: RE2/J matches in time linear in the input, but the factor is the size of the pattern, and
 * {@code regex.find_n} or {@code regex.split} run the matcher once per match. A pattern of a few
 * thousand alternatives over a string of millions of characters is billions of steps in one builtin
 * call, which would otherwise run to its end past any deadline. Every step of the matcher reads a
 * character through {@link #charAt}, so counting reads bounds the work done between two looks at
 * the clock: a counter increment per character, a charge every {@link #STRIDE} reads.
 */
final class MeteredText implements CharSequence {

  /** Characters read between two charges. */
  static final int STRIDE = 1024;

  private final String text;
  private final BuiltinContext ctx;
  private int reads;

  private MeteredText(String text, BuiltinContext ctx) {
    this.text = text;
    this.ctx = ctx;
  }

  /** Returns {@code text} read through a counter charged to {@code ctx}. */
  static MeteredText of(BuiltinContext ctx, String text) {
    return new MeteredText(text, ctx);
  }

  @Override
  public char charAt(int index) {
    if (++reads == STRIDE) {
      reads = 0;
      // A unit per 16 characters, as the budget charges a string (TimeBudget.weight).
      ctx.charge(STRIDE >> 4);
    }
    return text.charAt(index);
  }

  @Override
  public int length() {
    return text.length();
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return text.subSequence(start, end);
  }

  @Override
  public String toString() {
    return text;
  }
}
