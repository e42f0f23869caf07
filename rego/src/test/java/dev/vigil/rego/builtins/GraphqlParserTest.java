package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

/** Lexing and parsing details of graphql.parse_query and graphql.parse_schema. */
class GraphqlParserTest {

  private static Value parseQuery(String text) {
    return BuiltinRegistry.standard()
        .get("graphql.parse_query")
        .invoke(SimpleBuiltinContext.system(), new Value[] {StringValue.of(text)});
  }

  private static String queryError(String text) {
    try {
      parseQuery(text);
    } catch (BuiltinException e) {
      return e.getMessage();
    }
    throw new AssertionError("no error for " + text);
  }

  /** Returns the Raw text of the first argument of the first field. */
  private static Value firstArgumentRaw(Value doc) {
    ObjectValue op = (ObjectValue) ((ArrayValue) ((ObjectValue) doc).get("Operations")).get(0);
    ObjectValue field = (ObjectValue) ((ArrayValue) op.get("SelectionSet")).get(0);
    ObjectValue arg = (ObjectValue) ((ArrayValue) field.get("Arguments")).get(0);
    return ((ObjectValue) arg.get("Value")).get("Raw");
  }

  @Test
  void parseQuery_unicodeEscape_isDecoded() {
    assertThat(firstArgumentRaw(parseQuery("{ f(a: \"caf\\u00e9\") }")))
        .isEqualTo(StringValue.of("café"));
  }

  @Test
  void parseQuery_byteOrderMark_isIgnored() {
    assertThat(firstArgumentRaw(parseQuery("\uFEFF{ f(a: 1) }"))).isEqualTo(StringValue.of("1"));
  }

  @Test
  void parseQuery_blockStringWithCrLf_joinsLinesWithNewline() {
    assertThat(firstArgumentRaw(parseQuery("{ f(a: \"\"\"\r\n  one\r\n  two\r\n\"\"\") }")))
        .isEqualTo(StringValue.of("one\ntwo"));
  }

  @Test
  void parseQuery_positionsCountCodePoints() {
    assertThat(queryError("{ f(a: \"\uD83D\uDE00\") g: }"))
        .isEqualTo("Expected Name, found } in GraphQL string at location 1:16");
  }

  @Test
  void parseQuery_unexpectedCharacter_isReportedWhereItStands() {
    assertThat(queryError("{ f ? }"))
        .isEqualTo("Expected Name, found <Invalid> in GraphQL string at location 1:5");
  }

  @Test
  void parseQuery_leadingZero_isInvalidNumber() {
    assertThat(queryError("{ f(a: 01) }"))
        .isEqualTo("Unexpected <Invalid> in GraphQL string at location 1:9");
  }

  @Test
  void parseQuery_variableDirectivesAndDefaults_keepTheirShape() {
    Value doc = parseQuery("query ($v: [Int!] = [1]) { f }");
    ObjectValue op = (ObjectValue) ((ArrayValue) ((ObjectValue) doc).get("Operations")).get(0);
    ObjectValue var = (ObjectValue) ((ArrayValue) op.get("VariableDefinitions")).get(0);

    assertThat(var.get("Type").toString())
        .isEqualTo(
            "{\"Elem\": {\"NamedType\": \"Int\", \"NonNull\": true}, \"NamedType\": \"\","
                + " \"NonNull\": false}");
    assertThat(((ObjectValue) var.get("DefaultValue")).get("Kind").toString()).isEqualTo("8");
  }
}
