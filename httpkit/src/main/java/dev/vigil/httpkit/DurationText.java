package dev.vigil.httpkit;

import java.time.Duration;
import java.util.List;

/**
 * The one way Vigil reads a duration a person wrote, in {@code vigil.yaml}, on the command line and
 * in the API: Go's compound form as Teleport and OPA users write it ({@code 90s}, {@code 2h},
 * {@code 1h30m}), plus {@code d} for 24 hours. Each part is a whole number and a unit among {@code
 * d}, {@code h}, {@code m}, {@code s} and {@code ms}, the units from the largest down, each once.
 *
 * <p>Go's sign, fractions ({@code 1.5h}), bare numbers and its {@code us}/{@code ns} are refused
 * with a message that says what to write instead: nothing Vigil times needs them, and a sign or a
 * fraction in a lifetime is more often a slip than a wish. The total is at most {@link #MAX}, so
 * that adding it to the time of day never overflows. (Rego's {@code time.parse_duration_ns} keeps
 * Go's own grammar: policies are OPA's.)
 *
 * <p>Messages quote the value and never name where it came from: the caller prefixes the key, the
 * option or the field.
 */
public final class DurationText {

  /** The longest duration read: a hundred years of days. */
  public static final Duration MAX = Duration.ofDays(36500);

  /** What a message says the reader may write. */
  public static final String FORM = "a number and a unit (d, h, m, s, ms), like 90s, 30m or 1h30m";

  private static final List<String> UNITS = List.of("d", "h", "m", "s", "ms");
  private static final long[] UNIT_MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

  private DurationText() {}

  /**
   * Reads {@code text}, which may be zero ({@code 0s}); surrounding blanks are ignored.
   *
   * @throws IllegalArgumentException quoting the text and saying what is wrong with it
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("\"\" is not a duration; write " + FORM);
    }
    if (t.startsWith("-")) {
      throw new IllegalArgumentException("\"" + text + "\" is negative; write " + FORM);
    }
    long total = 0;
    int lastUnit = -1;
    int i = 0;
    while (i < t.length()) {
      int digits = i;
      while (i < t.length() && Character.isDigit(t.charAt(i)) && t.charAt(i) < 128) {
        i++;
      }
      if (i == digits) {
        throw notADuration(text);
      }
      String number = t.substring(digits, i).replaceFirst("^0+(?=\\d)", "");
      if (i < t.length() && t.charAt(i) == '.') {
        throw new IllegalArgumentException(
            "\"" + text + "\" has a fraction; write whole units, like 1h30m rather than 1.5h");
      }
      int unitStart = i;
      while (i < t.length() && Character.isLetter(t.charAt(i))) {
        i++;
      }
      int unit = UNITS.indexOf(t.substring(unitStart, i));
      if (unitStart == i) {
        throw new IllegalArgumentException(
            "\"" + text + "\" has no unit after " + number + "; write " + FORM);
      }
      if (unit < 0) {
        throw notADuration(text);
      }
      if (unit <= lastUnit) {
        throw new IllegalArgumentException(
            "\"" + text + "\" repeats a unit or puts a smaller one first; write " + FORM);
      }
      lastUnit = unit;
      total = add(text, total, number, UNIT_MILLIS[unit]);
    }
    return Duration.ofMillis(total);
  }

  /**
   * Reads {@code text} as {@link #parse} does, refusing zero: a lifetime, an interval or a wait of
   * zero would only fail later with a message about something else.
   */
  public static Duration positive(String text) {
    Duration d = parse(text);
    if (d.isZero()) {
      throw new IllegalArgumentException("\"" + text.strip() + "\" must be longer than 0");
    }
    return d;
  }

  /**
   * Writes {@code d} as {@link #parse} reads it, largest units first: {@code 1h30m}, {@code 0s}.
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    // Hours up to two days read better than days: 24h, 36h; a longer span is given in days.
    int first = ms >= 2 * UNIT_MILLIS[0] ? 0 : 1;
    for (int u = first; u < UNITS.size(); u++) {
      long n = ms / UNIT_MILLIS[u];
      if (n > 0) {
        out.append(n).append(UNITS.get(u));
        ms -= n * UNIT_MILLIS[u];
      }
    }
    return out.toString();
  }

  private static long add(String text, long total, String number, long unitMillis) {
    long left = (MAX.toMillis() - total) / unitMillis;
    // Digits beyond a long's are beyond the limit too; so is any count above what is left.
    if (number.length() > 15 || Long.parseLong(number) > left) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is too long: at most " + MAX.toDays() + "d");
    }
    return total + Long.parseLong(number) * unitMillis;
  }

  private static IllegalArgumentException notADuration(String text) {
    return new IllegalArgumentException("\"" + text + "\" is not a duration; write " + FORM);
  }
}
