package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast timestamp writer gives exactly the text of {@link Instant#toString()}. */
class TimestampsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1970-01-01T00:00:00Z",
        "2026-12-04T21:40:30Z",
        "2026-12-04T21:40:30.100Z",
        "2026-12-04T21:40:30.000100Z",
        "2026-12-04T21:40:30.000000001Z",
        "2024-02-29T23:59:59.999999999Z",
        "9999-12-31T23:59:59.999Z",
        "1969-12-31T23:59:59.5Z",
        "+10000-01-01T00:00:00Z"
      })
  void knownInstants(String text) {
    Instant t = Instant.parse(text);
    assertThat(Timestamps.iso(t)).isEqualTo(t.toString());
  }

  @Property(tries = 20_000)
  void agreesWithToString(
      @ForAll @LongRange(min = -100_000_000L, max = 253_402_400_000L) long seconds,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nano,
      @ForAll @IntRange(min = 0, max = 3) int roundTo) {
    int rounded =
        roundTo == 0
            ? nano
            : roundTo == 1 ? nano / 1_000 * 1_000 : roundTo == 2 ? nano / 1_000_000 * 1_000_000 : 0;
    Instant t = Instant.ofEpochSecond(seconds, rounded);
    assertThat(Timestamps.iso(t)).isEqualTo(t.toString());
  }
}
