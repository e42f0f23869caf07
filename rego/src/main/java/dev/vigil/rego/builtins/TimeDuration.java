package dev.vigil.rego.builtins;

import java.util.Map;

/**
 * Go's duration syntax, as {@code time.ParseDuration} reads it: an optional sign, then one or more
 * decimal numbers each with a unit ({@code ns}, {@code us} or {@code µs}, {@code ms}, {@code s},
 * {@code m}, {@code h}), such as {@code 1h2m3.5s}. Errors use Go's words.
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

  /** Returns the duration in nanoseconds. */
  static long parse(String orig) {
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
