package dev.vigil.insight;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A span of decision time: from {@code since}, included, to {@code until}, excluded.
 *
 * @throws IllegalArgumentException when {@code since} is not before {@code until}
 */
public record Window(Instant since, Instant until) {

  public Window {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(until, "until");
    if (!since.isBefore(until)) {
      throw new IllegalArgumentException(
          "the window is empty: since " + since + " is not before until " + until);
    }
  }

  /** The window of the same length that ends where this one starts. */
  public Window previous() {
    return new Window(since.minus(length()), since);
  }

  public Duration length() {
    return Duration.between(since, until);
  }

  /** Whether {@code t} falls in the window. */
  public boolean contains(Instant t) {
    return !t.isBefore(since) && t.isBefore(until);
  }

  @Override
  public String toString() {
    return since + " to " + until;
  }
}
