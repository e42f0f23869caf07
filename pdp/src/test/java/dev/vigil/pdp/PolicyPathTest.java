package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyPathTest {

  @Test
  void parse_escapedSlash_isOneSegmentAsOpaReadsIt() {
    assertThat(PolicyPath.parse("escapes/a%2Fb").segments()).containsExactly("escapes", "a/b");
    assertThat(PolicyPath.parse("escapes/a%20b").segments()).containsExactly("escapes", "a b");
    assertThat(PolicyPath.parse("escapes/a/b").segments()).containsExactly("escapes", "a", "b");
    assertThat(PolicyPath.parse("a+b").segments()).containsExactly("a+b");
  }

  /** The log showed data["a/b"] and data.a.b both as "a/b": two documents, one name. */
  @Test
  void slashed_slashOrPercentInsideASegment_isEscapedSoTheLogTellsPathsApart() {
    PolicyPath oneKey = new PolicyPath(List.of("escapes", "a/b"));
    PolicyPath nested = new PolicyPath(List.of("escapes", "a", "b"));

    assertThat(oneKey.slashed()).isEqualTo("escapes/a%2Fb");
    assertThat(nested.slashed()).isEqualTo("escapes/a/b");
    assertThat(new PolicyPath(List.of("100%")).slashed()).isEqualTo("100%25");
    assertThat(PolicyPath.parse(oneKey.slashed())).isEqualTo(oneKey);
    assertThat(PolicyPath.parse("100%25").segments()).containsExactly("100%");
  }

  @Test
  void parse_badPercentEncodingOrControlCharacter_isRefusedNamingThePath() {
    assertThatThrownBy(() -> PolicyPath.parse("authz/a%zz"))
        .hasMessage("policy path \"authz/a%zz\": segment \"a%zz\" has a bad percent-encoding");
    assertThatThrownBy(() -> PolicyPath.parse("authz/a%00"))
        .hasMessageContaining("policy path \"authz/a%00\" has an invalid segment");
  }

  /**
   * OPA refuses a ref term holding a double quote ("invalid ref term"); Vigil used to quote it and
   * read the key. A route's policy, --default-decision and --authz-path are refused when read.
   */
  @Test
  void parse_segmentWithDoubleQuote_isRefusedNamingThePathAndTheSegment() {
    assertThatThrownBy(() -> PolicyPath.parse("authz/a%22b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "policy path \"authz/a%22b\": invalid ref term 'a\"b'"
                + " (a path segment cannot hold a double quote)");
    assertThatThrownBy(() -> PolicyPath.parse("/\"/allow"))
        .hasMessageContaining("invalid ref term '\"'");
    assertThatThrownBy(() -> PolicyPath.ofRequest("/v1/data/x/%22", List.of("x", "\"")))
        .hasMessage(
            "invalid path \"/v1/data/x/%22\": invalid ref term '\"'"
                + " (a path segment cannot hold a double quote)");
    assertThat(PolicyPath.ofRequest("/v1/data/a/b%27", List.of("a", "b'")).query())
        .isEqualTo("data.a[\"b'\"]");
  }

  /** OPA makes a number of every segment strconv.Atoi accepts, and leaves the rest strings. */
  @Test
  void query_integerSegment_isANumberAsOpaReadsIt_andTheSegmentKeepsItsText() {
    assertThat(PolicyPath.parse("list/0").query()).isEqualTo("data.list[0]");
    assertThat(PolicyPath.parse("list/01/x").query()).isEqualTo("data.list[1].x");
    assertThat(PolicyPath.parse("list/-1").query()).isEqualTo("data.list[-1]");
    assertThat(PolicyPath.parse("list/+2").query()).isEqualTo("data.list[2]");
    assertThat(PolicyPath.parse("list/%30").query()).isEqualTo("data.list[0]");
    assertThat(PolicyPath.parse("list/01").slashed()).isEqualTo("list/01");

    assertThat(PolicyPath.parse("list/1.0").query()).isEqualTo("data.list[\"1.0\"]");
    assertThat(PolicyPath.parse("list/1e3").query()).isEqualTo("data.list[\"1e3\"]");
    assertThat(PolicyPath.parse("list/-").query()).isEqualTo("data.list[\"-\"]");
    assertThat(PolicyPath.parse("list/%D9%A1").query()).isEqualTo("data.list[\"\u0661\"]");
    assertThat(PolicyPath.parse("list/99999999999999999999").query())
        .isEqualTo("data.list[\"99999999999999999999\"]");
    assertThat(PolicyPath.parse("list/9223372036854775807").query())
        .isEqualTo("data.list[9223372036854775807]");
  }
}
