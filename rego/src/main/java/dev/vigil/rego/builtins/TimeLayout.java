package dev.vigil.rego.builtins;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Go's time layouts, which describe a format by writing the reference time {@code Mon Jan 2
 * 15:04:05 MST 2006} the way the format would: {@code 2006-01-02T15:04:05Z07:00} is RFC 3339.
 *
 * <p>A layout is read as literal text between standard chunks ({@code 2006}, {@code Jan}, {@code
 * 05}, {@code .000}, {@code Z07:00} ...), exactly as Go's {@code time} package splits it, so that
 * {@link #parse} accepts what {@code time.Parse} accepts and fails with the same words ({@code
 * parsing time "x" as "2006": cannot parse "x" as "2006"}), and {@link #format} writes what {@code
 * Time.Format} writes. A zone abbreviation such as {@code PST} in parsed text is recorded with a
 * zero offset, as Go does when the abbreviation is not the local zone's.
 */
final class TimeLayout {

  private TimeLayout() {}

  /** Thrown with the text of Go's {@code time.ParseError}. */
  static final class ParseException extends RuntimeException {
    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  /** An instant parsed from text: seconds since the epoch and the nanosecond within. */
  record Parsed(long epochSecond, int nano) {

    /** Returns nanoseconds since the epoch, or null when that does not fit in 64 bits. */
    Long unixNanos() {
      BigInteger ns =
          BigInteger.valueOf(epochSecond)
              .multiply(BigInteger.valueOf(1_000_000_000L))
              .add(BigInteger.valueOf(nano));
      return ns.bitLength() < 64 ? ns.longValue() : null;
    }
  }

  // Standard chunks, as Go numbers them in spirit; the values only need to be distinct.
  private static final int NONE = 0;
  private static final int LONG_MONTH = 1;
  private static final int MONTH = 2;
  private static final int NUM_MONTH = 3;
  private static final int ZERO_MONTH = 4;
  private static final int LONG_WEEKDAY = 5;
  private static final int WEEKDAY = 6;
  private static final int DAY = 7;
  private static final int UNDER_DAY = 8;
  private static final int ZERO_DAY = 9;
  private static final int UNDER_YEAR_DAY = 10;
  private static final int ZERO_YEAR_DAY = 11;
  private static final int HOUR = 12;
  private static final int HOUR12 = 13;
  private static final int ZERO_HOUR12 = 14;
  private static final int MINUTE = 15;
  private static final int ZERO_MINUTE = 16;
  private static final int SECOND = 17;
  private static final int ZERO_SECOND = 18;
  private static final int LONG_YEAR = 19;
  private static final int YEAR = 20;
  private static final int PM = 21;
  private static final int PM_LOWER = 22;
  private static final int TZ = 23;
  private static final int ISO_TZ = 24;
  private static final int ISO_SECONDS_TZ = 25;
  private static final int ISO_SHORT_TZ = 26;
  private static final int ISO_COLON_TZ = 27;
  private static final int ISO_COLON_SECONDS_TZ = 28;
  private static final int NUM_TZ = 29;
  private static final int NUM_SECONDS_TZ = 30;
  private static final int NUM_SHORT_TZ = 31;
  private static final int NUM_COLON_TZ = 32;
  private static final int NUM_COLON_SECONDS_TZ = 33;
  private static final int FRAC0 = 34;
  private static final int FRAC9 = 35;

  private static final String[] LONG_MONTHS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December"
  };
  private static final String[] LONG_DAYS = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
  };

  /**
   * One step through a layout: the literal prefix, the standard chunk after it (its kind, the
   * layout text it came from, and for fractions the digit count and separator), and the rest.
   */
  private record Chunk(String prefix, int std, String text, int digits, char sep, String suffix) {}

  private static boolean startsWithLower(String s, int i) {
    return i < s.length() && s.charAt(i) >= 'a' && s.charAt(i) <= 'z';
  }

  private static boolean isDigit(String s, int i) {
    return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9';
  }

  private static Chunk chunk(String layout, int i, int std, int len) {
    return new Chunk(
        layout.substring(0, i),
        std,
        layout.substring(i, i + len),
        0,
        '.',
        layout.substring(i + len));
  }

  /** Splits the layout at its first standard chunk, as Go's {@code nextStdChunk}. */
  private static Chunk next(String layout) {
    for (int i = 0; i < layout.length(); i++) {
      char c = layout.charAt(i);
      switch (c) {
        case 'J' -> {
          if (layout.startsWith("Jan", i)) {
            if (layout.startsWith("January", i)) {
              return chunk(layout, i, LONG_MONTH, 7);
            }
            if (!startsWithLower(layout, i + 3)) {
              return chunk(layout, i, MONTH, 3);
            }
          }
        }
        case 'M' -> {
          if (layout.startsWith("Mon", i)) {
            if (layout.startsWith("Monday", i)) {
              return chunk(layout, i, LONG_WEEKDAY, 6);
            }
            if (!startsWithLower(layout, i + 3)) {
              return chunk(layout, i, WEEKDAY, 3);
            }
          }
          if (layout.startsWith("MST", i)) {
            return chunk(layout, i, TZ, 3);
          }
        }
        case '0' -> {
          if (i + 1 < layout.length()
              && layout.charAt(i + 1) >= '1'
              && layout.charAt(i + 1) <= '6') {
            int[] std0x = {ZERO_MONTH, ZERO_DAY, ZERO_HOUR12, ZERO_MINUTE, ZERO_SECOND, YEAR};
            return chunk(layout, i, std0x[layout.charAt(i + 1) - '1'], 2);
          }
          if (layout.startsWith("002", i)) {
            return chunk(layout, i, ZERO_YEAR_DAY, 3);
          }
        }
        case '1' -> {
          if (layout.startsWith("15", i)) {
            return chunk(layout, i, HOUR, 2);
          }
          return chunk(layout, i, NUM_MONTH, 1);
        }
        case '2' -> {
          if (layout.startsWith("2006", i)) {
            return chunk(layout, i, LONG_YEAR, 4);
          }
          return chunk(layout, i, DAY, 1);
        }
        case '_' -> {
          if (layout.startsWith("_2", i)) {
            if (layout.startsWith("_2006", i)) {
              return chunk(layout, i + 1, LONG_YEAR, 4);
            }
            return chunk(layout, i, UNDER_DAY, 2);
          }
          if (layout.startsWith("__2", i)) {
            return chunk(layout, i, UNDER_YEAR_DAY, 3);
          }
        }
        case '3' -> {
          return chunk(layout, i, HOUR12, 1);
        }
        case '4' -> {
          return chunk(layout, i, MINUTE, 1);
        }
        case '5' -> {
          return chunk(layout, i, SECOND, 1);
        }
        case 'P' -> {
          if (layout.startsWith("PM", i)) {
            return chunk(layout, i, PM, 2);
          }
        }
        case 'p' -> {
          if (layout.startsWith("pm", i)) {
            return chunk(layout, i, PM_LOWER, 2);
          }
        }
        case '-' -> {
          Chunk z =
              zoneChunk(
                  layout,
                  i,
                  "-",
                  NUM_SECONDS_TZ,
                  NUM_COLON_SECONDS_TZ,
                  NUM_TZ,
                  NUM_COLON_TZ,
                  NUM_SHORT_TZ);
          if (z != null) {
            return z;
          }
        }
        case 'Z' -> {
          Chunk z =
              zoneChunk(
                  layout,
                  i,
                  "Z",
                  ISO_SECONDS_TZ,
                  ISO_COLON_SECONDS_TZ,
                  ISO_TZ,
                  ISO_COLON_TZ,
                  ISO_SHORT_TZ);
          if (z != null) {
            return z;
          }
        }
        case '.', ',' -> {
          if (i + 1 < layout.length()
              && (layout.charAt(i + 1) == '0' || layout.charAt(i + 1) == '9')) {
            char d = layout.charAt(i + 1);
            int j = i + 1;
            while (j < layout.length() && layout.charAt(j) == d) {
              j++;
            }
            if (!isDigit(layout, j)) {
              return new Chunk(
                  layout.substring(0, i),
                  d == '0' ? FRAC0 : FRAC9,
                  layout.substring(i, j),
                  j - (i + 1),
                  c,
                  layout.substring(j));
            }
          }
        }
        default -> {}
      }
    }
    return new Chunk(layout, NONE, "", 0, '.', "");
  }

  private static Chunk zoneChunk(
      String layout,
      int i,
      String lead,
      int seconds,
      int colonSeconds,
      int plain,
      int colon,
      int shortTz) {
    if (layout.startsWith(lead + "070000", i)) {
      return chunk(layout, i, seconds, 7);
    }
    if (layout.startsWith(lead + "07:00:00", i)) {
      return chunk(layout, i, colonSeconds, 9);
    }
    if (layout.startsWith(lead + "0700", i)) {
      return chunk(layout, i, plain, 5);
    }
    if (layout.startsWith(lead + "07:00", i)) {
      return chunk(layout, i, colon, 6);
    }
    if (layout.startsWith(lead + "07", i)) {
      return chunk(layout, i, shortTz, 3);
    }
    return null;
  }

  // ---- formatting ----

  /** Writes the time in the layout, as Go's {@code Time.Format}. */
  static String format(ZonedDateTime t, String layout) {
    StringBuilder sb = new StringBuilder();
    String rest = layout;
    while (!rest.isEmpty()) {
      Chunk c = next(rest);
      sb.append(c.prefix());
      if (c.std() == NONE) {
        break;
      }
      rest = c.suffix();
      formatChunk(t, c, sb);
    }
    return sb.toString();
  }

  private static void formatChunk(ZonedDateTime t, Chunk c, StringBuilder sb) {
    int hour = t.getHour();
    switch (c.std()) {
      case YEAR -> pad(sb, Math.floorMod(t.getYear(), 100), 2);
      case LONG_YEAR -> pad(sb, t.getYear(), 4);
      case MONTH -> sb.append(LONG_MONTHS[t.getMonthValue() - 1], 0, 3);
      case LONG_MONTH -> sb.append(LONG_MONTHS[t.getMonthValue() - 1]);
      case NUM_MONTH -> sb.append(t.getMonthValue());
      case ZERO_MONTH -> pad(sb, t.getMonthValue(), 2);
      case WEEKDAY -> sb.append(weekday(t), 0, 3);
      case LONG_WEEKDAY -> sb.append(weekday(t));
      case DAY -> sb.append(t.getDayOfMonth());
      case UNDER_DAY -> sb.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
      case ZERO_DAY -> pad(sb, t.getDayOfMonth(), 2);
      case UNDER_YEAR_DAY -> {
        String d = Integer.toString(t.getDayOfYear());
        sb.append(" ".repeat(3 - d.length())).append(d);
      }
      case ZERO_YEAR_DAY -> pad(sb, t.getDayOfYear(), 3);
      case HOUR -> pad(sb, hour, 2);
      case HOUR12 -> sb.append(hour % 12 == 0 ? 12 : hour % 12);
      case ZERO_HOUR12 -> pad(sb, hour % 12 == 0 ? 12 : hour % 12, 2);
      case MINUTE -> sb.append(t.getMinute());
      case ZERO_MINUTE -> pad(sb, t.getMinute(), 2);
      case SECOND -> sb.append(t.getSecond());
      case ZERO_SECOND -> pad(sb, t.getSecond(), 2);
      case PM -> sb.append(hour >= 12 ? "PM" : "AM");
      case PM_LOWER -> sb.append(hour >= 12 ? "pm" : "am");
      case TZ -> sb.append(zoneName(t));
      case FRAC0, FRAC9 -> fraction(sb, t.getNano(), c);
      default -> zoneOffset(sb, t.getOffset().getTotalSeconds(), c.std());
    }
  }

  private static String weekday(ZonedDateTime t) {
    return LONG_DAYS[t.getDayOfWeek().getValue() % 7];
  }

  private static void pad(StringBuilder sb, int n, int width) {
    if (n < 0) {
      sb.append('-');
      n = -n;
    }
    String s = Integer.toString(n);
    sb.append("0".repeat(Math.max(0, width - s.length()))).append(s);
  }

  private static void fraction(StringBuilder sb, int nano, Chunk c) {
    String digits = String.format("%09d", nano).substring(0, Math.min(9, c.digits()));
    if (c.std() == FRAC9) {
      int end = digits.length();
      while (end > 0 && digits.charAt(end - 1) == '0') {
        end--;
      }
      if (end == 0) {
        return;
      }
      digits = digits.substring(0, end);
    }
    sb.append(c.sep()).append(digits);
  }

  private static void zoneOffset(StringBuilder sb, int offset, int std) {
    boolean iso =
        std == ISO_TZ
            || std == ISO_SECONDS_TZ
            || std == ISO_SHORT_TZ
            || std == ISO_COLON_TZ
            || std == ISO_COLON_SECONDS_TZ;
    if (iso && offset == 0) {
      sb.append('Z');
      return;
    }
    int zone = offset / 60;
    int abs = Math.abs(offset);
    sb.append(zone < 0 ? '-' : '+');
    zone = Math.abs(zone);
    pad(sb, zone / 60, 2);
    boolean colon =
        std == ISO_COLON_TZ
            || std == NUM_COLON_TZ
            || std == ISO_COLON_SECONDS_TZ
            || std == NUM_COLON_SECONDS_TZ;
    if (colon) {
      sb.append(':');
    }
    if (std != NUM_SHORT_TZ && std != ISO_SHORT_TZ) {
      pad(sb, zone % 60, 2);
    }
    if (std == ISO_SECONDS_TZ
        || std == NUM_SECONDS_TZ
        || std == NUM_COLON_SECONDS_TZ
        || std == ISO_COLON_SECONDS_TZ) {
      if (colon) {
        sb.append(':');
      }
      pad(sb, abs % 60, 2);
    }
  }

  private static final DateTimeFormatter ZONE_ABBREVIATION =
      DateTimeFormatter.ofPattern("zzz", Locale.US);

  /**
   * Returns the zone abbreviation ({@code PST}, {@code IST}); where the zone database has none, the
   * numeric form the IANA data uses ({@code +04}).
   */
  private static String zoneName(ZonedDateTime t) {
    String id = t.getZone().getId();
    if (id.equals("UTC") || id.equals("Z") || id.equals("Etc/UTC")) {
      return "UTC";
    }
    String name = ZONE_ABBREVIATION.format(t);
    if (name.startsWith("GMT") && name.length() > 3
        || name.startsWith("+")
        || name.startsWith("-")) {
      int offset = t.getOffset().getTotalSeconds();
      StringBuilder sb = new StringBuilder(offset < 0 ? "-" : "+");
      int minutes = Math.abs(offset) / 60;
      pad(sb, minutes / 60, 2);
      if (minutes % 60 != 0) {
        pad(sb, minutes % 60, 2);
      }
      return sb.toString();
    }
    return name;
  }

  // ---- parsing ----

  /**
   * Parses the value in the layout, as Go's {@code time.Parse} with UTC as the default zone.
   *
   * @throws ParseException with the text of Go's {@code time.ParseError}
   */
  static Parsed parse(String layout, String value) {
    return new Reading(layout, value).run();
  }

  /**
   * One run of {@link #parse}: the rest of the layout and of the value, and the fields read so far.
   * Each chunk's reader consumes its text from {@code value} and answers false when the text does
   * not fit the chunk; a field out of range is noted in {@code rangeErr} instead.
   */
  private static final class Reading {
    private final String alayout;
    private final String avalue;
    private String layout;
    private String value;
    private String rangeErr;
    private boolean amSet;
    private boolean pmSet;
    private int year;
    private int month = -1;
    private int day = -1;
    private int yday = -1;
    private int hour;
    private int min;
    private int sec;
    private int nsec;
    private boolean utc;
    private int zoneOffset = Integer.MIN_VALUE;

    Reading(String layout, String value) {
      this.alayout = layout;
      this.avalue = value;
      this.layout = layout;
      this.value = value;
    }

    Parsed run() {
      while (true) {
        Chunk c = next(layout);
        String afterPrefix = skip(value, c.prefix());
        if (afterPrefix == null) {
          throw error(alayout, avalue, c.prefix(), skipRemainder(value, c.prefix()), "");
        }
        value = afterPrefix;
        if (c.std() == NONE) {
          if (!value.isEmpty()) {
            throw error(alayout, avalue, "", value, ": extra text: " + quote(value));
          }
          return instant();
        }
        layout = c.suffix();
        String hold = value;
        boolean ok = read(c);
        if (rangeErr != null) {
          throw error(alayout, avalue, c.text(), value, ": " + rangeErr + " out of range");
        }
        if (!ok) {
          throw error(alayout, avalue, c.text(), hold, "");
        }
      }
    }

    private boolean read(Chunk c) {
      int std = c.std();
      return switch (std) {
        case YEAR -> year(2);
        case LONG_YEAR -> year(4);
        case MONTH, LONG_MONTH -> (month = name(std == MONTH, LONG_MONTHS) + 1) > 0;
        case NUM_MONTH, ZERO_MONTH ->
            (month = number(std == ZERO_MONTH)) >= 0 && note(month >= 1 && month <= 12, "month");
        case WEEKDAY, LONG_WEEKDAY -> name(std == WEEKDAY, LONG_DAYS) >= 0;
        case DAY, UNDER_DAY, ZERO_DAY -> {
          if (std == UNDER_DAY && value.startsWith(" ")) {
            value = value.substring(1);
          }
          yield (day = number(std == ZERO_DAY)) >= 0;
        }
        case UNDER_YEAR_DAY, ZERO_YEAR_DAY -> yearDay(std == ZERO_YEAR_DAY);
        case HOUR -> (hour = number(false)) >= 0 && note(hour < 24, "hour");
        case HOUR12, ZERO_HOUR12 ->
            (hour = number(std == ZERO_HOUR12)) >= 0 && note(hour <= 12, "hour");
        case MINUTE, ZERO_MINUTE ->
            (min = number(std == ZERO_MINUTE)) >= 0 && note(min < 60, "minute");
        case SECOND, ZERO_SECOND -> second(std == ZERO_SECOND);
        case PM, PM_LOWER -> meridiem(std == PM);
        case ISO_TZ,
            ISO_SHORT_TZ,
            ISO_COLON_TZ,
            ISO_SECONDS_TZ,
            ISO_COLON_SECONDS_TZ,
            NUM_TZ,
            NUM_SHORT_TZ,
            NUM_COLON_TZ,
            NUM_SECONDS_TZ,
            NUM_COLON_SECONDS_TZ ->
            numericZone(std);
        case TZ -> zoneName();
        case FRAC0 -> fixedFraction(c.digits());
        case FRAC9 -> optionalFraction();
        default -> false;
      };
    }

    /** Notes a field out of range (Go reports it after the chunk is read) and goes on. */
    private boolean note(boolean inRange, String field) {
      if (!inRange) {
        rangeErr = field;
      }
      return true;
    }

    /** Reads one or two digits (exactly two when fixed); returns -1, reading nothing, if none. */
    private int number(boolean fixed) {
      int[] n = getnum(value, fixed);
      if (n == null) {
        return -1;
      }
      value = value.substring(n[1]);
      return n[0];
    }

    /** Reads a month or weekday name, or its first three letters; returns its index or -1. */
    private int name(boolean abbreviated, String[] names) {
      int i = lookup(value, abbreviated ? 3 : 0, names);
      if (i >= 0) {
        value = value.substring(abbreviated ? 3 : names[i].length());
      }
      return i;
    }

    private boolean year(int digits) {
      if (value.length() < digits || !allDigits(value.substring(0, digits))) {
        return false;
      }
      year = Integer.parseInt(value.substring(0, digits));
      if (digits == 2) {
        year += year >= 69 ? 1900 : 2000;
      }
      value = value.substring(digits);
      return true;
    }

    private boolean yearDay(boolean fixed) {
      for (int i = 0; i < 2 && !fixed && value.startsWith(" "); i++) {
        value = value.substring(1);
      }
      int[] num = getnum3(value, fixed);
      if (num == null) {
        return false;
      }
      yday = num[0];
      value = value.substring(num[1]);
      return true;
    }

    /** Reads seconds, and a fraction after them when the layout does not read it itself. */
    private boolean second(boolean fixed) {
      if ((sec = number(fixed)) < 0) {
        return false;
      }
      if (sec >= 60) {
        return note(false, "second");
      }
      if (value.length() >= 2 && isSeparator(value.charAt(0)) && isDigit(value, 1)) {
        int nextStd = next(layout).std();
        if (nextStd == FRAC0 || nextStd == FRAC9) {
          return true;
        }
        int n = 2;
        while (n < value.length() && isDigit(value, n)) {
          n++;
        }
        nsec = nanoseconds(value, n);
        value = value.substring(n);
      }
      return true;
    }

    private boolean meridiem(boolean upper) {
      if (value.length() < 2) {
        return false;
      }
      String p = value.substring(0, 2);
      value = value.substring(2);
      if (p.equals(upper ? "PM" : "pm")) {
        pmSet = true;
      } else if (p.equals(upper ? "AM" : "am")) {
        amSet = true;
      } else {
        return false;
      }
      return true;
    }

    private boolean numericZone(int std) {
      boolean iso = std <= ISO_COLON_SECONDS_TZ;
      if (iso && value.startsWith("Z")) {
        value = value.substring(1);
        utc = true;
        return true;
      }
      Object[] z = zoneOffset(value, std);
      if (z == null) {
        return false;
      }
      zoneOffset = (Integer) z[0];
      value = (String) z[1];
      if (z[2] != null) {
        rangeErr = (String) z[2];
      }
      return true;
    }

    private boolean zoneName() {
      if (value.startsWith("UTC")) {
        value = value.substring(3);
        utc = true;
        return true;
      }
      int n = timeZoneLength(value);
      if (n <= 0) {
        return false;
      }
      value = value.substring(n);
      return true;
    }

    private boolean fixedFraction(int digits) {
      int ndigit = 1 + digits;
      if (value.length() < ndigit || !isSeparator(value.charAt(0))) {
        return false;
      }
      Integer ns = nanosecondsOrNull(value, ndigit);
      if (ns == null) {
        return false;
      }
      nsec = ns;
      value = value.substring(ndigit);
      return true;
    }

    private boolean optionalFraction() {
      if (value.length() < 2 || !isSeparator(value.charAt(0)) || !isDigit(value, 1)) {
        return true;
      }
      int i = 0;
      while (i + 1 < value.length() && isDigit(value, i + 1)) {
        i++;
      }
      nsec = nanoseconds(value, 1 + i);
      value = value.substring(1 + i);
      return true;
    }

    /** Puts the fields read together into an instant, as the end of Go's {@code parse} does. */
    private Parsed instant() {
      if (pmSet && hour < 12) {
        hour += 12;
      } else if (amSet && hour == 12) {
        hour = 0;
      }
      if (yday >= 0) {
        int[] md = fromYearDay(year, yday, alayout, avalue, value);
        if (month >= 0 && month != md[0]) {
          throw error(alayout, avalue, "", value, ": day-of-year does not match month");
        }
        if (day >= 0 && day != md[1]) {
          throw error(alayout, avalue, "", value, ": day-of-year does not match day");
        }
        month = md[0];
        day = md[1];
      } else {
        month = month < 0 ? 1 : month;
        day = day < 0 ? 1 : day;
      }
      if (day < 1 || day > LocalDate.of(year, month, 1).lengthOfMonth()) {
        throw error(alayout, avalue, "", value, ": day out of range");
      }
      long epochDay = LocalDate.of(year, month, day).toEpochDay();
      long seconds = epochDay * 86_400L + hour * 3600L + min * 60L + sec;
      if (!utc && zoneOffset != Integer.MIN_VALUE) {
        seconds -= zoneOffset;
      }
      return new Parsed(seconds, nsec);
    }
  }

  private static int[] fromYearDay(int year, int yday, String layout, String value, String rest) {
    boolean leap = LocalDate.of(year, 1, 1).isLeapYear();
    if (yday < 1 || yday > (leap ? 366 : 365)) {
      throw error(layout, value, "", rest, ": day-of-year out of range");
    }
    LocalDate d = LocalDate.ofYearDay(year, yday);
    return new int[] {d.getMonthValue(), d.getDayOfMonth()};
  }

  private static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isDigit(s, i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isSeparator(char c) {
    return c == '.' || c == ',';
  }

  /** Matches a name (or its first n letters) case-insensitively; returns its index or -1. */
  private static int lookup(String value, int n, String[] names) {
    for (int i = 0; i < names.length; i++) {
      String name = n > 0 ? names[i].substring(0, n) : names[i];
      if (value.length() >= name.length() && value.regionMatches(true, 0, name, 0, name.length())) {
        return i;
      }
    }
    return -1;
  }

  /** Reads one or two digits (exactly two when fixed): returns {value, length} or null. */
  private static int[] getnum(String s, boolean fixed) {
    if (!isDigit(s, 0)) {
      return null;
    }
    if (!isDigit(s, 1)) {
      return fixed ? null : new int[] {s.charAt(0) - '0', 1};
    }
    return new int[] {(s.charAt(0) - '0') * 10 + (s.charAt(1) - '0'), 2};
  }

  private static int[] getnum3(String s, boolean fixed) {
    int n = 0;
    int i = 0;
    for (; i < 3 && isDigit(s, i); i++) {
      n = n * 10 + (s.charAt(i) - '0');
    }
    if (i == 0 || (fixed && i != 3)) {
      return null;
    }
    return new int[] {n, i};
  }

  /** Reads the separator and up to nine digits of s[0:n] as nanoseconds. */
  private static int nanoseconds(String s, int n) {
    Integer ns = nanosecondsOrNull(s, n);
    return ns == null ? 0 : ns;
  }

  private static Integer nanosecondsOrNull(String s, int n) {
    if (n > 10) {
      n = 10;
    }
    String digits = s.substring(1, n);
    if (!allDigits(digits) || digits.isEmpty()) {
      return null;
    }
    int ns = Integer.parseInt(digits);
    for (int i = n; i < 10; i++) {
      ns *= 10;
    }
    return ns;
  }

  /** Reads a numeric zone offset: returns {offset seconds, rest, range error or null}. */
  private static Object[] zoneOffset(String value, int std) {
    // +: the sign; h, m, s: two digits of hours, minutes, seconds; ':' itself.
    String shape =
        switch (std) {
          case ISO_COLON_TZ, NUM_COLON_TZ -> "+hh:mm";
          case ISO_SHORT_TZ, NUM_SHORT_TZ -> "+hh";
          case ISO_COLON_SECONDS_TZ, NUM_COLON_SECONDS_TZ -> "+hh:mm:ss";
          case ISO_SECONDS_TZ, NUM_SECONDS_TZ -> "+hhmmss";
          default -> "+hhmm";
        };
    if (value.length() < shape.length()) {
      return null;
    }
    for (int i = 0; i < shape.length(); i++) {
      if (shape.charAt(i) == ':' && value.charAt(i) != ':') {
        return null;
      }
    }
    String sign = value.substring(0, 1);
    String hh = zoneField(value, shape, 'h');
    String mm = zoneField(value, shape, 'm');
    String ss = zoneField(value, shape, 's');
    value = value.substring(shape.length());
    int[] h = getnum(hh, true);
    int[] m = getnum(mm, true);
    int[] s = getnum(ss, true);
    if (h == null || m == null || s == null) {
      return null;
    }
    String range = null;
    if (h[0] > 24) {
      range = "time zone offset hour";
    }
    if (m[0] > 60) {
      range = "time zone offset minute";
    }
    if (s[0] > 60) {
      range = "time zone offset second";
    }
    int offset = (h[0] * 60 + m[0]) * 60 + s[0];
    if (sign.equals("-")) {
      offset = -offset;
    } else if (!sign.equals("+")) {
      return null;
    }
    return new Object[] {offset, value, range};
  }

  /** Returns the two digits a shape marks with letter, or "00" when it has none. */
  private static String zoneField(String value, String shape, char letter) {
    int i = shape.indexOf(letter);
    return i < 0 ? "00" : value.substring(i, i + 2);
  }

  /** Returns the length of a zone abbreviation at the start of value, or 0. */
  private static int timeZoneLength(String value) {
    if (value.length() < 3) {
      return 0;
    }
    if (value.startsWith("ChST") || value.startsWith("MeST")) {
      return 4;
    }
    if (value.startsWith("GMT")) {
      return 3 + signedOffsetLength(value.substring(3));
    }
    if (value.charAt(0) == '+' || value.charAt(0) == '-') {
      return signedOffsetLength(value);
    }
    int upper = 0;
    while (upper < 6 && upper < value.length()) {
      char c = value.charAt(upper);
      if (c < 'A' || c > 'Z') {
        break;
      }
      upper++;
    }
    return switch (upper) {
      case 3 -> 3;
      case 4 -> value.charAt(3) == 'T' || value.startsWith("WITA") ? 4 : 0;
      case 5 -> value.charAt(4) == 'T' ? 5 : 0;
      default -> 0;
    };
  }

  private static int signedOffsetLength(String value) {
    if (value.isEmpty() || (value.charAt(0) != '+' && value.charAt(0) != '-')) {
      return 0;
    }
    int i = 1;
    long x = 0;
    while (i < value.length() && isDigit(value, i) && x <= 12) {
      x = x * 10 + (value.charAt(i) - '0');
      i++;
    }
    if (i == 1 || x > 12) {
      return 0;
    }
    return i;
  }

  /** Skips the literal prefix: a space in it matches any run of spaces. Null when it differs. */
  private static String skip(String value, String prefix) {
    int v = 0;
    int p = 0;
    while (p < prefix.length()) {
      if (prefix.charAt(p) == ' ') {
        if (v < value.length() && value.charAt(v) != ' ') {
          return null;
        }
        while (p < prefix.length() && prefix.charAt(p) == ' ') {
          p++;
        }
        while (v < value.length() && value.charAt(v) == ' ') {
          v++;
        }
        continue;
      }
      if (v >= value.length() || value.charAt(v) != prefix.charAt(p)) {
        return null;
      }
      p++;
      v++;
    }
    return value.substring(v);
  }

  /** Returns the value left where skipping the prefix failed, for the error message. */
  private static String skipRemainder(String value, String prefix) {
    int v = 0;
    int p = 0;
    while (p < prefix.length()) {
      if (prefix.charAt(p) == ' ') {
        if (v < value.length() && value.charAt(v) != ' ') {
          return value.substring(v);
        }
        while (p < prefix.length() && prefix.charAt(p) == ' ') {
          p++;
        }
        while (v < value.length() && value.charAt(v) == ' ') {
          v++;
        }
        continue;
      }
      if (v >= value.length() || value.charAt(v) != prefix.charAt(p)) {
        return value.substring(v);
      }
      p++;
      v++;
    }
    return value.substring(v);
  }

  private static ParseException error(
      String layout, String value, String layoutElem, String valueElem, String message) {
    if (message.isEmpty()) {
      return new ParseException(
          "parsing time "
              + quote(value)
              + " as "
              + quote(layout)
              + ": cannot parse "
              + quote(valueElem)
              + " as "
              + quote(layoutElem));
    }
    return new ParseException("parsing time " + quote(value) + message);
  }

  /** Quotes as Go's time package does: non-ASCII and control bytes as {@code \xNN}. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x80 || c < ' ') {
        sb.append(String.format("\\x%02x", c));
      } else {
        if (c == '"' || c == '\\') {
          sb.append('\\');
        }
        sb.append((char) c);
      }
    }
    return sb.append('"').toString();
  }
}
