package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kind (c) of the security cases: open redirect after login (C06, C07). */
class RedirectTargetTest {

  private final RedirectTarget target =
      new RedirectTarget(List.of(".example.com", "tools.corp:8443"));

  /** The query parameter as the login endpoint receives it, decoded once. */
  private String check(String encoded) {
    return target.check(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "rd={0} -> {1}")
  @CsvSource({
    // C06: backslash and whitespace tricks.
    "//evil.example/, /",
    "/%5Cevil.example, /",
    "/%09/evil.example, /",
    "/%0a/evil.example, /",
    "/%0b/evil.example, /",
    "/%0d/evil.example, /",
    "/%20%5Cevil.example, /",
    "/.%2F%5Cevil.example, /",
    "/..//evil.example, /",
    "/./evil.example, /",
    "%2F%2Fevil.example, /",
    "javascript:alert(1), /",
    "/app/page%3Fx%3D1, /app/page?x=1",
    "/, /",
    "/dashboard, /dashboard",
  })
  void check_relativeTargets(String rd, String want) {
    assertThat(check(rd)).isEqualTo(want);
  }

  @ParameterizedTest(name = "rd={0} -> {1}")
  @CsvSource({
    // C07: allow-listed domain compared label by label, on the parsed host only.
    "https://app.example.com/x, https://app.example.com/x",
    "https://example.com/x, https://example.com/x",
    "https://badexample.com/x, /",
    "https://example.com.evil.example/x, /",
    "https://evil.example/x?next=app.example.com, /",
    "https://app.example.com@evil.example/, /",
    "https://app.example.com:8443/x, /",
    "https://tools.corp:8443/x, https://tools.corp:8443/x",
    "https://tools.corp/x, /",
    "ftp://app.example.com/x, /",
    // The docs name hosts and ports, not a scheme: plain http to a listed host passes too
    // (a gateway without TLS sends its users to http URLs), under the same host and port rules.
    "http://app.example.com/x, http://app.example.com/x",
    "http://tools.corp:8443/x, http://tools.corp:8443/x",
    "http://tools.corp/x, /",
    "http://app.example.com:8080/x, /",
    "http://evil.example/x, /",
    "http://app.example.com@evil.example/, /",
    "HTTP://app.example.com/x, HTTP://app.example.com/x",
  })
  void check_absoluteTargets(String rd, String want) {
    assertThat(target.check(rd)).isEqualTo(want);
  }
}
