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
public final class MeteredText implements CharSequence {

  /** Characters read between two charges. */
  static final int STRIDE = 1024;

  private final String text;
  private final BuiltinContext ctx;
  private final long unitsPerStride;
  private int reads;

  private MeteredText(String text, BuiltinContext ctx, long unitsPerStride) {
    this.text = text;
    this.ctx = ctx;
    this.unitsPerStride = unitsPerStride;
  }

  /**
   * Returns {@code text} read through a counter charged to {@code ctx} for a matcher of {@code
   * pattern}: a unit per 16 characters read, times one more per 64 characters of the pattern, as
   * the matcher's work per character grows with the pattern.
   */
  public static MeteredText of(BuiltinContext ctx, String text, String pattern) {
    return new MeteredText(text, ctx, (STRIDE >> 4) * (1L + (pattern.length() >> 6)));
  }

  @Override
  public char charAt(int index) {
    if (++reads == STRIDE) {
      reads = 0;
      ctx.charge(unitsPerStride);
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
