package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegexBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '¦',
      quoteCharacter = '\u0000',
      value = {
        "\"a.\"¦\"paranormal\"¦-1¦[\"ar\", \"an\", \"al\"]",
        "\"a.\"¦\"paranormal\"¦2¦[\"ar\", \"an\"]",
        "\"a.\"¦\"paranormal\"¦0¦[]",
        "\"^a.\"¦\"abacadaeaf\"¦-1¦[\"ab\"]",
        "\".$\"¦\"abacadaeaf\"¦-1¦[\"f\"]",
        "\"[abcdef]{2}\"¦\"abacadaeaf\"¦-1¦[\"ab\", \"ac\", \"ad\", \"ae\", \"af\"]",
        "\"x*\"¦\"abc\"¦-1¦[\"\", \"\", \"\", \"\"]",
        "\"a*\"¦\"baaab\"¦-1¦[\"\", \"aaa\", \"\"]",
      })
  void findN_matches_followGoFindAll(String re, String s, String n, String want) {
    assertThat(call("regex.find_n", re, s, n)).isEqualTo(Json.parse(want));
  }

  @Test
  void match_patterns_followRe2() {
    assertThat(call("regex.match", "\"^[a-z]+\\\\[[0-9]+\\\\]$\"", "\"foo[1]\""))
        .isEqualTo(Json.parse("true"));
    assertThat(call("regex.match", "\"\"", "\"x\"")).isEqualTo(Json.parse("true"));
    assertThat(call("regex.match", "\"^$\"", "\"something\"")).isEqualTo(Json.parse("false"));
    assertThatThrownBy(() -> call("regex.match", "\"$^[[[\"", "\"x\""))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("missing closing ]");
    assertThat(call("regex.is_valid", "10")).isEqualTo(Json.parse("false"));
    assertThat(call("regex.is_valid", "\"++\"")).isEqualTo(Json.parse("false"));
    assertThat(call("regex.is_valid", "\".+\"")).isEqualTo(Json.parse("true"));
  }

  @Test
  void splitReplaceSubmatch_followGo() {
    assertThat(call("regex.split", "\"a\"", "\"banana\""))
        .isEqualTo(Json.parse("[\"b\", \"n\", \"n\", \"\"]"));
    assertThat(call("regex.split", "\"x*\"", "\"abc\""))
        .isEqualTo(Json.parse("[\"a\", \"b\", \"c\"]"));
    assertThat(call("regex.replace", "\"-ab-axxb-\"", "\"a(x*)b\"", "\"${1}W\""))
        .isEqualTo(StringValue.of("-W-xxW-"));
    assertThat(call("regex.replace", "\"-ab-axxb-\"", "\"a(x*)b\"", "\"$1W\""))
        .isEqualTo(StringValue.of("---"));
    assertThat(call("regex.replace", "\"abc\"", "\"x*\"", "\"-\""))
        .isEqualTo(StringValue.of("-a-b-c-"));
    assertThat(call("regex.replace", "\"aaa\"", "\"^a\"", "\"b\""))
        .isEqualTo(StringValue.of("baa"));
    assertThat(call("regex.find_all_string_submatch_n", "\"a(x*)(y)?b\"", "\"-axxb-ayb-\"", "-1"))
        .isEqualTo(Json.parse("[[\"axxb\", \"xx\", \"\"], [\"ayb\", \"\", \"y\"]]"));
  }

  @Test
  void templateMatch_delimitedParts_areRegexes() {
    assertThat(
            call(
                "regex.template_match",
                "\"urn:foo:{.*}\"",
                "\"urn:foo:bar:baz\"",
                "\"{\"",
                "\"}\""))
        .isEqualTo(Json.parse("true"));
    assertThat(
            call("regex.template_match", "\"urn:f.o:<.*>\"", "\"urn:foo:bar\"", "\"<\"", "\">\""))
        .isEqualTo(Json.parse("false"));
    assertThatThrownBy(
            () -> call("regex.template_match", "\"urn:{.*\"", "\"urn:x\"", "\"{\"", "\"}\""))
        .hasMessageContaining("unbalanced braces");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '¦',
      quoteCharacter = '\u0000',
      value = {
        "\"a.a.[0-9]+z\"¦\".b.b2359825792*594823z\"¦true",
        "\"[a-z]+\"¦\"[0-9]*\"¦false",
        "\"b.*\"¦\"bar\"¦true",
        "\"b.*\"¦\"car\"¦false",
        "\"[a-z]+\\\\[[0-9]+\\\\]\"¦\"foo\\\\[1\\\\]\"¦true",
        "\"[a-z]+\\\\[[0-9]+\\\\]\"¦\"foo[\\\"bar\\\"]\"¦false",
      })
  void globsMatch_pairs_followGlobIntersection(String x, String y, String want) {
    assertThat(call("regex.globs_match", x, y)).isEqualTo(Json.parse(want));
  }

  @Test
  void globsMatch_strayClose_failsWithLibraryMessage() {
    assertThatThrownBy(() -> call("regex.globs_match", "\"pqrs]\"", "\"[a-b]+\""))
        .hasMessage(
            "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is"
                + " invalid");
  }

  @Test
  void globsMatch_longStarredPatterns_finishWithinBudget() {
    String x = "a*b*".repeat(3000) + "c";
    String y = "ab".repeat(3000) + "d";
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(10),
        () -> {
          try {
            assertThat(call("regex.globs_match", StringValue.of(x), StringValue.of(y)))
                .isEqualTo(Json.parse("false"));
          } catch (BuiltinException e) {
            assertThat(e).hasMessage("patterns are too complex to intersect");
          }
        });
    assertThat(call("regex.globs_match", StringValue.of("a*b"), StringValue.of("aaab")))
        .isEqualTo(Json.parse("true"));
  }
}
