package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '¦',
      quoteCharacter = '\u0000',
      value = {
        "*.github.com¦[\".\"]¦api.github.com¦true",
        "api.**.com¦[\".\"]¦api.cdn.github.com¦true",
        "*.github.com¦[\".\"]¦api.not-github.com¦false",
        "*:github:com¦[\":\"]¦api:github:com¦true",
        "[abc]at¦[]¦cat¦true",
        "[!abc]at¦[]¦cat¦false",
        "[a-c]at¦[]¦bat¦true",
        "[!a-c]at¦[]¦fat¦true",
        "?at¦[]¦at¦false",
        "?at¦[\"f\"]¦fat¦false",
        "{cat,bat,[fr]at}¦[]¦rat¦true",
        "{cat,bat,[fr]at}¦[]¦at¦false",
        "*¦[]¦foo.bar¦false",
        "*¦null¦foo.bar¦true",
        "/docs/*/public¦[\"/\"]¦/docs/a/b/public¦false",
        "/docs/*/public¦[\"/\"]¦/docs/a/public¦true",
        "/docs/**/public¦[\"/\"]¦/docs/a/b/public¦true",
        "a\\*b¦[]¦a*b¦true",
        "a\\*b¦[]¦axb¦false",
      })
  void match_globs_followGobwas(String glob, String delims, String s, boolean want) {
    assertThat(call("glob.match", StringValue.of(glob), Json.parse(delims), StringValue.of(s)))
        .isEqualTo(BooleanValue.of(want));
  }

  @Test
  void quoteMeta_specials_areEscaped() {
    assertThat(call("glob.quote_meta", "\"*.github.com\""))
        .isEqualTo(StringValue.of("\\*.github.com"));
    assertThatThrownBy(() -> call("glob.match", "\"[abc\"", "[]", "\"a\""))
        .isInstanceOf(BuiltinException.class);
    assertThatThrownBy(() -> call("glob.match", "\"a\"", "[\"ab\"]", "\"a\""))
        .hasMessage("operand 2 must be array of runes but got array containing string");
  }

  @Test
  void match_deeplyNestedAlternatives_failsInsteadOfOverflowing() {
    String glob = "{a,".repeat(5000) + "b" + "}".repeat(5000);
    assertThatThrownBy(
            () -> call("glob.match", StringValue.of(glob), Json.parse("[]"), StringValue.of("b")))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("nested more than 100 deep");
    String shallow = "{a,".repeat(50) + "b" + "}".repeat(50);
    assertThat(call("glob.match", StringValue.of(shallow), Json.parse("[]"), StringValue.of("b")))
        .isEqualTo(BooleanValue.TRUE);
  }
}
