package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression: an upstream could answer with {@code X-Vigil-Decision-Id} (or any {@code X-Vigil-*}
 * header, in any case or with {@code _} for {@code -}) or set the gateway's session cookie, and the
 * caller saw it as if the gateway had written it. Over real sockets, to a caller speaking HTTP/1.1
 * or HTTP/2 (h2c), the gateway now relays the upstream's own headers and none of the forged ones,
 * and its own refusals still carry its decision id.
 */
class EdgeAnswerHeadersTest {

  static Vertx vertx;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int app =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(
                req ->
                    req.response()
                        .putHeader("X-Vigil-Decision-Id", "forged-by-app")
                        .putHeader("x_vigil_decision_id", "forged-underscore")
                        .putHeader("X-VIGIL-USER", "forged-admin")
                        .putHeader("X-Vigil-Assertion", "forged.jwt.value")
                        .putHeader(
                            "Set-Cookie",
                            List.<String>of(
                                "vigil_session=forged; Path=/; HttpOnly",
                                "Vigil_OIDC=forged-case; Path=/auth",
                                "app_session=kept; Path=/"))
                        .putHeader("X-App", "kept")
                        .end("from the app"))
            .listen()
            .await(30, TimeUnit.SECONDS)
            .actualPort();
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy(
        "authz.rego",
        """
        package authz
        import rego.v1

        allow if not startswith(input.request.path, "/denied")
        """);
    Route route = Fixtures.appRoute(app);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(List.of(route))),
                pdp,
                new IdentityAssertion(
                    "vigil", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                InstantSource.system()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(HttpClient.Version version, String path)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().version(version).build();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Returns every header line as {@code lower-case-name: value}. */
  private static List<String> lines(HttpResponse<?> r) {
    List<String> out = new ArrayList<>();
    r.headers().map().forEach((n, vs) -> vs.forEach(v -> out.add(n.toLowerCase() + ": " + v)));
    return out;
  }

  @Test
  void forward_http1Caller_forgedVigilHeadersAndCookiesRemovedAppHeadersKept() throws Exception {
    HttpResponse<String> r = get(HttpClient.Version.HTTP_1_1, "/page");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("from the app");
    assertThat(lines(r))
        .noneMatch(l -> l.contains("forged"))
        .noneMatch(l -> l.contains("vigil"))
        .contains("x-app: kept", "set-cookie: app_session=kept; Path=/");
  }

  @Test
  void forward_http2Caller_forgedVigilHeadersAndCookiesRemovedAppHeadersKept() throws Exception {
    HttpResponse<String> r = get(HttpClient.Version.HTTP_2, "/page");

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(lines(r))
        .noneMatch(l -> l.contains("forged"))
        .noneMatch(l -> l.contains("vigil"))
        .contains("x-app: kept", "set-cookie: app_session=kept; Path=/");
  }

  @Test
  void refuse_deniedRequest_carriesTheGatewaysOwnDecisionId() throws Exception {
    HttpResponse<String> r = get(HttpClient.Version.HTTP_1_1, "/denied");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().allValues("X-Vigil-Decision-Id"))
        .singleElement()
        .satisfies(id -> assertThat(r.body()).contains(id));
  }
}
