package dev.vigil.rego.builtins;

/**
 * Finds a substring in text, charging the query's time budget as it goes.
 *
 * <p>Why: {@link String#indexOf(String)} tries the substring at each position of the text, and at
 * worst (a substring of "a"s ending in "b", in a text of "a"s) compares all of it at each, the
 * product of the two lengths: strings of a million characters are then hundreds of billions of
 * comparisons in one builtin call, which no deadline check would interrupt. The search is made
 * window by window instead, each window a run of positions whose worst case is bounded, and the
 * positions searched are charged as {@link MeteredText} charges a matcher: a unit per 16 positions,
 * times one more per 64 characters of the substring. Within a window the JDK's search runs at full
 * speed.
 *
 * <p>One instance per substring searched in one builtin call; used by one thread.
 */
final class TextSearch {

  /** Positions times (one more per 64 characters of the substring) searched in one window. */
  private static final int WINDOW_WORK = 1024;

  private final String sub;
  private final int window;
  private final Positions positions;

  private TextSearch(BuiltinContext ctx, String sub) {
    this.sub = sub;
    this.window = (int) Math.max(1, WINDOW_WORK / perPosition(sub));
    this.positions = new Positions(ctx, java.util.List.of(sub));
  }

  /** Returns a search for {@code sub}, charged to {@code ctx}. */
  static TextSearch of(BuiltinContext ctx, String sub) {
    return new TextSearch(ctx, sub);
  }

  /**
   * Returns the index (in chars) of the first occurrence of the substring in {@code text} at or
   * after {@code from}, or -1. An empty substring is found at {@code from}.
   *
   * @throws dev.vigil.rego.RegoException {@code eval_cancel_error} when the query's time budget is
   *     spent
   */
  int indexOf(String text, int from) {
    int last = text.length() - sub.length();
    for (int start = Math.max(0, from); start <= last; start += window) {
      // Positions start .. start + window - 1: the occurrence found must end by their end.
      int end = (int) Math.min(text.length(), (long) start + window + sub.length() - 1);
      int at = text.indexOf(sub, start, end);
      positions.step(at >= 0 ? at - start + 1 : Math.min(window, last - start + 1));
      if (at >= 0) {
        return at;
      }
    }
    return -1;
  }

  /** Returns whether {@code text} contains the substring. */
  boolean foundIn(String text) {
    return indexOf(text, 0) >= 0;
  }

  /**
   * Returns the work, sixteen to a unit, of trying {@code pattern} at one position of a text: one,
   * plus one per 64 of its characters.
   */
  static long perPosition(String pattern) {
    return 1L + (pattern.length() >> 6);
  }

  /**
   * Charges a scan that tries patterns position by position itself (a replacement, a cutset) by the
   * same model: {@link #step} per position, a charge once a few units of work have built up.
   */
  static final class Positions {

    /** Work (sixteen to a unit) built up between two charges. */
    private static final int CHARGE_EVERY = 1024;

    private final BuiltinContext ctx;
    private final long workPerPosition;
    private long work;

    /** Returns a meter of positions at each of which every one of {@code patterns} is tried. */
    Positions(BuiltinContext ctx, Iterable<String> patterns) {
      this.ctx = ctx;
      long w = 0;
      for (String p : patterns) {
        w += perPosition(p);
      }
      this.workPerPosition = w;
    }

    /** Takes note of one more position tried. */
    void step() {
      step(1);
    }

    /** Takes note of {@code n} more positions tried. */
    void step(long n) {
      work += n * workPerPosition;
      if (work >= CHARGE_EVERY) {
        ctx.charge(work >> 4);
        work &= 15;
      }
    }
  }
}
