package dev.vigil.rego.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a document nested deeper than {@link Json#MAX_DEPTH} was refused at "line 0, column
 * 0", because Jackson reports a broken limit without a location.
 */
class JsonDepthTest {

  @TempDir Path tmp;

  /** 10,000 arrays deep under an object on the second line; the 1000th bracket breaks the limit. */
  private static final String DEEP =
      "{\n  \"input\": " + "[".repeat(10_000) + "]".repeat(10_000) + "\n}\n";

  /** Column of the 1000th bracket: the object is level 1, so that bracket is level 1001. */
  private static final int CROSSING_COLUMN = "  \"input\": ".length() + 1000;

  @Test
  void parse_tenThousandDeepFromFile_namesLineAndColumnOfTheLimit() throws Exception {
    Path file = Files.writeString(tmp.resolve("deep.json"), DEEP);

    JsonException e;
    try (InputStream in = Files.newInputStream(file)) {
      e = catchThrowableOfType(JsonException.class, () -> Json.parse(in));
    }

    assertThat(e.getMessage()).contains("nesting depth").contains("1000");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(CROSSING_COLUMN);
  }

  @Test
  void parse_tenThousandDeepString_namesLineAndColumnOfTheLimit() {
    JsonException e = catchThrowableOfType(JsonException.class, () -> Json.parse(DEEP));

    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(CROSSING_COLUMN);
  }

  @Test
  void parse_exactlyAtTheLimit_isAccepted() {
    String atLimit = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);

    assertThat(Json.parse(atLimit)).isInstanceOf(ArrayValue.class);
  }
}
