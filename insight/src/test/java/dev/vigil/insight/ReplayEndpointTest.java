package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleBuilder;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/insight/replay} over a real control plane on 127.0.0.1. */
class ReplayEndpointTest {

  @TempDir Path tmp;

  private Store store;
  private RecordedTraffic traffic;
  private PdpServer server;
  private String token;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    traffic = RecordedTraffic.record(store);
    token = ApiToken.generate();
    DecisionPoint live = new DecisionPoint(DecisionPoint.Options.defaults());
    live.putPolicy("authz.rego", RecordedTraffic.LIVE);
    DecisionReader reader = new DecisionReader(store);
    server =
        PdpServer.start(
            "127.0.0.1",
            0,
            live,
            new PdpMetrics(null),
            OpaApi.Options.defaults().withWriteToken(ApiToken.of(token)),
            router -> ReplayEndpoint.install(router, live, reader, ApiToken.of(token)));
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  private byte[] tarball(String rego) throws Exception {
    Path dir = RecordedTraffic.bundle(tmp.resolve("candidate"), rego);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BundleBuilder.build(dir, BundleBuilder.Options.plain(), out);
    return out.toByteArray();
  }

  private HttpResponse<String> post(String query, byte[] body, String bearer) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + ReplayEndpoint.PATH + query))
            .header("Content-Type", "application/gzip")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void replay_withToken_answersTheReportAndWritesNothing() throws Exception {
    HttpResponse<String> r = post("", tarball(RecordedTraffic.CANDIDATE), token);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    ObjectValue o = (ObjectValue) Json.parse(r.body());
    assertThat(o.get("replayed").toJson()).isEqualTo("7");
    assertThat(o.get("allowed_to_denied").toJson()).isEqualTo("2");
    assertThat(o.get("denied_to_allowed").toJson()).isEqualTo("1");
    assertThat(r.body()).contains(traffic.ids.get("dev-observed"));
    assertThat(new DecisionReader(store).count()).isEqualTo(8);
  }

  @Test
  void replay_route_onlyItsDecisions() throws Exception {
    HttpResponse<String> r = post("?route=staging", tarball(RecordedTraffic.CANDIDATE), token);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(((ObjectValue) Json.parse(r.body())).get("decisions").toJson()).isEqualTo("1");
  }

  @Test
  void replay_withoutToken_is401() throws Exception {
    HttpResponse<String> r = post("", tarball(RecordedTraffic.CANDIDATE), null);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("needs the API token");
  }

  /** Regression: of two Authorization headers the guard took the first and answered the report. */
  @Test
  void replay_twoAuthorizationHeaders_is400() throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + ReplayEndpoint.PATH))
            .header("Content-Type", "application/gzip")
            .header("Authorization", "Bearer " + token)
            .header("Authorization", "Bearer " + ApiToken.generate())
            .POST(HttpRequest.BodyPublishers.ofByteArray(tarball(RecordedTraffic.CANDIDATE)))
            .build();

    HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("the request has 2 Authorization headers; send one");
  }

  @Test
  void replay_wrongToken_is401() throws Exception {
    HttpResponse<String> r = post("", tarball(RecordedTraffic.CANDIDATE), ApiToken.generate());

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void replay_bundleThatDoesNotCompile_is400NamingTheFile() throws Exception {
    HttpResponse<String> r =
        post("", tarball("package authz\n\nallow if {\n  input.user.role ==\n}\n"), token);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("bundle refused").contains("authz/authz.rego:");
  }

  @Test
  void replay_badSince_is400NamingIt() throws Exception {
    HttpResponse<String> r = post("?since=yesterday", tarball(RecordedTraffic.CANDIDATE), token);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("since \\\"yesterday\\\" is not an RFC 3339 time");
  }
}
