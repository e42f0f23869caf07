package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.TestPolicies;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The input of a decision asked over OPA's REST API is read within the decision's time budget.
 * Regression: the request's JSON was parsed before the budget started, so a large input was read in
 * full, however long that took, and the budget then began afresh for the evaluation.
 *
 * <p>No test here waits: the decision point's budget is zero, which a query cheaper than {@link
 * dev.vigil.rego.builtins.TimeBudget#CHECK_EVERY} units of work meets (the clock is not read
 * before), and any larger piece of work exceeds the first time the clock is read.
 */
class InputBudgetApiTest {

  static PdpServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    DecisionPoint pdp =
        new DecisionPoint(
            new DecisionPoint.Options(
                "local",
                InstantSource.system(),
                Duration.ZERO,
                true,
                ModeTable.enforceAll(),
                Masking.none(),
                null));
    pdp.activate(TestPolicies.rootedBundle(TestPolicies.AUTHZ_V0));
    server = PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OpaApi.Options.defaults());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static String sre(String extra) {
    return "{\"input\":{\"user\":{\"role\":\"sre\"},\"resource\":{\"environment\":\"production\"},"
        + "\"action\":\"read\""
        + extra
        + "}}";
  }

  /** Twenty thousand numbers: far more than the work a zero budget lets through. */
  private static String padding() {
    StringBuilder sb = new StringBuilder(",\"padding\":[");
    for (int i = 0; i < 20_000; i++) {
      sb.append(i > 0 ? "," : "").append(i);
    }
    return sb.append(']').toString();
  }

  @Test
  void postData_smallInput_answeredWithinTheBudget() throws Exception {
    HttpResponse<String> r = post("/v1/data/authz/allow", sre(""));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(((ObjectValue) Json.parse(r.body())).get("result").toString()).isEqualTo("true");
  }

  @Test
  void postData_inputLargerThanTheBudgetReads_is400NamingTheBody() throws Exception {
    HttpResponse<String> r = post("/v1/data/authz/allow", sre(padding()));

    assertThat(r.statusCode()).isEqualTo(400);
    ObjectValue body = (ObjectValue) Json.parse(r.body());
    assertThat(body.get("code").toString()).isEqualTo("\"invalid_parameter\"");
    assertThat(body.get("message").toString())
        .contains("request body not read")
        .contains("time budget of 0 ms");
  }

  @Test
  void postDefaultDecision_inputLargerThanTheBudgetReads_is400NamingTheBody() throws Exception {
    HttpResponse<String> r = post("/", "{\"padding\":[" + padding().substring(12) + "}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(((ObjectValue) Json.parse(r.body())).get("message").toString())
        .contains("request body not read");
  }
}
