package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.TestPolicies;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OPA's REST API over a real socket, with Java's HTTP client. */
class OpaApiTest {

  static PdpServer server;
  static DecisionPoint pdp;
  static final HttpClient http = HttpClient.newHttpClient();
  static final String TOKEN = ApiToken.generate();
  static final OpaApi.Options OPTIONS =
      OpaApi.Options.defaults().withWriteToken(ApiToken.of(TOKEN));

  @BeforeAll
  static void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withV0(true));
    pdp.activate(TestPolicies.rootedBundle(TestPolicies.AUTHZ_V0));
    server = PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OPTIONS);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> send(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + TOKEN);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static ObjectValue json(HttpResponse<String> r) {
    return (ObjectValue) Json.parse(r.body());
  }

  private static final String SRE =
      "{\"input\":{\"user\":{\"role\":\"sre\"},\"resource\":{\"environment\":\"production\"},"
          + "\"action\":\"read\"}}";

  @Test
  void postData_allowed_returnsResultTrueAndDecisionId() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", SRE);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("result").toString()).isEqualTo("true");
    assertThat(json(r).get("decision_id")).isNotNull();
  }

  @Test
  void postData_deniedByDefault_returnsFalseNotUndefined() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", "{\"input\":{}}");

    assertThat(json(r).get("result").toString()).isEqualTo("false");
  }

  @Test
  void postData_undefinedDocument_hasNoResultKey() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/data/authz/nothing", "{}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).containsKey(dev.vigil.rego.value.StringValue.of("result"))).isFalse();
  }

  @Test
  void getData_withInputParameter_evaluates() throws Exception {
    String input =
        java.net.URLEncoder.encode(
            "{\"user\":{\"role\":\"sre\"},\"resource\":{\"environment\":\"production\"},"
                + "\"action\":\"read\"}",
            java.nio.charset.StandardCharsets.UTF_8);

    HttpResponse<String> r = send("GET", "/v1/data/authz/allow?input=" + input, null);

    assertThat(json(r).get("result").toString()).isEqualTo("true");
  }

  @Test
  void postData_queryParameters_addMetricsProvenanceAndExplanation() throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/v1/data/authz/allow?metrics&provenance&explain=fails&pretty=true",
            "{\"input\":{\"user\":{\"role\":\"dev\"}}}");

    ObjectValue body = json(r);
    assertThat(body.get("metrics").toJson()).contains("timer_rego_query_eval_ns");
    assertThat(body.get("provenance").toJson()).contains("vigil-");
    // With pretty, OPA's explanation is lines of text, one per trace event.
    assertThat(body.get("explanation").toJson()).contains("Fail input.user.role == \\\"sre\\\"");
    assertThat(r.body()).contains("\n  ");
  }

  /** Regression: a path in observe mode, which evaluates nothing, reported an evaluation time. */
  /** Any value but "false" turned a flag on; OPA turns it on only bare or "true". */
  @Test
  void postData_flagValues_readAsOpaReadsThem() throws Exception {
    String on = "/v1/data/authz/allow?metrics&provenance=TRUE&pretty=true";
    String off = "/v1/data/authz/allow?metrics=1&provenance=no&pretty=0";

    HttpResponse<String> given = send("POST", on, SRE);
    HttpResponse<String> notGiven = send("POST", off, SRE);

    assertThat(json(given).get("metrics")).isNotNull();
    assertThat(json(given).get("provenance")).isNotNull();
    assertThat(given.body()).contains("\n  \"");
    assertThat(json(notGiven).get("metrics")).isNull();
    assertThat(json(notGiven).get("provenance")).isNull();
    assertThat(notGiven.body()).doesNotContain("\n");
  }

  @Test
  void postData_observedPathWithMetrics_reportsNoEvaluationTime() throws Exception {
    pdp.setMode("authz/observed", dev.vigil.pdp.Mode.OBSERVE);

    HttpResponse<String> r = send("POST", "/v1/data/authz/observed?metrics", SRE);

    assertThat(r.statusCode()).isEqualTo(200);
    ObjectValue metrics = (ObjectValue) json(r).get("metrics");
    assertThat(metrics.containsKey(StringValue.of("timer_server_handler_ns"))).isTrue();
    assertThat(metrics.containsKey(StringValue.of("timer_rego_query_eval_ns"))).isFalse();
  }

  @Test
  void postData_explainModes_asOpaReadsThem() throws Exception {
    String dev = "{\"input\":{\"user\":{\"role\":\"dev\"}}}";
    for (String mode : new String[] {"notes", "fails", "full", "debug"}) {
      assertThat(json(send("POST", "/v1/data/authz/allow?explain=" + mode, dev)).get("explanation"))
          .as("explain=%s", mode)
          .isNotNull();
    }
    for (String mode : new String[] {"off", "yes", ""}) {
      assertThat(json(send("POST", "/v1/data/authz/allow?explain=" + mode, dev)).get("explanation"))
          .as("explain=%s", mode)
          .isNull();
    }
  }

  @Test
  void putPolicy_syntaxError_isA400WithLocatedErrors_andNodeKeepsServing() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/bad.rego", "package bad\nallow if {\n");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("code").toString()).isEqualTo("\"invalid_parameter\"");
    assertThat(json(r).get("errors").toJson())
        .contains("rego_parse_error")
        .contains("\"file\":\"bad.rego\"")
        .contains("\"row\":");
    assertThat(json(send("POST", "/v1/data/authz/allow", SRE)).get("result").toString())
        .isEqualTo("true");
  }

  /** A byte that is not UTF-8 was stored as U+FFFD: the policy served was not the one sent. */
  @Test
  void putPolicy_notUtf8_isA400AtTheBadByte_andNothingIsStored() throws Exception {
    byte[] latin1 =
        "package latin\n\n# caf\u00e9\nname := \"x\"\n".getBytes(StandardCharsets.ISO_8859_1);
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/policies/latin.rego"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(latin1))
            .header("Authorization", "Bearer " + TOKEN)
            .build();

    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("errors").toJson())
        .contains("\"code\":\"rego_parse_error\"")
        .contains("\"message\":\"illegal utf-8 character\"")
        .contains("\"file\":\"latin.rego\"")
        .contains("\"row\":3")
        .contains("\"col\":6");
    assertThat(send("GET", "/v1/policies/latin.rego", null).statusCode()).isEqualTo(404);
  }

  /** The list used to hold uploaded modules only: the policy in force looked like none at all. */
  @Test
  void policies_ofTheActiveBundle_areListedAndReadableButNotReplaceable() throws Exception {
    assertThat(json(send("GET", "/v1/policies", null)).get("result").toJson())
        .contains("\"id\":\"authz.rego\"")
        .contains("package authz");
    assertThat(json(send("GET", "/v1/policies/authz.rego", null)).get("result").toJson())
        .contains("default allow = false");

    HttpResponse<String> put = send("PUT", "/v1/policies/authz.rego", "package other\nx := 1\n");
    HttpResponse<String> delete = send("DELETE", "/v1/policies/authz.rego", null);

    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(json(put).toJson())
        .contains("policy id \\\"authz.rego\\\" is a module of bundle test-bundle");
    assertThat(delete.statusCode()).isEqualTo(400);
    assertThat(json(send("POST", "/v1/data/authz/allow", SRE)).get("result").toString())
        .isEqualTo("true");
  }

  @Test
  void policies_putGetDelete_roundTrip() throws Exception {
    assertThat(send("PUT", "/v1/policies/extra", "package extra\nanswer := 42\n").statusCode())
        .isEqualTo(200);
    assertThat(json(send("GET", "/v1/policies/extra", null)).get("result").toJson())
        .contains("answer := 42");
    assertThat(json(send("POST", "/v1/data/extra/answer", "{}")).get("result").toString())
        .isEqualTo("42");
    assertThat(send("DELETE", "/v1/policies/extra", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/policies/extra", null).statusCode()).isEqualTo(404);
  }

  @Test
  void formContentTypeBody_overOneKilobyte_isStillReadAsJson() throws Exception {
    String padded = SRE.replace("\"action\"", "\"pad\":\"" + "x".repeat(4000) + "\",\"action\"");

    HttpResponse<String> r =
        send(
            "POST",
            "/v1/data/authz/allow",
            padded,
            "Content-Type",
            "application/x-www-form-urlencoded");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("result").toString()).isEqualTo("true");
  }

  @Test
  void malformedJson_isA400NamingThePlace() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", "{\"input\": {\"a\": [1,,2]}}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("message").toString()).contains("not valid JSON at line 1");
  }

  @Test
  void tenMegabyteBody_isRefusedWith413() throws Exception {
    String big = "{\"input\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}";

    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(json(r).get("code").toString()).isEqualTo("\"invalid_parameter\"");
  }

  @Test
  void jsonNestedTenThousandDeep_isA400() throws Exception {
    String deep = "{\"input\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";

    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", deep);

    assertThat(r.statusCode()).isEqualTo(400);
    // The 1000th bracket, at column 9 + 1000 (after {"input":), takes the document past the depth
    // limit; this said
    // "line 0, column 0" while Jackson gave no location.
    assertThat(json(r).get("message").toString())
        .contains("not valid JSON at line 1, column 1009")
        .contains("nesting depth");
    assertThat(send("GET", "/health", null).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownEndpoint_isA404InOpaShape() throws Exception {
    HttpResponse<String> r = send("GET", "/v2/nothing", null);

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r).get("code").toString()).isEqualTo("\"resource_not_found\"");
  }

  @Test
  void knownPath_withAnotherMethod_isA405ListingTheAllowedOnes() throws Exception {
    for (String method : new String[] {"OPTIONS", "TRACE", "POST", "DELETE"}) {
      HttpResponse<String> r = send(method, "/health", null);

      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(method).hasValue("GET");
      assertThat(json(r).get("message").toString()).contains(method + " is not allowed");
    }
    HttpResponse<String> policies = send("POST", "/v1/policies/x", "{}");
    assertThat(policies.statusCode()).isEqualTo(405);
    assertThat(policies.headers().firstValue("Allow")).hasValue("GET, PUT, DELETE");
    assertThat(send("OPTIONS", "/v1/data/a/b", null).headers().firstValue("Allow"))
        .hasValue("GET, POST, PUT, PATCH, DELETE");
  }

  @Test
  void defaultDecision_answersBareValueOr404() throws Exception {
    assertThat(send("POST", "/", "{}").statusCode()).isEqualTo(404);
    send("PUT", "/v1/policies/main", "package system\nmain := {\"hello\": input.name}\n");

    HttpResponse<String> r = send("POST", "/", "{\"name\": \"vigil\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"hello\":\"vigil\"}");
    send("DELETE", "/v1/policies/main", null);
  }

  @Test
  void policyInsideBundleRoots_isRefusedAndDecisionsUnchanged() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/x", "package authz\nallow := true\n");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("is owned by bundle");
    assertThat(
            json(send("POST", "/v1/data/authz/allow", "{\"input\":{}}")).get("result").toString())
        .isEqualTo("false");
  }

  @Test
  void dataApi_pathOwnedByBundle_isRefused() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/data/authz/extra", "{\"max\": 3}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("message").toString()).contains("is owned by bundle");
  }

  @Test
  void dataApi_putPatchDelete_withoutBundle() throws Exception {
    PdpServer own =
        PdpServer.start(
            "127.0.0.1",
            0,
            new DecisionPoint(DecisionPoint.Options.defaults()),
            new PdpMetrics(null),
            OPTIONS);
    PdpServer main = server;
    server = own;
    try {
      assertThat(send("PUT", "/v1/data/limits", "{\"max\": 3}").statusCode()).isEqualTo(204);
      assertThat(json(send("GET", "/v1/data/limits/max", null)).get("result").toString())
          .isEqualTo("3");
      assertThat(
              send(
                      "PATCH",
                      "/v1/data/limits",
                      "[{\"op\":\"replace\",\"path\":\"/max\",\"value\":5}]")
                  .statusCode())
          .isEqualTo(204);
      assertThat(json(send("GET", "/v1/data/limits/max", null)).get("result").toString())
          .isEqualTo("5");
      assertThat(send("PUT", "/v1/data/limits", "{}", "If-None-Match", "*").statusCode())
          .isEqualTo(304);
      assertThat(send("DELETE", "/v1/data/limits", null).statusCode()).isEqualTo(204);
      assertThat(send("DELETE", "/v1/data/limits", null).statusCode()).isEqualTo(404);
    } finally {
      server = main;
      own.close();
    }
  }

  @Test
  void health_andMetrics() throws Exception {
    send("POST", "/v1/data/authz/allow", SRE);

    assertThat(send("GET", "/health?bundles", null).statusCode()).isEqualTo(200);
    HttpResponse<String> m = send("GET", "/metrics", null);
    assertThat(m.body()).contains("vigil_decisions_total").contains("result=\"allow\"");
  }

  @Test
  void evaluationError_isA500WithTheErrorCode() throws Exception {
    // This node parses v0 syntax.
    HttpResponse<String> put =
        send("PUT", "/v1/policies/conflict", "package conflict\nx := 1\nx := 2 { true }\n");
    assertThat(put.body()).isEqualTo("{}");

    HttpResponse<String> r = send("POST", "/v1/data/conflict/x", "{}");

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("eval_conflict_error");
    send("DELETE", "/v1/policies/conflict", null);
  }

  /**
   * OPA splits the raw path at "/" and then decodes each segment: "%2F" stays inside its segment,
   * as a key with a slash in it.
   */
  @Test
  void getData_escapedSegments_decodeAfterSplittingAsOpaDoes() throws Exception {
    String doc =
        "{\"a/b\": \"slash\", \"a b\": \"space\", \"a\": {\"b\": \"nested\"},"
            + " \"7\": \"key seven\"}";
    assertThat(send("PUT", "/v1/data/escapes", doc).statusCode()).isEqualTo(204);
    try {
      assertThat(result("/v1/data/escapes/a%2Fb")).isEqualTo("\"slash\"");
      assertThat(result("/v1/data/escapes/a%2fb")).isEqualTo("\"slash\"");
      assertThat(result("/v1/data/escapes/a%20b")).isEqualTo("\"space\"");
      assertThat(result("/v1/data/escapes/a/b")).isEqualTo("\"nested\"");
      assertThat(result("/v1/data/escapes/7")).isEqualTo("\"key seven\"");
    } finally {
      send("DELETE", "/v1/data/escapes", null);
    }
  }

  @Test
  void postData_escapedSlash_isLoggedWithItsEscapeNotAsANestedPath() throws Exception {
    List<String> paths = new CopyOnWriteArrayList<>();
    pdp.onDecision((d, context) -> paths.add(d.path()));

    send("POST", "/v1/data/escapes/a%2Fb", "{}");
    send("POST", "/v1/data/escapes/a/b", "{}");

    assertThat(paths).containsExactly("escapes/a%2Fb", "escapes/a/b");
  }

  /**
   * OPA reads a path segment that Go's strconv.Atoi accepts as an integer: an array element where
   * the document is an array, the key written in decimal where it is a base object. Vigil used to
   * read every segment as a string key and so never reached an array element.
   */
  @Test
  void getData_integerSegment_indexesBaseArrayOrReadsObjectKeyAsOpaDoes() throws Exception {
    String doc =
        "{\"list\": [\"a\", \"b\", \"c\"], \"rows\": [{\"x\": [10, 20]}],"
            + " \"obj\": {\"0\": \"zero\", \"1\": \"one\", \"01\": \"oh-one\","
            + " \"-1\": \"minus\", \"1.0\": \"one-point-oh\"}}";
    assertThat(send("PUT", "/v1/data/lists", doc).statusCode()).isEqualTo(204);
    try {
      assertThat(result("/v1/data/lists/list/0")).isEqualTo("\"a\"");
      assertThat(result("/v1/data/lists/list/2")).isEqualTo("\"c\"");
      assertThat(result("/v1/data/lists/rows/0/x/1")).isEqualTo("20");
      assertThat(result("/v1/data/lists/list/01")).isEqualTo("\"b\"");
      assertThat(result("/v1/data/lists/list/+1")).isEqualTo("\"b\"");
      assertThat(result("/v1/data/lists/list/3")).isNull();
      assertThat(result("/v1/data/lists/list/-1")).isNull();
      assertThat(result("/v1/data/lists/list/1.0")).isNull();
      assertThat(result("/v1/data/lists/list/99999999999999999999")).isNull();

      assertThat(result("/v1/data/lists/obj/0")).isEqualTo("\"zero\"");
      assertThat(result("/v1/data/lists/obj/-1")).isEqualTo("\"minus\"");
      assertThat(result("/v1/data/lists/obj/1.0")).isEqualTo("\"one-point-oh\"");
      // OPA turns "01" into the number 1, and reads a base object by its decimal text: key "1".
      assertThat(result("/v1/data/lists/obj/01")).isEqualTo("\"one\"");

      HttpResponse<String> post = send("POST", "/v1/data/lists/list/1", "{}");
      assertThat(json(post).get("result").toJson()).isEqualTo("\"b\"");
      HttpResponse<String> outOfRange = send("POST", "/v1/data/lists/list/7", "{}");
      assertThat(outOfRange.statusCode()).isEqualTo(200);
      assertThat(json(outOfRange).containsKey(StringValue.of("result"))).isFalse();
      assertThat(json(outOfRange).containsKey(StringValue.of("decision_id"))).isTrue();
    } finally {
      send("DELETE", "/v1/data/lists", null);
    }
  }

  /**
   * A rule's value is read with Rego's indexing, as OPA does: an integer segment picks an array
   * element, and does not match a string key of an object the rule built.
   */
  @Test
  void data_integerSegment_indexesArrayRuleValue() throws Exception {
    String module =
        "package arrays\n"
            + "xs := [\"a\", \"b\", \"c\"]\n"
            + "table := {\"rows\": [[1, 2], [3, 4]]}\n"
            + "named := {\"0\": \"zero\"}\n"
            + "ids[i] = name { name := xs[i] }\n";
    assertThat(send("PUT", "/v1/policies/arrays", module).statusCode()).isEqualTo(200);
    try {
      assertThat(result("/v1/data/arrays/xs/1")).isEqualTo("\"b\"");
      assertThat(result("/v1/data/arrays/xs/01")).isEqualTo("\"b\"");
      assertThat(result("/v1/data/arrays/table/rows/1/0")).isEqualTo("3");
      assertThat(result("/v1/data/arrays/ids/2")).isEqualTo("\"c\"");
      assertThat(result("/v1/data/arrays/xs/3")).isNull();
      assertThat(result("/v1/data/arrays/xs/-1")).isNull();
      assertThat(result("/v1/data/arrays/xs/1.0")).isNull();
      assertThat(result("/v1/data/arrays/named/0")).isNull();

      HttpResponse<String> post = send("POST", "/v1/data/arrays/xs/2", "{\"input\": {}}");
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(json(post).get("result").toJson()).isEqualTo("\"c\"");
      HttpResponse<String> negative = send("POST", "/v1/data/arrays/xs/-1", "{}");
      assertThat(negative.statusCode()).isEqualTo(200);
      assertThat(json(negative).containsKey(StringValue.of("result"))).isFalse();
    } finally {
      send("DELETE", "/v1/policies/arrays", null);
    }
  }

  @Test
  void postData_integerSegment_isLoggedAsAsked() throws Exception {
    List<String> paths = new CopyOnWriteArrayList<>();
    pdp.onDecision((d, context) -> paths.add(d.path()));

    send("POST", "/v1/data/numbered/list/01", "{}");
    send("GET", "/v1/data/numbered/list/+1", null);

    assertThat(paths).containsExactly("numbered/list/01", "numbered/list/+1");
  }

  /**
   * OPA refuses a segment holding a double quote when it turns the path into a query ("invalid ref
   * term"); Vigil used to quote it and read the key. No decision is made or logged. Writes take it,
   * as OPA's do: a policy can still read such a key, the REST API cannot.
   */
  @Test
  void data_segmentWithDoubleQuote_isA400NamingItAndNoDecision() throws Exception {
    List<String> paths = new CopyOnWriteArrayList<>();
    pdp.onDecision((d, context) -> paths.add(d.path()));
    assertThat(send("PUT", "/v1/data/quotes/a%22b", "\"q\"").statusCode()).isEqualTo(204);
    try {
      for (String method : new String[] {"GET", "POST"}) {
        HttpResponse<String> r = send(method, "/v1/data/quotes/a%22b", "{}");

        assertThat(r.statusCode()).as(method).isEqualTo(400);
        assertThat(json(r).get("code").toString()).isEqualTo("\"invalid_parameter\"");
        assertThat(json(r).get("message").toString())
            .contains("/v1/data/quotes/a%22b")
            .contains("invalid ref term 'a\\\"b'");
      }
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
        s.getOutputStream()
            .write(
                "GET /v1/data/quotes/a\"b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String raw = new String(s.getInputStream().readAllBytes(), "US-ASCII");
        assertThat(raw).startsWith("HTTP/1.1 400").contains("invalid ref term");
      }
      assertThat(paths).isEmpty();
      send("PUT", "/v1/policies/quotes", "package readquotes\nv := data.quotes[\"a\\\"b\"]\n");
      assertThat(result("/v1/data/readquotes/v")).isEqualTo("\"q\"");
    } finally {
      send("DELETE", "/v1/policies/quotes", null);
      send("DELETE", "/v1/data/quotes", null);
    }
  }

  private static String result(String path) throws Exception {
    HttpResponse<String> r = send("GET", path, null);
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    Value v = json(r).get("result");
    return v == null ? null : v.toJson();
  }
}
