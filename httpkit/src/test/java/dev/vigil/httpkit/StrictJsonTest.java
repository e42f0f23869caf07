package dev.vigil.httpkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {

  @Test
  void requireUniqueKeys_repeatedTopLevelKey_refusedNamingDocumentAndKey() {
    assertThatThrownBy(() -> StrictJson.requireUniqueKeys("doc", "{\"a\":1,\"a\":2}"))
        .isInstanceOf(StrictJson.Refused.class)
        .hasMessage("doc: duplicate key \"a\" in the top-level object; a key may appear only once")
        .extracting(e -> ((StrictJson.Refused) e).key())
        .isEqualTo("a");
  }

  @Test
  void requireUniqueKeys_repeatedNestedKey_refusedWithItsPath() {
    String json = "{\"posture\":{\"disk_encrypted\":false,\"disk_encrypted\":true}}";

    assertThatThrownBy(() -> StrictJson.requireUniqueKeys("report", json))
        .hasMessageContaining("duplicate key \"disk_encrypted\" in object posture");
  }

  @Test
  void requireUniqueKeys_repeatedKeyInsideArray_refused() {
    assertThatThrownBy(
            () -> StrictJson.requireUniqueKeys("jwks", "{\"keys\":[{},{\"kid\":\"a\",\"kid\":1}]}"))
        .hasMessageContaining("duplicate key \"kid\" in object keys.[1]");
  }

  @Test
  void requireUniqueKeys_sameKeySpelledWithAnEscape_refused() {
    assertThatThrownBy(() -> StrictJson.requireUniqueKeys("doc", "{\"alg\":1,\"\\u0061lg\":2}"))
        .hasMessageContaining("duplicate key \"alg\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"a\":1,}",
        "{\"a\" 1}",
        "[1,]",
        "{\"a\":01}",
        "{'a':1}",
        "{\"a\":1}x",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":tru}",
        "",
        "{"
      })
  void requireUniqueKeys_notJson_refusedSayingWhere(String text) {
    assertThatThrownBy(() -> StrictJson.requireUniqueKeys("doc", text))
        .isInstanceOf(StrictJson.Refused.class)
        .hasMessageStartingWith("doc: not JSON at character ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "[]",
        " {\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]} ",
        "{\"s\":\"\\ud83d\\ude00 \\\" \\\\ \\/ \\n"
            + "\",\"n\":-0.5e+10,\"t\":true,\"f\":false,\"z\":null}",
        "\"text\"",
        "12"
      })
  void requireUniqueKeys_validJsonWithoutRepeats_accepted(String text) {
    assertThatCode(() -> StrictJson.requireUniqueKeys("doc", text)).doesNotThrowAnyException();
  }

  @Test
  void topLevelKeys_object_returnsItsKeysOnly() {
    assertThat(StrictJson.topLevelKeys("h", "{\"alg\":\"ES256\",\"x\":{\"crit\":1}}"))
        .containsExactly("alg", "x");
  }

  @Test
  void check_headerWithCrit_refusedAsCriticalHeader() {
    String token =
        b64("{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}") + "." + b64("{}") + ".c2ln";

    assertThatThrownBy(() -> CompactJws.check("posture report", token))
        .isInstanceOf(CompactJws.CriticalHeader.class)
        .hasMessageContaining("posture report: header marks parameters critical (crit)");
  }

  @Test
  void check_payloadWithRepeatedClaim_refusedNamingThePayload() {
    String token =
        b64("{\"alg\":\"ES256\"}") + "." + b64("{\"sub\":\"a\",\"sub\":\"b\"}") + ".c2ln";

    assertThatThrownBy(() -> CompactJws.check("assertion", token))
        .isInstanceOf(StrictJson.Refused.class)
        .hasMessageStartingWith("assertion payload: duplicate key \"sub\"");
  }

  @Test
  void check_headerWithRepeatedAlg_refusedNamingTheHeader() {
    String token = b64("{\"alg\":\"none\",\"alg\":\"ES256\"}") + "." + b64("{}") + ".c2ln";

    assertThatThrownBy(() -> CompactJws.check("token", token))
        .hasMessageStartingWith("token header: duplicate key \"alg\"");
  }

  @Test
  void check_notThreeParts_refused() {
    assertThatThrownBy(() -> CompactJws.check("token", "a.b"))
        .hasMessage("token: not a compact JWS of three dot-separated parts");
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
