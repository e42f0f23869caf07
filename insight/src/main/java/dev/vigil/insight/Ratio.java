package dev.vigil.insight;

import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * A part of a whole, counted: {@code numerator} of {@code denominator}. A ratio of nothing (a
 * window without the requests it counts) has no share, rather than a share of zero.
 */
public record Ratio(long numerator, long denominator) {

  public Ratio {
    if (numerator < 0 || denominator < 0 || numerator > denominator) {
      throw new IllegalArgumentException(
          "not a ratio: " + numerator + " of " + denominator + " (0 <= numerator <= denominator)");
    }
  }

  /** Whether there was anything to count. */
  public boolean counted() {
    return denominator > 0;
  }

  /** The share, from 0 to 1; null when nothing was counted. */
  public Double share() {
    return counted() ? (double) numerator / denominator : null;
  }

  /**
   * How far the share moved from {@code before}'s, in percentage points; null when either counted
   * nothing.
   */
  public Double pointsSince(Ratio before) {
    return counted() && before.counted() ? 100 * (share() - before.share()) : null;
  }

  /** {@code 12 of 16 (75.0%)}, or {@code none} when nothing was counted. */
  public String text() {
    return counted()
        ? String.format(Locale.ROOT, "%d of %d (%.1f%%)", numerator, denominator, 100 * share())
        : "none";
  }

  /** {@code {"numerator": 12, "denominator": 16, "share": 0.75}}, the share null when none. */
  Value json() {
    return ObjectValue.of(
        StringValue.of("numerator"), NumberValue.of(numerator),
        StringValue.of("denominator"), NumberValue.of(denominator),
        StringValue.of("share"), rounded(share(), 4));
  }

  /** {@code d} to {@code places} decimal places, or JSON null. */
  static Value rounded(Double d, int places) {
    if (d == null) {
      return NullValue.NULL;
    }
    return NumberValue.of(
        BigDecimal.valueOf(d).setScale(places, RoundingMode.HALF_EVEN).stripTrailingZeros());
  }
}
