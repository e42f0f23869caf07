package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SpiffeIdException.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Case C14 of the security cases (SPIFFE ID edge cases) and the whole kind around it. */
class SpiffeIdTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spiffe://example.org/ns/prod/sa/web",
        "spiffe://example.org/.../svc",
        "spiffe://example.org/Path/Svc",
        "spiffe://example.org",
        "spiffe://a_b-c.9/x.y-z_Q",
        "spiffe://example.org/..a/a../.a./-_"
      })
  void parse_validId_roundTripsUnchanged(String text) {
    assertThat(SpiffeId.parse(text).toString()).isEqualTo(text);
  }

  @Test
  void parse_pathCase_isKept() {
    SpiffeId upper = SpiffeId.parse("spiffe://example.org/Path/Svc");
    SpiffeId lower = SpiffeId.parse("spiffe://example.org/path/svc");
    assertThat(upper).isNotEqualTo(lower);
    assertThat(upper.segments()).containsExactly("Path", "Svc");
  }

  @Test
  void parse_trustDomainOnly_isTrustDomainId() {
    SpiffeId id = SpiffeId.parse("spiffe://example.org");
    assertThat(id.isTrustDomainId()).isTrue();
    assertThat(id).isEqualTo(new TrustDomain("example.org").id());
    assertThat(id.segments()).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "spiffe://example.org/a/|TRAILING_SLASH",
        "spiffe://example.org/|TRAILING_SLASH",
        "spiffe://example.org//|TRAILING_SLASH",
        "spiffe://example.org/a//b|EMPTY_SEGMENT",
        "spiffe://example.org//a|EMPTY_SEGMENT",
        "spiffe://example.org/a/./b|DOT_SEGMENT",
        "spiffe://example.org/a/../b|DOT_SEGMENT",
        "spiffe://example.org/..|DOT_SEGMENT",
        "spiffe://example.org/.|DOT_SEGMENT",
        "spiffe://example.org/a/..|DOT_SEGMENT",
        "spiffe://example.org/a%2Fb|PERCENT_ENCODING",
        "spiffe://example.org/%61|PERCENT_ENCODING",
        "spiffe://example.org/a%2e%2e|PERCENT_ENCODING",
        "spiffe://exa%6Dple.org/a|PERCENT_ENCODING",
        "spiffe://user@example.org/a|USERINFO",
        "spiffe://user:pw@example.org/a|USERINFO",
        "spiffe://example.org:8443/a|PORT",
        "spiffe://example.org:/a|PORT",
        "spiffe://[::1]/a|IP_LITERAL",
        "spiffe://[::1]:80/a|IP_LITERAL",
        "spiffe://example.org/a?x=1|QUERY",
        "spiffe://example.org?x=1|QUERY",
        "spiffe://example.org/a#f|FRAGMENT",
        "spiffe://example.org#f|FRAGMENT",
        "spiffe:///a|MISSING_TRUST_DOMAIN",
        "spiffe://|MISSING_TRUST_DOMAIN",
        "https://example.org/a|WRONG_SCHEME",
        "spiffe:/example.org/a|WRONG_SCHEME",
        "example.org/a|WRONG_SCHEME",
        "spiffe://example.org/a b|BAD_PATH_CHAR",
        "spiffe://example.org/a\\b|BAD_PATH_CHAR",
        "spiffe://example.org/a+b|BAD_PATH_CHAR",
        "spiffe://example.org/caf\u00e9|BAD_PATH_CHAR",
        "spiffe://example.org/a\tb|BAD_PATH_CHAR",
        "spiffe://exam ple.org/a|BAD_TRUST_DOMAIN_CHAR",
        "spiffe://ex\u00e4mple.org/a|BAD_TRUST_DOMAIN_CHAR",
        "spiffe://example.org\\a|BAD_TRUST_DOMAIN_CHAR",
        "spiffe://EXAMPLE.ORG/a|UPPER_CASE_TRUST_DOMAIN",
        "spiffe://Example.org/a|UPPER_CASE_TRUST_DOMAIN",
        "SPIFFE://EXAMPLE.ORG/MyService|UPPER_CASE_SCHEME",
        "Spiffe://example.org/a|UPPER_CASE_SCHEME"
      })
  void parse_malformedId_isRejectedWithReason(String text, Problem problem) {
    assertThatThrownBy(() -> SpiffeId.parse(text))
        .isInstanceOfSatisfying(
            SpiffeIdException.class, e -> assertThat(e.problem()).isEqualTo(problem))
        .hasMessageContaining(text);
  }

  @Test
  void parse_emptyOrNull_isRejected() {
    assertThatThrownBy(() -> SpiffeId.parse(""))
        .isInstanceOfSatisfying(
            SpiffeIdException.class, e -> assertThat(e.problem()).isEqualTo(Problem.EMPTY));
    assertThatThrownBy(() -> SpiffeId.parse(null)).isInstanceOf(SpiffeIdException.class);
  }

  @Test
  void parse_exactly2048Bytes_isAccepted() {
    String head = "spiffe://example.org/";
    String id = head + "a".repeat(SpiffeId.MAX_LENGTH - head.length());
    assertThat(SpiffeId.parse(id).toString()).hasSize(2048);
  }

  @Test
  void parse_2049Bytes_isRejectedAsTooLong() {
    String head = "spiffe://example.org/";
    String id = head + "a".repeat(SpiffeId.MAX_LENGTH + 1 - head.length());
    assertThatThrownBy(() -> SpiffeId.parse(id))
        .isInstanceOfSatisfying(
            SpiffeIdException.class, e -> assertThat(e.problem()).isEqualTo(Problem.TOO_LONG))
        .hasMessageContaining("2049 bytes");
  }

  @Test
  void parse_trustDomainOf255_isAcceptedAnd256Rejected() {
    String td255 = "a".repeat(255);
    assertThat(SpiffeId.parse("spiffe://" + td255 + "/x").trustDomain().name()).hasSize(255);
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://" + td255 + "a/x"))
        .isInstanceOfSatisfying(
            SpiffeIdException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.TRUST_DOMAIN_TOO_LONG));
  }

  @ParameterizedTest
  @ValueSource(strings = {"foo/bar", "..", ".", "service/", "", "a%2Fb", "a b", "/lead"})
  void of_badSegment_isRejectedNotJoined(String segment) {
    TrustDomain td = new TrustDomain("example.org");
    assertThatThrownBy(() -> SpiffeId.of(td, "ok", segment))
        .isInstanceOf(SpiffeIdException.class)
        .hasMessageContaining("\"" + segment + "\"");
  }

  @Test
  void of_goodSegments_buildsPath() {
    SpiffeId id = SpiffeId.of(new TrustDomain("example.org"), List.of("ns", "prod", "..."));
    assertThat(id.toString()).isEqualTo("spiffe://example.org/ns/prod/...");
  }

  @Test
  void of_noSegments_isTrustDomainId() {
    assertThat(SpiffeId.of(new TrustDomain("example.org")).isTrustDomainId()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a/", "a", "/a//b", "/./a", "/a?b", "/a#b", "/%41"})
  void fromPath_badPath_isRejected(String path) {
    assertThatThrownBy(() -> SpiffeId.fromPath(new TrustDomain("example.org"), path))
        .isInstanceOf(SpiffeIdException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"EXAMPLE.ORG", "example.org:443", "user@example.org", "", "[::1]"})
  void trustDomain_badName_isRejected(String name) {
    assertThatThrownBy(() -> new TrustDomain(name)).isInstanceOf(SpiffeIdException.class);
  }

  @Test
  void trustDomain_parse_acceptsSpiffeFormWithoutPath() {
    assertThat(TrustDomain.parse("spiffe://prod.example"))
        .isEqualTo(new TrustDomain("prod.example"));
    assertThatThrownBy(() -> TrustDomain.parse("spiffe://prod.example/a"))
        .isInstanceOf(SpiffeIdException.class)
        .hasMessageContaining("has a path")
        .isInstanceOfSatisfying(
            SpiffeIdException.class, e -> assertThat(e.problem()).isEqualTo(Problem.HAS_PATH));
  }

  @Test
  void memberOf_otherTrustDomain_isFalse() {
    SpiffeId id = SpiffeId.parse("spiffe://staging.example/web");
    assertThat(id.memberOf(new TrustDomain("prod.example"))).isFalse();
    assertThat(id.memberOf(new TrustDomain("staging.example"))).isTrue();
  }
}
