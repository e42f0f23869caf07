package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Monitor mode: a would-be denial is let through, marked and logged; an error still denies. */
class MonitorModeTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of("127.0.0.1/32"), Mode.MONITOR);
  }

  @AfterAll
  static void stop() {
    pdp.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(pdp.base() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void envoy_wouldBeDenial_isLetThroughMarkedAndLogged() throws Exception {
    HttpResponse<String> r = get("/v1/authz/envoy/admin");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-vigil-would-deny")).hasValue("true");
    DecisionRecord logged = pdp.logged(r.headers().firstValue("x-vigil-decision-id").get());
    assertThat(logged.allowed()).isFalse();
    assertThat(logged.enforced()).isFalse();
    assertThat(logged.mode()).isEqualTo("monitor");
  }

  @Test
  void envoy_evaluationErrorInMonitorMode_stillDenies() throws Exception {
    HttpResponse<String> r = get("/v1/authz/envoy/odd/conflict");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void envoy_allowedInMonitorMode_hasNoMark() throws Exception {
    HttpResponse<String> r = get("/v1/authz/envoy/public/a");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-vigil-would-deny")).isEmpty();
  }
}
