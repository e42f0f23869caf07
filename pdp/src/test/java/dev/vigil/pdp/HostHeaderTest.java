package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Host header's shape check, written out by hand for speed, against its grammar. */
class HostHeaderTest {

  /** The grammar as a regular expression: the reference the scanner must agree with. */
  private static final Pattern GRAMMAR =
      Pattern.compile(
          "(\\[[0-9A-Fa-f:.]+\\]|([A-Za-z0-9_-]+\\.)*[A-Za-z0-9_-]+\\.?)(:[0-9]{1,5})?");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com",
        "example.com:8443",
        "127.0.0.1",
        "127.0.0.1:80",
        "[::1]",
        "[::1]:8080",
        "a.example:65535",
        "[2001:db8::1]",
        "a_b-c-d.e",
        "secure.localhost.",
        "secure.localhost.:40080"
      })
  void hosts_pass(String host) {
    assertThat(HostHeader.valid(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ":80",
        "example.com:",
        "example.com:123456",
        "a.example:99999", // five digits, but no port
        "a.example:65536",
        "example.com:8a",
        "[]",
        "[::1",
        "::1]",
        "[::1]x",
        "[::g]",
        "exa mple.com",
        "<script>",
        "a@b",
        "a/b",
        "a:80:80",
        "a~b",
        "secure.localhost..",
        ".secure.localhost",
        "a..b",
        ".",
        "..:80"
      })
  void nonHosts_areRefused(String value) {
    assertThat(HostHeader.valid(value)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void nullAndOverlong_areRefused() {
    assertThat(HostHeader.valid(null)).isFalse();
    assertThat(HostHeader.valid("a".repeat(256))).isFalse();
    assertThat(HostHeader.valid("a".repeat(255))).isTrue();
  }

  @ParameterizedTest
  @CsvSource({
    "secure.localhost., secure.localhost",
    "Secure.LocalHost., secure.localhost",
    "secure.localhost.:40080, secure.localhost:40080",
    "SECURE.localhost:40080, secure.localhost:40080",
    "[::1]:8080, [::1]:8080",
    "127.0.0.1., 127.0.0.1"
  })
  void normalize_lowerCaseWithoutTheTrailingDot(String value, String want) {
    assertThat(HostHeader.normalize(value)).isEqualTo(want);
  }

  @Property(tries = 5_000)
  void agreesWithTheGrammar(@ForAll("hostish") String value) {
    assertThat(HostHeader.valid(value)).as("%s", value).isEqualTo(GRAMMAR.matcher(value).matches());
  }

  @Provide
  Arbitrary<String> hostish() {
    return Arbitraries.strings().withChars("aZ09._~-[]:%@/ <>f").ofMinLength(0).ofMaxLength(14);
  }

  /**
   * The request-level check every listener asks: over HTTP/2 an {@code :authority} is held to the
   * Host's rules, must name the Host's host when both come, and one of them must come.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "HTTP_2   | -              | a..b        | BAD_HOST | the :authority is not a host name",
        "HTTP_2   | a.example      | b.example   | BAD_HOST | the :authority and the Host header",
        "HTTP_2   | a.example:1    | a.example:2 | BAD_HOST | the :authority and the Host header",
        "HTTP_2   | -              | -           | NO_HOST  | the request has neither :authority",
        "HTTP_2   | <b>            | a.example   | BAD_HOST | the Host header is not a host name",
        "HTTP_1_1 | -              | -           | NO_HOST  | the request has no Host header",
      })
  void refusal_badOrDisagreeingOrMissing_refused(
      io.vertx.core.http.HttpVersion version,
      String host,
      String authority,
      String code,
      String reason) {
    HostHeader.Refusal r =
        HostHeader.refusal(
            host == null ? java.util.List.of() : java.util.List.of(host), authority, version);

    assertThat(r).isNotNull();
    assertThat(r.code()).isEqualTo(code);
    assertThat(r.reason()).startsWith(reason);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "HTTP_2   | -              | a.example",
        "HTTP_2   | A.Example.     | a.example",
        "HTTP_2   | [::1]:8        | [::1]:8",
        "HTTP_2   | a.example      | -",
        "HTTP_1_0 | -              | -",
        "HTTP_1_1 | a.example:80   | -",
      })
  void refusal_oneHostOneWay_none(
      io.vertx.core.http.HttpVersion version, String host, String authority) {
    assertThat(
            HostHeader.refusal(
                host == null ? java.util.List.of() : java.util.List.of(host), authority, version))
        .isNull();
  }
}
