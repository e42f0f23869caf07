package dev.vigil.cli;

import dev.vigil.httpkit.DurationText;
import java.time.Duration;

/** Reads a duration option as {@link DurationText} does, naming the option when it refuses it. */
final class Durations {

  private Durations() {}

  /**
   * Reads the value of {@code option}, which must be longer than zero: a lifetime, an interval or a
   * wait of zero would only fail later with a message about something else.
   *
   * @throws IllegalArgumentException naming the option and the value
   */
  static Duration positive(String option, String text) {
    try {
      return DurationText.positive(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + e.getMessage(), e);
    }
  }
}
