package dev.vigil.rego.builtins;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's duration syntax, as {@code time.ParseDuration} reads it: an optional sign, then one or more
 * decimal numbers each with a unit ({@code ns}, {@code us} or {@code µs}, {@code ms}, {@code s},
 * {@code m}, {@code h}), such as {@code 1h2m3.5s}. OPA also accepts days, weeks and 365-day years
 * ({@code d}, {@code w}, {@code y}); errors use Go's words.
 */
final class TimeDuration {

  private TimeDuration() {}

  private static final Map<String, Long> UNITS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L,
          "\u03bcs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private static final long LIMIT = Long.MIN_VALUE; // 1<<63 as an unsigned bound

  /** Thrown with Go's message, such as {@code time: invalid duration "x"}. */
  static final class DurationException extends RuntimeException {
    DurationException(String message) {
      super(message, null, false, false);
    }
  }

  /** Days, weeks and years, which OPA accepts beyond Go's units: 24h, 7d and 365d. */
  private static final Map<String, Long> CALENDAR_UNITS =
      Map.of(
          "d", 86_400_000_000_000L,
          "w", 604_800_000_000_000L,
          "y", 31_536_000_000_000_000L);

  /**
   * Returns the duration in nanoseconds: Go's syntax, or else segments that also use {@code d},
   * {@code w} and {@code y} (such as {@code 1d2h}). A text neither accepts fails with Go's error.
   */
  static long parse(String orig) {
    try {
      return parseGo(orig);
    } catch (DurationException goError) {
      Long extended = parseExtended(orig);
      if (extended == null) {
        throw goError;
      }
      return extended;
    }
  }

  private static final Pattern SEGMENT = Pattern.compile("([0-9.]+)(ms|us|\u00b5s|ns|[a-z])");

  /** Reads {@code [-+]? (digits unit)+} with the calendar units; null when it does not fit. */
  private static Long parseExtended(String s) {
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    NumberOperands.checkText(s);
    Matcher m = SEGMENT.matcher(s);
    BigDecimal total = BigDecimal.ZERO;
    int pos = 0;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos) {
        return null;
      }
      Long unit = CALENDAR_UNITS.getOrDefault(m.group(2), UNITS.get(m.group(2)));
      if (unit == null || !m.group(1).matches("[0-9]*\\.?[0-9]*") || m.group(1).equals(".")) {
        return null;
      }
      total = total.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
      pos = m.end();
    }
    if (pos == 0) {
      return null;
    }
    BigInteger ns = total.toBigInteger();
    if (neg) {
      ns = ns.negate();
    }
    return ns.bitLength() < 64 ? ns.longValue() : null;
  }

  private static long parseGo(String orig) {
    String s = orig;
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    long d = 0; // unsigned
    while (!s.isEmpty()) {
      char c0 = s.charAt(0);
      if (!(c0 == '.' || (c0 >= '0' && c0 <= '9'))) {
        throw invalid(orig);
      }
      int i = 0;
      long v = 0;
      while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 0x80) {
        if (Long.compareUnsigned(v, Long.divideUnsigned(LIMIT, 10)) > 0) {
          throw invalid(orig);
        }
        v = v * 10 + (s.charAt(i) - '0');
        if (v < 0 && v != Long.MIN_VALUE) {
          throw invalid(orig);
        }
        i++;
      }
      boolean pre = i > 0;
      s = s.substring(i);
      long f = 0;
      double scale = 1;
      boolean post = false;
      if (!s.isEmpty() && s.charAt(0) == '.') {
        s = s.substring(1);
        int j = 0;
        boolean overflow = false;
        while (j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
          if (!overflow) {
            if (f > (Long.MAX_VALUE - 9) / 10) {
              overflow = true;
            } else {
              f = f * 10 + (s.charAt(j) - '0');
              scale *= 10;
            }
          }
          j++;
        }
        post = j > 0;
        s = s.substring(j);
      }
      if (!pre && !post) {
        throw invalid(orig);
      }
      int u = 0;
      while (u < s.length() && s.charAt(u) != '.' && !(s.charAt(u) >= '0' && s.charAt(u) <= '9')) {
        u++;
      }
      if (u == 0) {
        throw new DurationException("time: missing unit in duration " + TimeLayout.quote(orig));
      }
      String unitName = s.substring(0, u);
      s = s.substring(u);
      Long unit = UNITS.get(unitName);
      if (unit == null) {
        throw new DurationException(
            "time: unknown unit "
                + TimeLayout.quote(unitName)
                + " in duration "
                + TimeLayout.quote(orig));
      }
      if (Long.compareUnsigned(v, Long.divideUnsigned(LIMIT, unit)) > 0) {
        throw invalid(orig);
      }
      v *= unit;
      if (f > 0) {
        v += (long) (f * (unit / scale));
        if (Long.compareUnsigned(v, LIMIT) > 0) {
          throw invalid(orig);
        }
      }
      d += v;
      if (Long.compareUnsigned(d, LIMIT) > 0 || Long.compareUnsigned(d, v) < 0) {
        throw invalid(orig);
      }
    }
    if (neg) {
      return -d;
    }
    if (Long.compareUnsigned(d, Long.MAX_VALUE) > 0) {
      throw invalid(orig);
    }
    return d;
  }

  private static DurationException invalid(String orig) {
    return new DurationException("time: invalid duration " + TimeLayout.quote(orig));
  }
}
