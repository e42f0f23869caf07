package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.SetValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EncodingBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "base64.encode|hello|aGVsbG8=",
        "base64.decode|aGVsbG8=|hello",
        "base64.decode|c3ViamVjdHM/X2Q=|subjects?_d",
        "base64url.encode|subjects?_d|c3ViamVjdHM_X2Q=",
        "base64url.encode_no_pad|hello|aGVsbG8",
        "base64url.decode|aGVsbG8|hello",
        "base64url.decode|aGVsbG8=|hello",
        "hex.encode|lorem ipsum|6c6f72656d20697073756d",
        "hex.decode|6c6f72656d20697073756d|lorem ipsum",
        "urlquery.encode|a=b+1 c|a%3Db%2B1+c",
        "urlquery.decode|a%3Db%2B1+c|a=b+1 c",
      })
  void stringBuiltin_validInput_givesGoResult(String name, String in, String out) {
    assertThat(call(name, str(in))).isEqualTo(str(out));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "base64.decode|aGVsbG8|illegal base64 data at input byte 4",
        "base64.decode|aGVs*G8=|illegal base64 data at input byte 4",
        "base64.decode|aGVsbG8=x|illegal base64 data at input byte 8",
        "base64.decode|a===|illegal base64 data at input byte 1",
        "hex.decode|fghijkl|encoding/hex: invalid byte: U+0067 'g'",
        "hex.decode|abc|encoding/hex: odd length hex string",
        "urlquery.decode|a%zzb|invalid URL escape \"%zz\"",
        "urlquery.decode|a%4|invalid URL escape \"%4\"",
      })
  void stringBuiltin_badInput_failsWithGoMessage(String name, String in, String message) {
    assertThatThrownBy(() -> call(name, str(in)))
        .isInstanceOf(BuiltinException.class)
        .hasMessage(message)
        .extracting(e -> ((BuiltinException) e).code())
        .isEqualTo(BuiltinException.BUILTIN_ERROR);
  }

  @Test
  void isValid_nonString_isFalse() {
    assertThat(call("base64.is_valid", NumberValue.of(1))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("json.is_valid", NumberValue.of(1))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("yaml.is_valid", NumberValue.of(1))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("base64.is_valid", str("{'not':'base64'}"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("base64.is_valid", str("aGVsbG8="))).isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void jsonMarshal_setsAndHtml_writesAsGo() {
    var v = json("[{\"foo\": \"<&>\"}]");
    assertThat(call("json.marshal", v)).isEqualTo(str("[{\"foo\":\"\\u003c\\u0026\\u003e\"}]"));
    var set = SetValue.of(NumberValue.of(3), NumberValue.of(1));
    assertThat(call("json.marshal", set)).isEqualTo(str("[1,3]"));
  }

  @Test
  void jsonMarshalWithOptions_prefixAndIndent_prefixesEveryLine() {
    var out =
        call(
            "json.marshal_with_options",
            json("{\"foo\": \"bar\", \"bar\": [1]}"),
            json("{\"prefix\": \"P \", \"indent\": \"  \"}"));
    assertThat(out)
        .isEqualTo(str("P {\nP   \"bar\": [\nP     1\nP   ],\nP   \"foo\": \"bar\"\nP }"));
  }

  @Test
  void jsonMarshalWithOptions_unknownKey_isTypeError() {
    assertThatThrownBy(() -> call("json.marshal_with_options", json("[]"), json("{\"x\": 1}")))
        .hasMessage("operand 2 object contained unknown key \"x\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "plain|invalid character 'p' looking for beginning of value",
        "{|unexpected EOF",
        "[1 2]|invalid character '2' after array element",
        "{\"a\" 1}|invalid character '1' after object key",
        "1 2|error: invalid character '2' after top-level value",
        "{} {}|error: invalid character '{' after top-level value",
        "1 ]|invalid character ']' looking for beginning of value",
        "tru|unexpected EOF",
        "trux|invalid character 'x' in literal true (expecting 'e')",
      })
  void jsonUnmarshal_badText_failsWithGoMessage(String text, String message) {
    assertThatThrownBy(() -> call("json.unmarshal", str(text))).hasMessage(message);
    assertThat(call("json.is_valid", str(text))).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void jsonUnmarshal_document_givesValue() {
    assertThat(call("json.unmarshal", str("[{\"foo\":[1,2.5,\"\\u00e9\"]}]")))
        .isEqualTo(json("[{\"foo\":[1,2.5,\"é\"]}]"));
  }

  @Test
  void yaml_roundTrip_keepsValue() {
    var v =
        json("{\"a\": [1, {\"b\": \"yes\", \"c\": []}], \"d\": \"x: y\", \"e\": \"\", \"f\": 1.5}");
    var text = call("yaml.marshal", v);
    assertThat(text).isEqualTo(str("a:\n- 1\n- b: \"yes\"\n  c: []\nd: 'x: y'\ne: \"\"\nf: 1.5\n"));
    assertThat(call("yaml.unmarshal", text)).isEqualTo(v);
  }

  @Test
  void yamlUnmarshal_yaml11Scalars_resolveAsGo() {
    assertThat(call("yaml.unmarshal", str("a: yes\nb: 2001-12-14\nc: ~\n")))
        .isEqualTo(json("{\"a\": true, \"b\": \"2001-12-14\", \"c\": null}"));
  }

  @Test
  void yamlUnmarshal_unclosedFlow_failsAsLibyaml() {
    assertThatThrownBy(() -> call("yaml.unmarshal", str("[1,2,3")))
        .hasMessageStartingWith("yaml: line 1: did not find expected ',' or ']'");
    assertThat(call("yaml.is_valid", str("foo:\n - qux: bar\n - baz: {")))
        .isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void urlqueryObject_roundTrip_sortsKeys() {
    assertThat(call("urlquery.encode_object", json("{\"c\": \"d\", \"a\": [\"b+1\", \"c 2\"]}")))
        .isEqualTo(str("a=b%2B1&a=c+2&c=d"));
    assertThat(call("urlquery.decode_object", str("a=1&b&a=2")))
        .isEqualTo(json("{\"a\": [\"1\", \"2\"], \"b\": [\"\"]}"));
    assertThatThrownBy(() -> call("urlquery.encode_object", json("{\"a\": 1}")))
        .hasMessage("operand 1 values must be string, array[string], or set[string]");
  }

  @Test
  void yamlMarshal_longString_foldsPastColumn80() {
    StringBuilder words = new StringBuilder("word1");
    for (int i = 2; i <= 30; i++) {
      words.append(" word").append(i);
    }
    var v = json("{\"a\": \"" + words + "\", \"b\": [\"" + words + "\"]}");
    String text = ((dev.vigil.rego.value.StringValue) call("yaml.marshal", v)).value();
    assertThat(text)
        .startsWith(
            "a: word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13"
                + "\n  word14 ");
    assertThat(text).contains("\nb:\n- word1 ");
    assertThat(call("yaml.unmarshal", str(text))).isEqualTo(v);
  }

  @Test
  void yamlMarshal_multilineAndQuotes_useLiteralAndQuotedStyles() {
    var v = json("{\"c\": {\"d\": \"multi\\nline\\n\", \"e\": \"it's: x\"}, \"f\": \"1:20\"}");
    assertThat(call("yaml.marshal", v))
        .isEqualTo(str("c:\n  d: |\n    multi\n    line\n  e: 'it''s: x'\nf: \"1:20\"\n"));
    assertThat(call("yaml.unmarshal", call("yaml.marshal", v))).isEqualTo(v);
    assertThat(call("yaml.unmarshal", str("t: 1:20"))).isEqualTo(json("{\"t\": \"1:20\"}"));
  }

  @Test
  void jsonUnmarshal_surrogateEscapes_pairOrReplace() {
    assertThat(call("json.unmarshal", str("\"\\ud83d\\ude00 \\ud800x\"")))
        .isEqualTo(str("\ud83d\ude00 \ufffdx"));
  }

  @Test
  void jsonUnmarshal_trailingNull_isIgnoredAsOpa() {
    assertThat(call("json.unmarshal", str("[1] null"))).isEqualTo(json("[1]"));
    assertThat(call("json.is_valid", str("[1] null"))).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void yamlMarshal_timestampLikeString_isQuoted() {
    assertThat(call("yaml.marshal", json("[\"2001-12-14\", \"2001-12-14T21:59:43.10Z\", \"x\"]")))
        .isEqualTo(str("- \"2001-12-14\"\n- \"2001-12-14T21:59:43.10Z\"\n- x\n"));
  }

  @Test
  void urlqueryDecodeObject_badPairs_failWithGoMessage() {
    assertThatThrownBy(() -> call("urlquery.decode_object", str("a=1;b=2")))
        .hasMessage("invalid semicolon separator in query");
    assertThatThrownBy(() -> call("urlquery.decode_object", str("a=%zz&b=1")))
        .hasMessage("invalid URL escape \"%zz\"");
  }
}
