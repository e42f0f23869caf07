package dev.vigil.rego.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.eval.TraceEvent;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two forms of OPA's {@code explanation}: trace event objects, and lines of text. */
class TraceJsonTest {

  static final String POLICY =
      """
      package authz

      allow if {
        some role in input.roles
        role == "sre"
        trace(sprintf("role %s", [role]))
      }
      """;

  static List<TraceEvent> events() {
    List<TraceEvent> events = new ArrayList<>();
    Policy.compile(List.of(new Source("authz.rego", POLICY)), null, CompileOptions.defaults())
        .prepare("data.authz.allow")
        .eval(
            Json.parse("{\"roles\": [\"dev\", \"sre\"]}"),
            EvalOptions.defaults(),
            null,
            null,
            events::add);
    return events;
  }

  static ObjectValue find(ArrayValue json, String op, String type) {
    for (Value v : json.elements()) {
      ObjectValue o = (ObjectValue) v;
      if (o.get("op").toString().equals("\"" + op + "\"")
          && o.get("type").toString().equals("\"" + type + "\"")) {
        return o;
      }
    }
    throw new AssertionError("no " + op + " event of type " + type + " in " + json.toJson());
  }

  @Test
  void events_haveOpasFields() {
    ArrayValue json = TraceJson.events(events());

    ObjectValue enter = (ObjectValue) json.get(0);
    assertThat(enter.keys().stream().map(Value::toString).toList())
        .containsExactlyInAnyOrder(
            "\"op\"",
            "\"query_id\"",
            "\"parent_id\"",
            "\"type\"",
            "\"node\"",
            "\"locals\"",
            "\"location\"");
    assertThat(enter.get("op").toString()).isEqualTo("\"enter\"");
    assertThat(enter.get("type").toString()).isEqualTo("\"body\"");
    assertThat(enter.get("query_id").toString()).isEqualTo("0");
    assertThat(enter.get("parent_id").toString()).isEqualTo("0");
  }

  @Test
  void events_exprNodeIsOpasAstWithItsLocation() {
    ObjectValue fail = find(TraceJson.events(events()), "fail", "expr");

    assertThat(fail.get("node").toJson())
        .isEqualTo(
            "{\"index\":1,\"location\":{\"col\":3,\"file\":\"authz.rego\",\"row\":5},"
                + "\"terms\":[{\"type\":\"ref\","
                + "\"value\":[{\"type\":\"var\",\"value\":\"equal\"}]},"
                + "{\"type\":\"var\",\"value\":\"$role_0\"},"
                + "{\"type\":\"string\",\"value\":\"sre\"}]}");
    assertThat(fail.get("location").toJson())
        .isEqualTo("{\"col\":3,\"file\":\"authz.rego\",\"row\":5}");
    // The binding the comparison failed on, as OPA writes bindings: var term, value term.
    assertThat(fail.get("locals").toJson())
        .isEqualTo(
            "[{\"key\":{\"type\":\"var\",\"value\":\"$role_0\"},"
                + "\"value\":{\"type\":\"string\",\"value\":\"dev\"}}]");
  }

  @Test
  void events_ruleNodeHasHeadBodyAndLocation() {
    ObjectValue enter = find(TraceJson.events(events()), "enter", "rule");

    ObjectValue node = (ObjectValue) enter.get("node");
    assertThat(node.get("head").toJson()).contains("\"name\":\"allow\"");
    assertThat(((ArrayValue) node.get("body")).size()).isEqualTo(3);
    assertThat(node.get("location").toJson())
        .isEqualTo("{\"col\":1,\"file\":\"authz.rego\",\"row\":3}");
    assertThat(enter.get("query_id").toString()).isEqualTo("1");
  }

  @Test
  void events_noteHasMessageAndNoNode() {
    ObjectValue note = find(TraceJson.events(events()), "note", "");

    assertThat(note.get("message").toString()).isEqualTo("\"role sre\"");
    assertThat(note.get("node").toString()).isEqualTo("null");
    assertThat(note.get("locals").toJson()).isEqualTo("[]");
    assertThat(note.get("location").toJson())
        .isEqualTo("{\"col\":3,\"file\":\"authz.rego\",\"row\":6}");
  }

  @Test
  void events_localsOfCollections_areAstTerms() {
    assertThat(TraceJson.term(Json.parse("{\"b\": [1, null], \"a\": true}")).toJson())
        .isEqualTo(
            "{\"type\":\"object\",\"value\":["
                + "[{\"type\":\"string\",\"value\":\"a\"},{\"type\":\"boolean\",\"value\":true}],"
                + "[{\"type\":\"string\",\"value\":\"b\"},{\"type\":\"array\",\"value\":["
                + "{\"type\":\"number\",\"value\":1},{\"type\":\"null\",\"value\":null}]}]]}");
  }

  @Test
  void pretty_oneLinePerEventWithLocationAndDepth() {
    List<TraceEvent> events = events();

    List<String> lines = TraceJson.pretty(events);

    assertThat(lines).hasSize(events.size());
    assertThat(lines.get(0)).matches("query:1 +Enter data\\.authz\\.allow");
    assertThat(lines.get(1)).matches("query:1 +\\| Eval data\\.authz\\.allow");
    assertThat(lines.get(2)).matches("authz\\.rego:3 +\\| Enter data\\.authz\\.allow");
    assertThat(lines).anyMatch(l -> l.matches("authz\\.rego:5 +\\| \\| Fail role == \"sre\""));
    assertThat(lines).anyMatch(l -> l.matches("authz\\.rego:6 +\\| \\| Note \"role sre\""));
    // The op column starts at the same place on every line.
    int column = lines.get(0).indexOf("Enter");
    assertThat(lines).allMatch(l -> l.substring(column).matches("(\\| )*[A-Z].*"));
  }
}
