package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathsTest {

  @ParameterizedTest
  @CsvSource({
    "/a/b, /a/b",
    "/a/b?x=1, /a/b",
    "/, /",
    "//a///b/, /a/b/",
    "/a/./b, /a/b",
    "/a/../b, /b",
    "/../../etc, /etc",
    "/a/b/.., /a/",
    "/%61%7E/%2e%2e/x, /x",
    "/%41%7e, /A~",
    "/a%20b, /a%20b",
    "/a%c3%a9, /a%C3%A9",
  })
  void normalise_validTarget_givesCanonicalPath(String target, String expected) {
    assertThat(RequestPaths.normalise(target)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/a%2Fb",
        "/a%2fb",
        "/a%5Cb",
        "/a\\b",
        "/a%00",
        "/a%0a",
        "/a%",
        "/a%zz",
        "a/b",
        "/a%252F",
        "/a#frag",
        "/a%23b",
        "/..;/admin",
        "/a/.;x/b",
        "/%2e%2e;/admin"
      })
  void normalise_ambiguousTarget_isRefused(String target) {
    assertThatThrownBy(() -> RequestPaths.normalise(target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("request path \"");
  }

  @Test
  void normalise_overlongTarget_isRefused() {
    String target = "/" + "a".repeat(RequestPaths.MAX_LENGTH);

    assertThatThrownBy(() -> RequestPaths.normalise(target))
        .hasMessageEndingWith("refused: longer than 8192 characters");
  }

  @ParameterizedTest
  @CsvSource({"/a?x=1&y=2, x=1&y=2", "/a?, ''"})
  void queryOf_targetWithQuery_givesIt(String target, String query) {
    assertThat(RequestPaths.queryOf(target)).isEqualTo(query);
  }
}
