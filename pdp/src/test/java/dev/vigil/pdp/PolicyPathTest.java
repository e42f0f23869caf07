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
}
