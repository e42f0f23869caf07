package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class JsonSchemaBuiltinsTest {

  private static Value call(String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(SimpleBuiltinContext.system(), args);
  }

  private static Value match(String document, String schema) {
    return call("json.match_schema", Json.parse(document), Json.parse(schema));
  }

  @Test
  void matchSchema_missingRequired_reportsTheObjectsPath() {
    assertThat(match("{}", "{\"required\": [\"id\"]}"))
        .isEqualTo(
            Json.parse(
                "[false, [{\"error\": \"(root): id is required\", \"type\": \"required\","
                    + " \"field\": \"(root)\", \"desc\": \"id is required\"}]]"));
  }

  @Test
  void matchSchema_nestedItem_reportsDottedPath() {
    Value result =
        match(
            "{\"a\": [{\"b\": 1}, {\"b\": \"x\"}]}",
            "{\"properties\": {\"a\": {\"items\": {\"properties\": {\"b\": {\"type\":"
                + " \"integer\"}}}}}}");

    assertThat(result)
        .isEqualTo(
            Json.parse(
                "[false, [{\"error\": \"a.1.b: Invalid type. Expected: integer, given: string\","
                    + " \"type\": \"invalid_type\", \"field\": \"a.1.b\","
                    + " \"desc\": \"Invalid type. Expected: integer, given: string\"}]]"));
  }

  @Test
  void matchSchema_enumMiss_listsAllowedValues() {
    Value result =
        match("{\"c\": \"blue\"}", "{\"properties\": {\"c\": {\"enum\": [\"red\", 1]}}}");

    assertThat(result.toString()).contains("c must be one of the following: \\\"red\\\", 1");
  }

  @Test
  void matchSchema_additionalProperty_isRejected() {
    Value result =
        match(
            "{\"a\": 1, \"b\": 2}",
            "{\"properties\": {\"a\": {}}, \"additionalProperties\": false}");

    assertThat(result)
        .isEqualTo(
            Json.parse(
                "[false, [{\"error\": \"(root): Additional property b is not allowed\","
                    + " \"type\": \"additional_property_not_allowed\", \"field\": \"(root)\","
                    + " \"desc\": \"Additional property b is not allowed\"}]]"));
  }

  @Test
  void matchSchema_boundsAndPattern_reportEachFailure() {
    Value result =
        match(
            "{\"n\": 10, \"s\": \"abc\"}",
            "{\"properties\": {\"n\": {\"exclusiveMaximum\": 10},"
                + " \"s\": {\"maxLength\": 2, \"pattern\": \"^z\"}}}");

    assertThat(result.toString())
        .contains("n: Must be less than 10")
        .contains("s: String length must be less than or equal to 2")
        .contains("s: Does not match pattern '^z'");
  }

  @Test
  void matchSchema_localRef_followsPointer() {
    String schema =
        "{\"definitions\": {\"pos\": {\"minimum\": 0}},"
            + " \"properties\": {\"x\": {\"$ref\": \"#/definitions/pos\"}}}";

    assertThat(match("{\"x\": 3}", schema)).isEqualTo(Json.parse("[true, []]"));
    assertThat(match("{\"x\": -1}", schema).toString())
        .contains("x: Must be greater than or equal to 0");
  }

  @Test
  void matchSchema_oneOfBothMatch_fails() {
    Value result =
        match(
            "{\"v\": 5}",
            "{\"properties\": {\"v\": {\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 1}]}}}");

    assertThat(result.toString()).contains("Must validate one and only one schema (oneOf)");
  }

  @Test
  void matchSchema_invalidJsonText_isBuiltinError() {
    assertThatThrownBy(() -> call("json.match_schema", StringValue.of("{"), Json.parse("{}")))
        .isInstanceOfSatisfying(
            BuiltinException.class,
            e -> {
              assertThat(e.code()).isEqualTo(BuiltinException.BUILTIN_ERROR);
              assertThat(e.getMessage()).isEqualTo("invalid JSON string");
            });
  }

  @Test
  void verifySchema_badMinimum_explainsTheKeyword() {
    assertThat(call("json.verify_schema", Json.parse("{\"minimum\": \"x\"}")))
        .isEqualTo(Json.parse("[false, \"jsonschema: minimum must be of a number\"]"));
  }

  @Test
  void verifySchema_badRegex_isRejected() {
    assertThat(call("json.verify_schema", Json.parse("{\"pattern\": \"(\"}")).toString())
        .contains("pattern must be a valid regex");
  }

  @Test
  void verifySchema_deeplyNestedSchema_failsWithoutStackOverflow() {
    String deep = "{\"not\": ".repeat(900) + "{}" + "}".repeat(900);

    assertThat(call("json.verify_schema", StringValue.of(deep)).toString())
        .contains("nested deeper than");
  }

  @Test
  void matchSchema_draft4ExclusiveFlag_turnsMaximumExclusive() {
    String schema =
        "{\"$schema\": \"http://json-schema.org/draft-04/schema#\","
            + " \"properties\": {\"x\": {\"maximum\": 5, \"exclusiveMaximum\": true}}}";

    assertThat(match("{\"x\": 5}", schema).toString()).contains("x: Must be less than 5");
    assertThat(match("{\"x\": 4}", schema)).isEqualTo(Json.parse("[true, []]"));
  }

  @Test
  void verifySchema_draft4WithNumericExclusive_isRejected() {
    String schema =
        "{\"$schema\": \"http://json-schema.org/draft-04/schema#\", \"exclusiveMinimum\": 1}";

    assertThat(call("json.verify_schema", Json.parse(schema)))
        .isEqualTo(
            Json.parse(
                "[false, \"jsonschema: Invalid type. Expected: boolean, given:"
                    + " exclusiveMinimum\"]"));
  }

  @Test
  void matchSchema_exponentialAnyOfThroughRefs_stopsAtTheStepBudget() {
    StringBuilder defs = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      defs.append("\"d")
          .append(i)
          .append("\": {\"anyOf\": [{\"$ref\": \"#/definitions/d")
          .append(i + 1)
          .append("\"}, {\"$ref\": \"#/definitions/d")
          .append(i + 1)
          .append("\"}]},");
    }
    defs.append("\"d40\": false");
    String schema = "{\"definitions\": {" + defs + "}, \"$ref\": \"#/definitions/d0\"}";

    assertThatThrownBy(() -> match("{}", schema))
        .isInstanceOfSatisfying(
            BuiltinException.class,
            e -> assertThat(e.getMessage()).startsWith("the schema takes too long to check"));
  }
}
