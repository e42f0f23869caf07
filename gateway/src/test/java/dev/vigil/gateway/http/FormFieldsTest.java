package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One value per form field: a field given twice is refused, naming it. */
class FormFieldsTest {

  @Test
  void parse_fieldsOnce_decoded() {
    assertThat(FormFields.parse("username=ann&password=a+b%26c&rd=%2Fdocs"))
        .isEqualTo(Map.of("username", "ann", "password", "a b&c", "rd", "/docs"));
  }

  @Test
  void parse_utf8EscapesAndLiterals_decoded() {
    assertThat(FormFields.parse("reason=caf%C3%A9+%F0%9F%94%A5&note=d\u00e9j\u00e0+\ud83d\udd25"))
        .isEqualTo(
            Map.of("reason", "caf\u00e9 \ud83d\udd25", "note", "d\u00e9j\u00e0 \ud83d\udd25"));
  }

  /** URLDecoder made each such byte U+FFFD: the reason stored was not the one sent. */
  @Test
  void parse_escapeThatIsNotUtf8_refused() {
    assertThatThrownBy(() -> FormFields.parse("reason=caf%E9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("form field is not valid URL encoding of UTF-8 text");
  }

  @Test
  void parse_brokenEscape_refused() {
    assertThatThrownBy(() -> FormFields.parse("reason=a%2"))
        .hasMessage("form field is not valid URL encoding");
    assertThatThrownBy(() -> FormFields.parse("reason=a%zz"))
        .hasMessage("form field is not valid URL encoding");
    assertThatThrownBy(() -> FormFields.parse("reason=a%\u0663\u0663"))
        .hasMessage("form field is not valid URL encoding");
  }

  @Test
  void parse_fieldTwice_refusedNamingIt() {
    assertThatThrownBy(() -> FormFields.parse("password=a&password=b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("form field \"password\" appears twice; a field may appear only once");
  }

  /** Two spellings of one name are one name: the decoded one. */
  @Test
  void parse_fieldTwiceInTwoSpellings_refused() {
    assertThatThrownBy(() -> FormFields.parse("pass%77ord=a&password=b"))
        .hasMessageContaining("\"password\" appears twice");
  }

  @Test
  void parse_nameWithControlCharacters_quotedPrintable() {
    assertThatThrownBy(() -> FormFields.parse("a%0Ab=1&a%0Ab=2"))
        .hasMessageContaining("\"a?b\" appears twice");
  }

  @Test
  void requireSingle_parameterTwice_refusedNamingIt() {
    MultiMap params = MultiMap.caseInsensitiveMultiMap().add("rd", "/a").add("rd", "/b");

    assertThatThrownBy(() -> FormFields.requireSingle(params))
        .hasMessageContaining("\"rd\" appears twice");
  }
}
