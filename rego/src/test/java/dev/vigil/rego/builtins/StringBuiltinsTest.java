package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StringBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u0000',
      value = {
        "indexof|\"abcabcabcdefgh\"|\"cde\"|8",
        "indexof|\"skön var våren\"|\"vår\"|9",
        "indexof|\"🍧🍨🧁🍰🍮\"|\"🍮\"|4",
        "indexof|\"μ\"|\"μμ\"|-1",
        "indexof_n|\"😇😀😇😀😇😀\"|\"😀\"|[1, 3, 5]",
        "indexof_n|\"aaa\"|\"aa\"|[0, 1]",
        "strings.count|\"cheese\"|\"e\"|3",
        "strings.count|\"11111\"|\"11\"|2",
        "strings.count|\"dummy\"|\"\"|6",
        "split|\"foo.bar.baz\"|\".\"|[\"foo\", \"bar\", \"baz\"]",
        "split|\"test\"|\"\"|[\"t\", \"e\", \"s\", \"t\"]",
        "split|\"\"|\"\"|[]",
        "split|\"\"|\".\"|[\"\"]",
        "trim|\"¡¡¡foo, bar!!!\"|\"!¡\"|\"foo, bar\"",
        "trim|\"...foo.bar...\"|\".fr\"|\"oo.ba\"",
        "trim_left|\"¡¡¡foo, bar!!!\"|\"!¡\"|\"foo, bar!!!\"",
        "trim_right|\"xxaxx\"|\"x\"|\"xxa\"",
        "trim_prefix|\"foobar\"|\"foo\"|\"bar\"",
        "trim_suffix|\"¡¡¡foo, bar!!!\"|\", bar!!!\"|\"¡¡¡foo\"",
        "concat|\"/\"|[\"\", \"foo\", \"bar\"]|\"/foo/bar\"",
        "format_int|15.5|16|\"f\"",
        "format_int|-15.9|16|\"-f\"",
        "format_int|18446744073709551617|2|"
            + "\"10000000000000000000000000000000000000000000000000000000000000001\"",
        "startswith|\"abcdefgh\"|\"abcd\"|true",
        "endswith|\"abcdefgh\"|\"fg\"|false",
        "contains|\"abcdefgh\"|\"defg\"|true",
        "strings.any_prefix_match|[\"a/b/c\", \"e/f/g\"]|[\"d/\", \"e/f/g\"]|true",
        "strings.any_suffix_match|\"a/b/c\"|[\"/c\", \"/a\"]|true",
      })
  void twoOperands_strings_matchOpa(String name, String x, String y, String want) {
    assertThat(call(name, x, y)).isEqualTo(Json.parse(want));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u0000',
      value = {
        "\"abcdefgh\"|2|3|\"cde\"",
        "\"åäö\"|0|2|\"åä\"",
        "\"aåäö\"|2|-1|\"äö\"",
        "\"abcdefghåäö\"|2|10000|\"cdefghåäö\"",
        "\"åäö\"|3|-1|\"\"",
        "\"aaa\"|4|-1|\"\"",
        "\"abc\"|1|10000000000|\"bc\"",
        "\"abc\"|10000000000000000000000|1|\"\"",
      })
  void substring_runes_matchOpa(String s, String start, String len, String want) {
    assertThat(call("substring", s, start, len)).isEqualTo(Json.parse(want));
  }

  @Test
  void substring_negativeOffset_fails() {
    assertThatThrownBy(() -> call("substring", "\"aaa\"", "-1", "-1"))
        .hasMessage("negative offset");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\u0000',
      value = {
        "\"a.b.c.d\"|2|[\"a\", \"b\"]",
        "\"a.b.c.d\"|10|[\"a\", \"b\", \"c\", \"d\"]",
        "\"a.b.c.d\"|0|[]",
        "\"a.b.c.d\"|-2|[\"c\", \"d\"]",
        "\"abc\"|-2|[\"abc\"]",
      })
  void splitN_count_keepsFirstOrLastParts(String s, String n, String want) {
    assertThat(call("strings.split_n", s, "\".\"", n)).isEqualTo(Json.parse(want));
    assertThat(call("strings.split_n", "\"abc\"", "\"\"", "-2"))
        .isEqualTo(Json.parse("[\"b\", \"c\"]"));
  }

  @Test
  void replace_overlapsAndEmptyPatterns_followGoReplacer() {
    assertThat(call("replace", "\"foo...bar\"", "\"..\"", "\",,\""))
        .isEqualTo(StringValue.of("foo,,.bar"));
    assertThat(call("replace", "\"abc\"", "\"\"", "\"-\"")).isEqualTo(StringValue.of("-a-b-c-"));
    assertThat(call("strings.replace_n", "{\"f\": \"x\", \"foo\": \"xxx\"}", "\"foobar\""))
        .isEqualTo(StringValue.of("xoobar"));
    assertThat(
            call(
                "strings.replace_n",
                "{\"<\": \"&lt;\", \">\": \"&gt;\"}",
                "\"This is <b>HTML</b>!\""))
        .isEqualTo(StringValue.of("This is &lt;b&gt;HTML&lt;/b&gt;!"));
    assertThatThrownBy(() -> call("strings.replace_n", "{\"f\": 100}", "\"foo\""))
        .hasMessage("operand 1 non-string value found in pattern object");
  }

  @Test
  void reverseUpperLowerTrimSpace_unicode_matchGo() {
    assertThat(call("strings.reverse", StringValue.of("1\uD83D\uDE00\uD835\uDEFE")))
        .isEqualTo(StringValue.of("\uD835\uDEFE\uD83D\uDE001"));
    assertThat(call("upper", StringValue.of("straße"))).isEqualTo(StringValue.of("STRAßE"));
    assertThat(call("lower", StringValue.of("AbC"))).isEqualTo(StringValue.of("abc"));
    assertThat(call("trim_space", StringValue.of("\u00a0\u2003 x \u3000\n")))
        .isEqualTo(StringValue.of("x"));
  }

  @Test
  void anyPrefixMatch_badElements_failAsOpa() {
    assertThatThrownBy(() -> call("strings.any_prefix_match", "[1]", "\"a\""))
        .hasMessage("operand 1 must be array of strings but got array containing number");
    assertThatThrownBy(() -> call("strings.any_prefix_match", "\"a\"", "1"))
        .hasMessage("operand 2 must be one of {string, set, array} but got number");
    assertThat(
            call(
                "strings.any_prefix_match",
                SetValue.of(StringValue.of("ab")),
                SetValue.of(StringValue.of("a"))))
        .isEqualTo(Json.parse("true"));
    assertThatThrownBy(() -> call("format_int", "4.1", "199"))
        .hasMessage("operand 2 must be one of {2, 8, 10, 16}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '¦',
      ignoreLeadingAndTrailingWhitespace = false,
      quoteCharacter = '\u0000',
      value = {
        "\"hi\"¦[]¦hi",
        "\"hi %s\"¦[\"there\"]¦hi there",
        "\"hi %02d\"¦[5]¦hi 05",
        "\"hi %02X.%02X\"¦[127, 1]¦hi 7F.01",
        "\"hi %.2f\"¦[3.1415]¦hi 3.14",
        "\"hi %v\"¦[2e308]¦hi 2e308",
        "\"hi %s\"¦[true]¦hi true",
        "\"hi %v\"¦[[\"there\", 5, 3.14]]¦hi [\"there\", 5, 3.14]",
        "\"%v\"¦[18446744073709551618]¦18446744073709551618",
        "\"%x\"¦[18446744073709551617]¦10000000000000001",
        "\"%d\"¦[\"x\"]¦%!d(string=x)",
        "\"%s\"¦[5]¦%!s(int=5)",
        "\"%d %d\"¦[1]¦1 %!d(MISSING)",
        "\"%d\"¦[1, \"a\"]¦1%!(EXTRA string=a)",
        "\"%v\"¦[{\"a\": 1}]¦{\"a\": 1}",
        "\"%v\"¦[[\"<b>&\", \"\\u0001\"]]¦[\"<b>&\", \"\\x01\"]",
        "\"%e\"¦[1234.5678]¦1.234568e+03",
        "\"%g\"¦[0.000012345]¦1.2345e-05",
        "\"%v\"¦[1234567.5]¦1.2345675e+06",
        "\"%v\"¦[100000.5]¦100000.5",
        "\"%.3g\"¦[3.14159]¦3.14",
        "\"%8.3f|\"¦[3.14159]¦   3.142|",
        "\"%-8d|\"¦[42]¦42      |",
        "\"%+d\"¦[42]¦+42",
        "\"%q\"¦[\"a\\\"b\"]¦\"a\\\"b\"",
        "\"%x\"¦[\"hi\"]¦6869",
        "\"%T %T\"¦[1, 1.5]¦int float64",
        "\"%5s|%-5s|\"¦[\"ab\", \"cd\"]¦   ab|cd   |",
        "\"%.1s\"¦[\"åb\"]¦å",
        "\"100%%\"¦[]¦100%",
        "\"%\"¦[]¦%!(NOVERB)",
        "\"%[2]d %[1]d\"¦[1, 2]¦2 1",
        "\"%.0f %.0f %.0f\"¦[0.5, 1.5, 2.5]¦0 2 2",
        "\"%f\"¦[1.5]¦1.500000",
        "\"%t\"¦[true]¦%!t(string=true)",
        "\"%o %b %#x\"¦[8, 5, 255]¦10 101 0xff",
        "\"%c\"¦[65]¦A",
        "\"%#v\"¦[\"a\"]¦\"a\"",
        "\"%x %X\"¦[1.5, 0.1]¦0x1.8p+00 0X1.999999999999AP-04",
      })
  void sprintf_formats_matchGoFmt(String format, String args, String want) {
    assertThat(call("sprintf", format, args)).isEqualTo(StringValue.of(want));
  }

  @Test
  void renderTemplate_conformanceCases_render() {
    assertThat(call("strings.render_template", "\"{{.test}}\"", "{\"test\": 2023}"))
        .isEqualTo(StringValue.of("2023"));
    assertThat(
            call(
                "strings.render_template",
                "\"{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}\"",
                "{\"hellonames\": [\"rohan\", \"john doe\"]}"))
        .isEqualTo(StringValue.of("hello rohan,hello john doe"));
    assertThat(
            call("strings.render_template", "\"test {{.foo}} {{.bar}} {{.baz}}\"", "{\"baz\": 1}"))
        .isEqualTo(StringValue.of("test <undefined> <undefined> 1"));
    assertThat(
            call(
                "strings.render_template",
                "\"{{- if eq .a \\\"x\\\" }} yes {{- else }}no{{ end -}} !\"",
                "{\"a\": \"x\"}"))
        .isEqualTo(StringValue.of(" yes!"));
    assertThat(
            call(
                "strings.render_template",
                "\"{{ .a | len }} {{ index .b 1 }} {{ with .c }}{{ .d }}{{ end }}\"",
                "{\"a\": \"héllo\", \"b\": [\"x\", \"y\"], \"c\": {\"d\": true}}"))
        .isEqualTo(StringValue.of("6 y true"));
    assertThat(
            call(
                "strings.render_template",
                "\"{{ printf \\\"%s|%d|%v\\\" .n .n 7 }}\"",
                "{\"n\": 5}"))
        .isEqualTo(StringValue.of("5|%!d(json.Number=5)|7"));
    assertThatThrownBy(() -> call("strings.render_template", "\"{{ .a \"", "{}"))
        .isInstanceOf(BuiltinException.class);
  }

  @Test
  void renderTemplate_hostileNestingAndRanges_failCleanly() {
    String deep = "{{if true}}".repeat(5000) + "x" + "{{end}}".repeat(5000);
    assertThatThrownBy(
            () -> call("strings.render_template", StringValue.of(deep), Json.parse("{}")))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("nested more than 1000 deep");
    assertThatThrownBy(
            () ->
                call(
                    "strings.render_template",
                    StringValue.of("{{range 2000000000}}x{{end}}"),
                    Json.parse("{}")))
        .hasMessageContaining("longer than the limit");
  }
}
