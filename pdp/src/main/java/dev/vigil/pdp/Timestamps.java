package dev.vigil.pdp;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes instants in the text {@link Instant#toString()} gives (ISO 8601 in UTC, the fraction in
 * groups of three digits and left out when zero), without going through {@code DateTimeFormatter}.
 *
 * <p>Why: every decision writes two timestamps (the request's time in the policy input, on the
 * gateway's event loop, and the event's own in the decision log), and the general formatter was a
 * measurable part of both. Instants outside the years 1970 to 9999 are left to {@code toString}.
 */
public final class Timestamps {

  /** The first second of the year 10000. */
  private static final long YEAR_10000 = 253_402_300_800L;

  private Timestamps() {}

  /** Returns the instant as {@link Instant#toString()} writes it. */
  public static String iso(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds < 0 || seconds >= YEAR_10000) {
      return t.toString();
    }
    LocalDate date = LocalDate.ofEpochDay(seconds / 86_400);
    int ofDay = (int) (seconds % 86_400);
    int nano = t.getNano();
    int digits = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
    char[] out = new char[20 + (digits == 0 ? 0 : digits + 1)];
    put(out, 0, date.getYear(), 4);
    out[4] = '-';
    put(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    put(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    put(out, 11, ofDay / 3_600, 2);
    out[13] = ':';
    put(out, 14, ofDay / 60 % 60, 2);
    out[16] = ':';
    put(out, 17, ofDay % 60, 2);
    int i = 19;
    if (digits > 0) {
      out[i++] = '.';
      int fraction = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
      put(out, i, fraction, digits);
      i += digits;
    }
    out[i] = 'Z';
    return new String(out);
  }

  /** Writes {@code value} as exactly {@code width} decimal digits, zero-padded, at {@code at}. */
  private static void put(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
