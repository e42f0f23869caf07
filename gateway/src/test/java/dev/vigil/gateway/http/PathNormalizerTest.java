package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kind (a) of the security cases: path normalisation and per-path bypass (C01, C03). */
class PathNormalizerTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // C01: dot segments, plain and percent-encoded, leave the allowed prefix.
    "/info/../private, /private",
    "/info/%2e%2e/private, /private",
    "/info/.%2E/private, /private",
    "/info/%2E%2e/private, /private",
    "/info/a/../b, /info/b",
    "/info/./b, /info/b",
    "/info/b/., /info/b/",
    "/info/b/.., /info/",
    "/../../etc/passwd, /etc/passwd",
    // Repeated slashes merge; unreserved characters decode; others keep upper-case hex.
    "//info///b, /info/b",
    "/%61%62%63, /abc",
    "/%7euser, /~user",
    "/a%20b, /a%20b",
    "/a%3fb, /a%3Fb",
    "/admin%3bx/users, /admin%3Bx/users", // an encoded ; is data, not a parameter
    "/info/a?x=1, /info/a",
    // Well-formed UTF-8 stays encoded, with upper-case hex.
    "/caf%c3%a9, /caf%C3%A9",
    "/%E2%82%AC/%F0%9F%98%80, /%E2%82%AC/%F0%9F%98%80",
  })
  void normalize_dotSegmentsAndEncodings_resolvedBeforePolicy(String raw, String want) {
    RequestPath p = PathNormalizer.normalize(raw);

    assertThat(p.isRefused()).as(p.refusal() == null ? "" : p.refusal()).isFalse();
    assertThat(p.path()).isEqualTo(want);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/info/..;/private", // C01 servlet path-parameter form
        "/info/%2e%2e;/private",
        "/info/.;/private",
        "/admin;/users", // a parameter on any segment: servlet upstreams serve /admin/users
        "/admin;jsessionid=1/users",
        "/admin/users;x",
        "/a/b;",
        "/user/profile#section1", // C03 fragment
        "/public/secret%23/endpoint", // C03 encoded fragment
        "/a%2Fb", // encoded slash
        "/a%2fb",
        "/a%5Cb", // encoded backslash
        "/a%5cb",
        "/a%00b", // encoded NUL
        "/a%0Ab", // encoded control character
        "/a\\b", // raw backslash
        "/a%zz", // malformed
        "/a%C0%AFb", // overlong "/"
        "/a%c0%ae%c0%ae/b", // overlong ".."
        "/a%E0%80%AFb", // three-byte overlong "/"
        "/a%c3%28", // bad continuation
        "/a%c3", // sequence cut short
        "/a%c3/b",
        "/a%80b", // stray continuation
        "/a%ED%A0%80b", // surrogate
        "/a%F4%90%80%80b", // above U+10FFFF
        "/a%FFb",
        "http://evil.example/hello", // absolute form
        "HTTPS://evil.example/",
        "/a%2",
        "relative/path",
        "",
        "/a?x=\u0000", // raw control characters in the query, relayed as they came
        "/a?x=\u0001y",
        "/a?\u001f",
        "/a?x=\u007f",
        "/a b", // a raw space (HTTP/2 :path): no HTTP/1.1 request line can carry it
        "/public/a HTTP/1.1 /admin",
        "/a?x=1 HTTP/1.0 y",
        "/caf\u00e9", // raw text that is not ASCII: sent upstream it would be re-encoded
        "/a?q=\u00e9",
        "/\u00c0\u00ae\u00c0\u00ae/admin",
      })
  void normalize_ambiguousTargets_refused(String raw) {
    assertThat(PathNormalizer.normalize(raw).isRefused()).isTrue();
  }

  /**
   * Regression: a target refused for its absolute form, or for not starting with {@code /}, was
   * quoted with its control characters into the answer and the service log (a terminal's ESC).
   */
  @ParameterizedTest
  @ValueSource(strings = {"http://x/\u001b[2J", "a\u001b[2J/b", "*\u0007"})
  void normalize_refusalQuotesNoControlCharacter(String raw) {
    RequestPath p = PathNormalizer.normalize(raw);

    assertThat(p.isRefused()).isTrue();
    assertThat(p.refusal()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
  }

  @ParameterizedTest
  @CsvSource({"/info/a?next=/../x, next=/../x", "/a?%2F=1, %2F=1"})
  void normalize_query_keptUntouched(String raw, String query) {
    assertThat(PathNormalizer.normalize(raw).query()).isEqualTo(query);
  }

  /** Whatever the input, an accepted path is absolute, has no dot segment and is stable. */
  @Property(tries = 2000)
  void normalize_anyInput_acceptedPathsAreCanonicalAndIdempotent(
      @ForAll @StringLength(max = 60) String tail) {
    RequestPath p = PathNormalizer.normalize("/" + tail);
    if (p.isRefused()) {
      return;
    }
    assertThat(p.path()).startsWith("/").doesNotContain("//");
    assertThat(("/" + p.path() + "/").split("/")).doesNotContain(".", "..");
    RequestPath again = PathNormalizer.normalize(p.path());
    assertThat(again.isRefused()).isFalse();
    assertThat(again.path()).isEqualTo(p.path());
  }

  /** Pieces that reach every step: dots, slashes, parameters, encodings and refused characters. */
  @Provide
  Arbitrary<String> targets() {
    return Arbitraries.of(
            "/",
            "//",
            ".",
            "..",
            ";",
            "..;",
            ".;",
            "a",
            "b.c",
            ".d",
            "%2e",
            "%2E",
            "%2e%2e",
            "%41",
            "%7e",
            "%2F",
            "%20",
            "%zz",
            "%",
            "\\",
            "?",
            "?x=/../y",
            "#",
            "~",
            "-_")
        .list()
        .ofMaxSize(12)
        .map(parts -> "/" + String.join("", parts));
  }

  /** The shortcut for paths without a dot segment answers exactly as the full steps do. */
  @Property(tries = 5000)
  void normalize_shortcut_agreesWithTheFullSteps(@ForAll("targets") String target) {
    assertThat(PathNormalizer.normalize(target, true))
        .as(target)
        .isEqualTo(PathNormalizer.normalize(target, false));
  }
}
