package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonBuiltinsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}|[\"a/b/c\", \"e\"]|{\"a\": {\"b\":"
            + " {\"c\": 7}}, \"e\": 9}",
        "{\"a\": {\"b\": 7}}|[\"a\", \"a/b\"]|{\"a\": {\"b\": 7}}",
        "{\"a\": [{\"b\": 7, \"c\": 8}, {\"d\": 9}]}|[\"a/0/b\", \"a/1\"]|{\"a\": [{\"b\": 7},"
            + " {\"d\": 9}]}",
        "{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}}|[[\"a\", \"b\", \"c\"]]|{\"a\": {\"b\": {\"c\":"
            + " 7}}}",
        "{\"a\": 7}|[]|{}",
      })
  void filter_paths_keepSelected(String doc, String paths, String want) {
    assertThat(call("json.filter", json(doc), json(paths))).isEqualTo(json(want));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}|[\"a/b/c\"]|{\"a\": {\"b\": {\"d\": 8}},"
            + " \"e\": 9}",
        "{\"a\": {\"b\": 7}, \"c\": 1}|[\"a\", \"a/b\"]|{\"c\": 1}",
        "{\"a\": [{\"b\": 7, \"c\": 8}, {\"d\": 9}]}|[\"a/0/b\", \"a/1\"]|{\"a\": [{\"c\": 8}]}",
        "{\"a\": [{\"1\": [\"b\", \"c\", \"d\"]}]}|[\"/a/0/1/2\"]|{\"a\": [{\"1\": [\"b\","
            + " \"c\"]}]}",
      })
  void remove_paths_dropSelected(String doc, String paths, String want) {
    assertThat(call("json.remove", json(doc), json(paths))).isEqualTo(json(want));
  }

  @Test
  void remove_badPaths_failWithOpaMessages() {
    var doc = json("{\"a\": 1}");
    assertThatThrownBy(() -> call("json.remove", doc, str("a")))
        .hasMessage("operand 2 must be one of {set, array} but got string");
    assertThatThrownBy(() -> call("json.remove", doc, json("[\"a\", {\"x\": 1}]")))
        .hasMessage(
            "operand 2 must be one of {set, array} containing string paths or array of path"
                + " segments but got object");
    assertThatThrownBy(() -> call("json.remove", str("x"), json("[\"a\"]")))
        .hasMessage("operand 1 must be object but got string");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"foo\": \"bar\"}|[{\"op\": \"add\", \"path\": \"/baz\", \"value\": \"qux\"}]|{\"baz\":"
            + " \"qux\", \"foo\": \"bar\"}",
        "{\"foo\": [\"bar\", \"baz\"]}|[{\"op\": \"add\", \"path\": \"/foo/1\", \"value\":"
            + " \"qux\"}]|{\"foo\": [\"bar\", \"qux\", \"baz\"]}",
        "{\"foo\": [\"all\", \"grass\", \"cows\", \"eat\"]}|[{\"op\": \"move\", \"from\":"
            + " \"/foo/1\", \"path\": \"/foo/3\"}]|{\"foo\": [\"all\", \"cows\", \"eat\","
            + " \"grass\"]}",
        "{\"foo\": \"bar\"}|[{\"op\": \"replace\", \"path\": \"\", \"value\": {\"baz\":"
            + " \"qux\"}}]|{\"baz\": \"qux\"}",
        "[1, 2, [3, [4, 5]]]|[{\"op\": \"add\", \"path\": \"/2/1/-\", \"value\": 6}]|[1, 2, [3, [4,"
            + " 5, 6]]]",
        "{\"/\": 9, \"~1\": 10}|[{\"op\": \"test\", \"path\": \"/~01\", \"value\": 10}]|{\"/\": 9,"
            + " \"~1\": 10}",
        "{}|[{\"op\": \"add\", \"path\": \"/\", \"value\": 1}]|{\"\": 1}",
      })
  void patch_validOperations_apply(String doc, String ops, String want) {
    assertThat(call("json.patch", json(doc), json(ops))).isEqualTo(json(want));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"q\": {\"bar\": 2}}|[{\"op\": \"add\", \"path\": \"/a/b\", \"value\": 1}]",
        "{\"baz\": \"qux\"}|[{\"op\": \"test\", \"path\": \"/baz\", \"value\": \"bar\"}]",
        "[\"foo\", \"sil\"]|[{\"op\": \"add\", \"path\": \"/3\", \"value\": \"bar\"}]",
        "[\"foo\", \"bar\"]|[{\"op\": \"test\", \"path\": \"/01\", \"value\": \"bar\"}]",
        "[1, 2, 3, 4]|[{\"op\": \"remove\", \"path\": \"/1e0\"}]",
        "{\"foo\": 1}|[{\"op\": \"spam\", \"path\": \"/foo\", \"value\": 1}]",
        "[1]|[{\"op\": \"add\", \"path\": \"/-\"}]",
        "{}|[{\"op\": \"add\", \"path\": null, \"value\": \"bar\"}]",
      })
  void patch_failingOperation_isUndefined(String doc, String ops) {
    assertThat(call("json.patch", json(doc), json(ops))).isNull();
  }

  @Test
  void patch_sets_addRemoveByElement() {
    var doc = ObjectValue.of(str("foo"), SetValue.of(str("a"), str("b")));
    assertThat(call("json.patch", doc, json("[{\"op\": \"remove\", \"path\": \"foo/b\"}]")))
        .isEqualTo(ObjectValue.of(str("foo"), SetValue.of(str("a"))));
    assertThat(
            call(
                "json.patch",
                doc,
                json("[{\"op\": \"add\", \"path\": \"foo/d\", \"value\": \"e\"}]")))
        .isNull();
    var nested = SetValue.of(ArrayValue.of(NumberValue.of(1)));
    assertThat(
            call(
                "json.patch",
                nested,
                json("[{\"op\": \"add\", \"path\": [[1], 1], \"value\": 2}]")))
        .isEqualTo(SetValue.of(json("[1, 2]")));
  }
}
