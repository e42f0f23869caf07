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
