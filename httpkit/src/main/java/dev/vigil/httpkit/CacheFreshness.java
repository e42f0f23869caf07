package dev.vigil.httpkit;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How long an answer read over HTTP (a JWKS) may be used before it is read again, from its {@code
 * Cache-Control} and {@code Age} headers, held between a floor and a ceiling of the reader's.
 */
public final class CacheFreshness {

  private CacheFreshness() {}

  /**
   * Returns {@code max-age} (RFC 9111 section 5.2.2.1; the least one when several are given) less
   * {@code Age} (section 5.1); {@code floor} for {@code no-store} or {@code no-cache}; {@code
   * ceiling} when there is no {@code max-age} that reads as delta-seconds; always between {@code
   * floor} and {@code ceiling}.
   *
   * @param cacheControl every {@code Cache-Control} header of the answer
   * @param age the answer's {@code Age} header, if any
   */
  public static Duration of(
      List<String> cacheControl, Optional<String> age, Duration floor, Duration ceiling) {
    long maxAge = Long.MAX_VALUE;
    for (String header : cacheControl) {
      for (String directive : header.split(",")) {
        int eq = directive.indexOf('=');
        String name = (eq < 0 ? directive : directive.substring(0, eq)).strip();
        switch (name.toLowerCase(Locale.ROOT)) {
          case "no-store", "no-cache" -> {
            return floor;
          }
          case "max-age" -> {
            long s = eq < 0 ? -1 : deltaSeconds(directive.substring(eq + 1));
            maxAge = s < 0 ? maxAge : Math.min(maxAge, s);
          }
          default -> {}
        }
      }
    }
    if (maxAge == Long.MAX_VALUE) {
      return ceiling;
    }
    long left = maxAge - Math.max(0, age.map(CacheFreshness::deltaSeconds).orElse(0L));
    return Duration.ofSeconds(Math.clamp(left, floor.toSeconds(), ceiling.toSeconds()));
  }

  /** Reads delta-seconds (RFC 9111 section 1.2.2), quoted or not; -1 when it is not one. */
  private static long deltaSeconds(String text) {
    String t = text.strip();
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1);
    }
    if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    // Past any bound a reader uses: the digits beyond need not be read.
    return t.length() > 12 ? Integer.MAX_VALUE : Long.parseLong(t);
  }
}
