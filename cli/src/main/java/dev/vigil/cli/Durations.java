package dev.vigil.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as on the command line: {@code 500ms}, {@code 10s}, {@code 1h}. */
final class Durations {

  private static final Duration MAX = Duration.ofDays(36500);
  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses the value of {@code option}, which must be longer than zero: a lifetime, an interval or
   * a wait of zero would only fail later with a message about something else.
   *
   * @throws IllegalArgumentException naming the option and the value
   */
  static Duration positive(String option, String text) {
    Duration d;
    try {
      d = parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + e.getMessage(), e);
    }
    if (d.isZero()) {
      throw new IllegalArgumentException(option + " \"" + text + "\" must be longer than 0");
    }
    return d;
  }

  static Duration parse(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a duration; write a number and ms, s, m, h or d, like 10s");
    }
    // Larger values would overflow a long, or the clock's range once added to the time of day.
    String digits = m.group(1);
    long n = digits.length() > 15 ? Long.MAX_VALUE : Long.parseLong(digits);
    long unitMillis =
        switch (m.group(2)) {
          case "ms" -> 1;
          case "s" -> 1_000;
          case "m" -> 60_000;
          case "h" -> 3_600_000;
          default -> 86_400_000;
        };
    if (n > MAX.toMillis() / unitMillis) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is too long: at most " + MAX.toDays() + "d");
    }
    return Duration.ofMillis(n * unitMillis);
  }
}
