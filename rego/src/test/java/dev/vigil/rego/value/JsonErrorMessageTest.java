package dev.vigil.rego.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: a document cut short inside an object or array was refused with Jackson's own
 * description of its source, "(start marker at [Source: REDACTED (`StreamReadFeature.
 * INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])", in the answer of the OPA API and of
 * the gateway's sign-in. The message names the line and column in Vigil's words.
 */
class JsonErrorMessageTest {

  @ParameterizedTest
  @ValueSource(strings = {"{", "[1,", "{\"a\": [", "{\"a\": {\"b\": 1}", "[\n  {\"a\": 1},\n"})
  void parse_documentCutShort_hasNoneOfJacksonsSourceDescription(String text) {
    JsonException fromString = catchThrowableOfType(JsonException.class, () -> Json.parse(text));
    JsonException fromStream =
        catchThrowableOfType(
            JsonException.class,
            () -> Json.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));

    for (JsonException e : new JsonException[] {fromString, fromStream}) {
      assertThat(e.getMessage())
          .startsWith("Unexpected end-of-input")
          .doesNotContain("Source")
          .doesNotContain("REDACTED")
          .doesNotContain("`");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "  {", "[{\"a\": {"})
  void parse_unclosedObject_saysWhereItBegan(String text) {
    JsonException e = catchThrowableOfType(JsonException.class, () -> Json.parse(text));

    assertThat(e.getMessage())
        .isEqualTo(
            "Unexpected end-of-input: expected close marker for Object (start marker at line 1,"
                + " column "
                + (text.lastIndexOf('{') + 1)
                + ")");
  }
}
