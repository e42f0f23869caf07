package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.BooleanValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UriBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://example.com:8080/api?q=1#top|{\"scheme\": \"https\", \"hostname\":"
            + " \"example.com\", \"port\": \"8080\", \"path\": \"/api\", \"raw_path\": \"/api\","
            + " \"raw_query\": \"q=1\", \"fragment\": \"top\"}",
        "http://[::1]:8080/path|{\"scheme\": \"http\", \"hostname\": \"::1\", \"port\": \"8080\","
            + " \"path\": \"/path\", \"raw_path\": \"/path\"}",
        "https://example.com/path%2Fwith%2Fslashes|{\"scheme\": \"https\", \"hostname\":"
            + " \"example.com\", \"path\": \"/path/with/slashes\", \"raw_path\":"
            + " \"/path%2Fwith%2Fslashes\"}",
        "https://example.com/a%28b%29|{\"scheme\": \"https\", \"hostname\": \"example.com\","
            + " \"path\": \"/a(b)\", \"raw_path\": \"/a(b)\"}",
        "mailto:user@example.com|{\"scheme\": \"mailto\"}",
        "http://foo]bar/|{\"scheme\": \"http\", \"hostname\": \"foo]bar\", \"path\": \"/\","
            + " \"raw_path\": \"/\"}",
      })
  void parse_validUri_givesParts(String uri, String want) {
    assertThat(call("uri.parse", str(uri))).isEqualTo(json(want));
    assertThat(call("uri.is_valid", str(uri))).isEqualTo(BooleanValue.TRUE);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://exa%6dple.com/|parse \"http://exa%6dple.com/\": invalid URL escape \"%6d\"",
        "http://a<b@example.com/|parse \"http://a<b@example.com/\": net/url: invalid userinfo",
        "http://example.com:٣٤/|parse \"http://example.com:٣٤/\": invalid port \":٣٤\" after host",
        "http://[invalid|parse \"http://[invalid\": missing ']' in host",
        "http://user name@example.com/|parse \"http://user name@example.com/\": net/url: invalid"
            + " userinfo",
      })
  void parse_invalidUri_failsWithGoMessage(String uri, String message) {
    assertThatThrownBy(() -> call("uri.parse", str(uri))).hasMessage(message);
    assertThat(call("uri.is_valid", str(uri))).isEqualTo(BooleanValue.FALSE);
  }
}
