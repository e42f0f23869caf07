package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A value a policy derives from a masked field (the bearer token lower-cased, cut, joined or
 * collected) was shown in the logged explanation, and returned in the logged result, because
 * masking matched the field by its path and its copies by their value only.
 */
class MaskedDerivedValuesTest {

  private static final String TOKEN = "Bearer Tok-Secret-8812";

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " :: ",
      value = {
        "lower in the expression :: lower(input.request.headers.authorization) == \"bearer admin\"",
        "upper in a variable :: t := upper(input.request.headers.authorization); t == \"ADMIN\"",
        "substring in a variable :: t := substring(input.request.headers.authorization, 7, -1);"
            + " t == \"admin\"",
        "trim_prefix of a copy :: h := input.request.headers; t := trim_prefix(h.authorization,"
            + " \"Bearer \"); t == \"admin\"",
        "concat :: concat(\":\", [\"token\", input.request.headers.authorization]) == \"x\"",
        "sprintf in a variable :: m := sprintf(\"got %s\", [input.request.headers.authorization]);"
            + " m == \"x\"",
        "comprehension :: [t | t := split(input.request.headers.authorization, \" \")[_]]"
            + " == [\"x\"]",
        "the parent object :: input.request.headers == {}",
      })
  void decide_valueDerivedFromAMaskedHeader_neverShownInTheLoggedExplanation(
      String name, String body) throws Exception {
    String rego =
        "package authz\nimport rego.v1\nallow if {\n  " + body.replace("; ", "\n  ") + "\n}\n";

    String event = loggedEvent(rego, "authz/allow");

    assertThat(event).contains("failed");
    assertNoPieceOfTheToken(event);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = " :: ",
      value = {
        "result :: decision := {\"allow\": false, \"seen\":"
            + " lower(input.request.headers.authorization)}",
        "reason :: decision := {\"allow\": false, \"reason\": concat(\" \", [\"bad token\","
            + " input.request.headers.authorization])}",
        "object key :: decision := {\"allow\": false, \"by\": {input.request.headers.authorization:"
            + " true}}",
      })
  void decide_resultDerivedFromAMaskedHeader_isLoggedMasked(String name, String rule)
      throws Exception {
    String event = loggedEvent("package authz\nimport rego.v1\n" + rule + "\n", "authz/decision");

    assertThat(event).contains("**REDACTED**").contains("\"allow\":false");
    assertNoPieceOfTheToken(event);
  }

  private String loggedEvent(String rego, String path) throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionPoint pdp =
          new DecisionPoint(
              DecisionPoint.Options.defaults()
                  .withDecisionLog(new DecisionLog(store, DecisionLog.Options.defaults())));
      pdp.activate(DecisionPointTest.bundle(rego));
      Value in =
          Json.parse(
              "{\"user\":{\"role\":\"dev\"},\"request\":{\"headers\":{\"authorization\":\""
                  + TOKEN
                  + "\",\"accept\":\"text/html\"}}}");

      Decision d = pdp.decide(path, in);
      d.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      return new DecisionReader(store).get(d.decisionId()).orElseThrow().eventJson();
    }
  }

  private static void assertNoPieceOfTheToken(String event) {
    String lower = event.toLowerCase(Locale.ROOT);
    for (String piece : List.of("tok-secret-8812", "secret-8812", "tok-secret")) {
      assertThat(lower).as(event).doesNotContain(piece);
    }
  }
}
