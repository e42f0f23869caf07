package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What masking does to an input: the paths it names, and nothing else. */
class MaskingTest {

  private static final Masking CREDENTIALS = Masking.none().withCredentialHeaders();

  @Test
  void inputWithoutTheNamedFieldsIsReturnedAsItIs() {
    Value input =
        Json.parse(
            """
            {"request": {"method": "GET", "headers": {"user-agent": "wrk", "accept": "*/*"}},
             "user": {"role": "sre"}}\
            """);

    Masking.Result r = CREDENTIALS.apply(input);

    assertThat(r.input()).isSameAs(input);
    assertThat(r.masked()).isEmpty();
    assertThat(r.erased()).isEmpty();
  }

  @Test
  void masksTheNamedHeaderAndKeepsItsSiblingsAndTheOriginal() {
    String text =
        """
        {"request": {"method": "GET",
                     "headers": {"authorization": "Bearer secret", "accept": "*/*"}},
         "user": {"role": "sre"}}\
        """;
    Value input = Json.parse(text);

    Masking.Result r = CREDENTIALS.apply(input);

    assertThat(r.input())
        .isEqualTo(
            Json.parse(
                """
                {"request": {"method": "GET",
                             "headers": {"authorization": "**REDACTED**", "accept": "*/*"}},
                 "user": {"role": "sre"}}\
                """));
    assertThat(r.masked()).containsExactly("/input/request/headers/authorization");
    assertThat(input).isEqualTo(Json.parse(text));
  }

  @Test
  void erasesAndMasksInOneObjectEachPathOnce() {
    Masking m = new Masking(List.of("input.user.password"), List.of("/input/user/pin", "user.x"));
    Value input = Json.parse("{\"user\": {\"password\": \"p\", \"pin\": 1234, \"role\": \"dev\"}}");

    for (int i = 0; i < 3; i++) {
      Masking.Result r = m.apply(input);
      assertThat(r.input())
          .isEqualTo(Json.parse("{\"user\": {\"pin\": \"**REDACTED**\", \"role\": \"dev\"}}"));
      assertThat(r.erased()).containsExactly("/input/user/password");
      assertThat(r.masked()).containsExactly("/input/user/pin");
    }
  }

  @Test
  void aPathThroughSomethingThatIsNotAnObjectMasksNothing() {
    Masking m = new Masking(List.of(), List.of("/input/user/name/first"));
    Value input = Json.parse("{\"user\": {\"name\": \"alice\"}}");

    Masking.Result r = m.apply(input);

    assertThat(r.input()).isSameAs(input);
    assertThat(r.masked()).isEmpty();
  }
}
