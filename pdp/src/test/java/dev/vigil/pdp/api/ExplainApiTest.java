package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.TestPolicies;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OPA's {@code explain} parameter over a real socket: the answer carries the trace events of the
 * evaluation that made the decision, filtered as the mode asks.
 */
class ExplainApiTest {

  static final String POLICY =
      """
      package authz

      default allow := false

      allow if {
        trace("checking role")
        startswith(input.user.role, "sre")
        trace(sprintf("role %s", [input.user.role]))
      }

      long if {
        some i in numbers.range(1, 5000)
        i < 0
      }
      """;

  static PdpServer server;
  static DecisionPoint pdp;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(TestPolicies.rootedBundle(POLICY));
    pdp.setMode("authz/observed", Mode.OBSERVE);
    server = PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OpaApi.Options.defaults());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static ObjectValue ask(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return (ObjectValue) Json.parse(r.body());
  }

  static List<ObjectValue> explanation(ObjectValue answer) {
    return ((ArrayValue) answer.get("explanation"))
        .elements().stream().map(v -> (ObjectValue) v).toList();
  }

  static List<String> field(List<ObjectValue> events, String name) {
    return events.stream()
        .map(e -> e.get(name) instanceof StringValue s ? s.value() : String.valueOf(e.get(name)))
        .toList();
  }

  static final String SRE = "{\"input\": {\"user\": {\"role\": \"sre\"}}}";

  @Test
  void postData_explainNotes_givesTheNotesWithTheQueriesAroundThem() throws Exception {
    ObjectValue answer = ask("POST", "/v1/data/authz/allow?explain=notes", SRE);

    List<ObjectValue> events = explanation(answer);
    assertThat(answer.get("result").toString()).isEqualTo("true");
    assertThat(field(events, "op")).containsExactly("enter", "enter", "note", "note");
    assertThat(field(events, "type")).containsExactly("body", "rule", "", "");
    assertThat(events.get(2).get("message").toString()).isEqualTo("\"checking role\"");
    assertThat(events.get(3).get("message").toString()).isEqualTo("\"role sre\"");
    assertThat(events.get(3).get("location").toJson())
        .isEqualTo("{\"col\":3,\"file\":\"authz.rego\",\"row\":8}");
    // The rule entered is the one the notes are in, with its place; the notes are in its query.
    ObjectValue rule = (ObjectValue) events.get(1).get("node");
    assertThat(rule.get("location").toJson())
        .isEqualTo("{\"col\":1,\"file\":\"authz.rego\",\"row\":5}");
    assertThat(events.get(2).get("query_id")).isEqualTo(events.get(1).get("query_id"));
    assertThat(events.get(1).get("parent_id")).isEqualTo(events.get(0).get("query_id"));
  }

  @Test
  void getData_explainFails_givesTheFailedCondition() throws Exception {
    String input = URLEncoder.encode("{\"user\": {\"role\": \"dev\"}}", StandardCharsets.UTF_8);

    ObjectValue answer = ask("GET", "/v1/data/authz/allow?explain=fails&input=" + input, null);

    List<ObjectValue> events = explanation(answer);
    assertThat(answer.get("result").toString()).isEqualTo("false");
    assertThat(field(events, "op")).containsExactly("enter", "enter", "fail");
    ObjectValue failed = events.get(2);
    assertThat(failed.get("type").toString()).isEqualTo("\"expr\"");
    assertThat(failed.get("location").toJson())
        .isEqualTo("{\"col\":3,\"file\":\"authz.rego\",\"row\":7}");
    assertThat(failed.get("node").toJson()).contains("\"value\":\"startswith\"");
    assertThat(events.get(0).get("node").toJson()).contains("\"value\":\"allow\"");
  }

  @Test
  void postData_explainFull_givesEveryStepInOrder() throws Exception {
    ObjectValue answer = ask("POST", "/v1/data/authz/allow?explain=full", SRE);

    List<String> ops = field(explanation(answer), "op");
    assertThat(ops.get(0)).isEqualTo("enter");
    assertThat(ops)
        .containsSubsequence("enter", "eval", "enter", "eval", "note", "eval", "eval", "note")
        .contains("exit", "redo")
        .doesNotContain("fail");
    assertThat(field(explanation(ask("POST", "/v1/data/authz/allow?explain=debug", SRE)), "op"))
        .isEqualTo(ops);
  }

  @Test
  void postData_explainWithPretty_givesLinesOfText() throws Exception {
    ObjectValue answer = ask("POST", "/v1/data/authz/allow?explain=notes&pretty", SRE);

    List<String> lines =
        ((ArrayValue) answer.get("explanation"))
            .elements().stream().map(v -> ((StringValue) v).value()).toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).matches("query:1 +Enter data\\.authz\\.allow");
    assertThat(lines.get(1)).matches("authz\\.rego:5 +\\| Enter data\\.authz\\.allow");
    assertThat(lines.get(3)).matches("authz\\.rego:8 +\\| \\| Note \"role sre\"");
  }

  @Test
  void postData_traceLongerThanTheLimit_isCutWithAWarning() throws Exception {
    ObjectValue answer = ask("POST", "/v1/data/authz/long?explain=full", "{}");

    assertThat(explanation(answer)).hasSize(OpaApi.EXPLANATION_LIMIT);
    assertThat(answer.get("warning").toJson()).contains("\"code\":\"api_usage_warning\"");
    assertThat(answer.containsKey(StringValue.of("result"))).isFalse();
    // Without the long loop's steps the same request has no warning.
    assertThat(ask("POST", "/v1/data/authz/long?explain=notes", "{}").get("warning")).isNull();
  }

  @Test
  void postData_observedPath_evaluatesNothingAndExplainsNothing() throws Exception {
    ObjectValue answer = ask("POST", "/v1/data/authz/observed?explain=full", SRE);

    assertThat(explanation(answer)).isEmpty();
  }

  @Test
  void postData_explainOffOrUnknown_hasNoExplanation() throws Exception {
    for (String mode : new String[] {"off", "Notes", ""}) {
      Value explanation =
          ask("POST", "/v1/data/authz/allow?explain=" + mode, SRE).get("explanation");
      assertThat(explanation).as("explain=%s", mode).isNull();
    }
    assertThat(ask("POST", "/v1/data/authz/allow", SRE).get("explanation")).isNull();
  }
}
