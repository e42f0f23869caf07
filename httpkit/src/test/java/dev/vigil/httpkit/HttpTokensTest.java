package dev.vigil.httpkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpTokensTest {

  @Test
  void tokens_lettersDigitsAndTheFifteenSigns() {
    assertThat(HttpTokens.isToken("Content-Type")).isTrue();
    assertThat(HttpTokens.isToken("x_custom.1")).isTrue();
    assertThat(HttpTokens.isToken("!#$%&'*+-.^_`|~")).isTrue();
  }

  @Test
  void notTokens_emptySpacesSeparatorsControlAndNonAscii() {
    assertThat(HttpTokens.isToken("")).isFalse();
    assertThat(HttpTokens.isToken("Content Type")).isFalse();
    assertThat(HttpTokens.isToken("Host:")).isFalse();
    assertThat(HttpTokens.isToken("a\tb")).isFalse();
    assertThat(HttpTokens.isToken("a\rb")).isFalse();
    assertThat(HttpTokens.isToken("(x)")).isFalse();
    assertThat(HttpTokens.isToken("\"q\"")).isFalse();
    assertThat(HttpTokens.isToken("naïve")).isFalse();
    for (char c : "()<>@,;:\\\"/[]?={} \t".toCharArray()) {
      assertThat(HttpTokens.isTchar(c)).as("%s", c).isFalse();
    }
  }
}
