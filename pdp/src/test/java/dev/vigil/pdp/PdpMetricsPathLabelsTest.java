package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.api.OpaApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code path} label of {@code vigil_decisions_total} goes to the paths the policy names. It
 * used to go to the first 200 distinct paths asked, whoever asked them: an anonymous client that
 * sent 200 decisions at paths of its own choosing ({@code /v1/data/junk/1} ...) took every label,
 * and the policy's real paths were counted as {@code other} from then on, so an alert on denials of
 * {@code authz/allow} went quiet.
 */
class PdpMetricsPathLabelsTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private DecisionPoint pdp;
  private PdpMetrics metrics;
  private PdpServer server;

  @BeforeEach
  void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withV0(true));
    pdp.activate(TestPolicies.rootedBundle(TestPolicies.AUTHZ_V0));
    pdp.setMode("billing/allow", Mode.OBSERVE);
    metrics = new PdpMetrics(null, pdp::namesRule);
    server = PdpServer.start("127.0.0.1", 0, pdp, metrics, OpaApi.Options.defaults());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void decide(String path) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/data/" + path))
            .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}"))
            .build();
    assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void record_pathsOfAnonymousClientsFirst_policyPathsKeepTheirLabels() throws Exception {
    for (int i = 0; i < PdpMetrics.MAX_PATHS + 10; i++) {
      decide("junk/" + i);
    }

    decide("authz/allow");
    decide("billing/allow");

    String scrape = metrics.scrape();
    assertThat(scrape)
        .contains("path=\"authz/allow\",result=\"deny\"} 1.0")
        .contains("path=\"billing/allow\"")
        .contains("path=\"other\",result=\"deny\"} " + (PdpMetrics.MAX_PATHS + 10) + ".0")
        .doesNotContain("junk/");
  }

  @Test
  void namesRule_followsThePolicyInService() {
    assertThat(pdp.namesRule("authz/allow")).isTrue();
    assertThat(pdp.namesRule("authz/nothing")).isFalse();
    assertThat(pdp.namesRule("billing/allow")).isTrue();

    pdp.activate(TestPolicies.rootedBundle("package authz\nother_rule = true\n"));

    assertThat(pdp.namesRule("authz/allow")).isFalse();
    assertThat(pdp.namesRule("authz/other_rule")).isTrue();
  }
}
