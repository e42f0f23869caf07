package dev.vigil.httpkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The directives read with a reader's own bounds (here 10 s to 300 s); the gateway's and the SDK's
 * tests read them again with theirs.
 */
class CacheFreshnessTest {

  @ParameterizedTest(name = "Cache-Control: {0}, Age: {1} -> {2} s")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "-                       | -   | 300",
        "max-age=120             | -   | 120",
        "max-age=120             | 100 | 20",
        "max-age=120             | 500 | 10",
        "max-age=5               | -   | 10",
        "max-age=86400           | -   | 300",
        "public, max-age=60      | -   | 60",
        "max-age=\"60\"          | -   | 60",
        "max-age=90, max-age=30  | -   | 30",
        "MAX-AGE=45              | -   | 45",
        "max-age=abc             | -   | 300",
        "max-age=-5              | -   | 300",
        "no-store                | -   | 10",
        "max-age=200, no-cache   | -   | 10",
        "max-age=99999999999999  | -   | 300",
        "max-age=120             | x   | 120",
      })
  void of_readsMaxAgeLessAge_withinTheBounds(String cacheControl, String age, long seconds) {
    List<String> headers = cacheControl == null ? List.of() : List.of(cacheControl);

    Duration fresh =
        CacheFreshness.of(
            headers, Optional.ofNullable(age), Duration.ofSeconds(10), Duration.ofSeconds(300));

    assertThat(fresh).isEqualTo(Duration.ofSeconds(seconds));
  }
}
