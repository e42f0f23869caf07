package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Mode;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.DecisionRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP adapters (Envoy HTTP service, nginx auth_request, Traefik ForwardAuth) over a real
 * socket, with Java's HTTP client playing the proxy. The proxy's address 127.0.0.1 is trusted.
 */
class HttpAuthzRoutesTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of("127.0.0.1/32", "::1/128"), Mode.ENFORCE);
  }

  @AfterAll
  static void stop() {
    pdp.close();
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(pdp.base() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String id(HttpResponse<String> r) {
    return r.headers().firstValue("x-vigil-decision-id").orElseThrow();
  }

  @Test
  void envoy_allowedPath_answers200WithDecisionId() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/envoy/public/a?x=1");

    assertThat(r.statusCode()).isEqualTo(200);
    DecisionRecord logged = pdp.logged(id(r));
    assertThat(logged.allowed()).isTrue();
    assertThat(logged.eventJson()).contains("\"path\":\"/public/a\"").contains("\"query\":\"x=1\"");
  }

  @Test
  void envoy_deniedPath_answers403WithIdAndNoInternals() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/authz/envoy/admin");

    assertThat(r.statusCode()).isEqualTo(403);
    ObjectValue body = (ObjectValue) Json.parse(r.body());
    assertThat(body.get("decision_id").toString()).isEqualTo("\"" + id(r) + "\"");
    assertThat(body.get("message").toString()).isEqualTo("\"access denied\"");
    assertThat(body.keys()).hasSize(2);
    assertThat(pdp.logged(id(r)).eventJson()).contains("\"reason\":\"undefined\"");
  }

  @Test
  void envoy_methodAndHeadersFromRequest_decideTheRule() throws Exception {
    HttpResponse<String> ok =
        send("GET", "/v1/authz/envoy/reports", "Authorization", "Bearer alice");
    HttpResponse<String> post =
        send("POST", "/v1/authz/envoy/reports", "Authorization", "Bearer alice");

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(post.statusCode()).isEqualTo(403);
  }

  @Test
  void envoy_dotSegmentsInOriginalPath_neverReachTheDataApi() throws Exception {
    // Routed on the normalised path, this would be POST /v1/data/authz/allow: a 200 from OPA's API.
    HttpResponse<String> r = send("POST", "/v1/authz/envoy/../../data/authz/allow");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(pdp.logged(id(r)).eventJson()).contains("\"path\":\"/data/authz/allow\"");
  }

  @Test
  void envoy_encodedSlash_isRefusedBeforePolicy() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/envoy/public/..%2Fadmin");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("request refused").doesNotContain("%2F");
    DecisionRecord logged = pdp.logged(id(r));
    assertThat(logged.allowed()).isFalse();
    assertThat(logged.eventJson()).contains("\"reason\":\"refused: request path ");
  }

  @Test
  void envoy_xForwardedUriFromTrustedEnvoy_isIgnored() throws Exception {
    // Envoy describes the request by its own path; a client header passed along must not pick it.
    HttpResponse<String> r = send("GET", "/v1/authz/envoy/admin", "X-Forwarded-Uri", "/public/x");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void envoy_requestsWithBodies_answerAndKeepTheConnectionUsable() throws Exception {
    // Envoy may send the body (with_request_body); the endpoint answers without reading it.
    String body = "x".repeat(200_000);
    for (int i = 0; i < 3; i++) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(pdp.base() + "/v1/authz/envoy/public/up"))
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();

      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
    }
    assertThat(send("GET", "/v1/authz/envoy/admin").statusCode()).isEqualTo(403);
  }

  @Test
  void envoy_clientSentVigilHeaders_areListedForRemoval() throws Exception {
    HttpResponse<String> r =
        send("GET", "/v1/authz/envoy/public/a", "X-Vigil-Subject", "admin", "X-Vigil-Role", "x");

    assertThat(r.statusCode()).isEqualTo(200);
    String remove = r.headers().firstValue("x-envoy-auth-headers-to-remove").orElseThrow();
    assertThat(remove.split(", ")).containsExactlyInAnyOrder("x-vigil-subject", "x-vigil-role");
  }

  @Test
  void envoy_identityHeadersFromAnswer_areSentAndFiltered() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/envoy/me");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-user")).hasValue("alice");
    assertThat(r.headers().firstValue("x-role")).hasValue("sre");
    assertThat(r.headers().firstValue("x-multi")).isEmpty();
    assertThat(r.headers().firstValue("x-number")).isEmpty();
    assertThat(r.headers().map().keySet()).doesNotContain("bad header");
  }

  @Test
  void nginx_originalUriFromTrustedProxy_allows() throws Exception {
    HttpResponse<String> r =
        send("GET", "/v1/authz/nginx", "X-Original-URI", "/public/x", "X-Original-Method", "GET");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-vigil-decision-id")).isPresent();
  }

  @Test
  void nginx_xForwardedUriPassedThroughByNginx_isIgnored() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/nginx", "X-Forwarded-Uri", "/public/x");

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void nginx_deniedWithoutCredentials_answers401() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/nginx", "X-Original-URI", "/reports");

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void nginx_deniedWithCredentials_answers403() throws Exception {
    HttpResponse<String> r =
        send(
            "GET",
            "/v1/authz/nginx",
            "X-Original-URI",
            "/reports",
            "X-Original-Method",
            "DELETE",
            "Authorization",
            "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void nginx_originalMethod_isTheMethodDecided() throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/v1/authz/nginx",
            "X-Original-URI",
            "/reports",
            "X-Original-Method",
            "GET",
            "Authorization",
            "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void traefik_forwardedUriFromTrustedProxy_allows() throws Exception {
    HttpResponse<String> r =
        send(
            "GET",
            "/v1/authz/traefik",
            "X-Forwarded-Method",
            "GET",
            "X-Forwarded-Uri",
            "/reports?q=1",
            "X-Forwarded-Host",
            "app.example.com",
            "X-Forwarded-Proto",
            "https",
            "X-Forwarded-For",
            "198.51.100.7",
            "Authorization",
            "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(200);
    String event = pdp.logged(id(r)).eventJson();
    assertThat(event)
        .contains("\"host\":\"app.example.com\"")
        .contains("\"scheme\":\"https\"")
        .contains("\"source_ip\":\"198.51.100.7\"");
  }

  @Test
  void traefik_forwardedMethodDelete_isDenied() throws Exception {
    HttpResponse<String> r =
        send(
            "GET",
            "/v1/authz/traefik",
            "X-Forwarded-Method",
            "DELETE",
            "X-Forwarded-Uri",
            "/reports",
            "Authorization",
            "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void traefik_identityHeaders_areAnsweredForAuthResponseHeaders() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/traefik", "X-Forwarded-Uri", "/me");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-user")).hasValue("alice");
    assertThat(r.headers().firstValue("x-vigil-decision-id")).isPresent();
  }

  /** The original request of each adapter for {@code /public/x}, which the policy allows. */
  static List<List<String>> publicRequests() {
    return List.of(
        List.of("/v1/authz/envoy/public/x"),
        List.of("/v1/authz/nginx", "X-Original-URI", "/public/x", "X-Original-Method", "GET"),
        List.of("/v1/authz/traefik", "X-Forwarded-Uri", "/public/x", "X-Forwarded-Method", "GET"));
  }

  /**
   * Regression: two Authorization headers got a normal decision here (allowed, for a public path),
   * while the API and the gateway refuse them with 400: a policy that read one credential and an
   * upstream that read the other would each see another caller.
   */
  @ParameterizedTest
  @MethodSource("publicRequests")
  void everyAdapter_twoAuthorizationHeaders_refusedBeforePolicy(List<String> request)
      throws Exception {
    String[] headers = request.subList(1, request.size()).toArray(String[]::new);
    String[] once = append(headers, "Authorization", "Bearer alice");
    String[] twice = append(once, "Authorization", "Bearer mallory");

    HttpResponse<String> one = send("GET", request.get(0), once);
    HttpResponse<String> r = send("GET", request.get(0), twice);

    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("request refused").doesNotContain("mallory");
    DecisionRecord logged = pdp.logged(id(r));
    assertThat(logged.allowed()).isFalse();
    assertThat(logged.eventJson())
        .contains("\"reason\":\"refused: the request has 2 Authorization headers; send one");
  }

  private static String[] append(String[] headers, String name, String value) {
    String[] out = Arrays.copyOf(headers, headers.length + 2);
    out[headers.length] = name;
    out[headers.length + 1] = value;
    return out;
  }

  @Test
  void everyAdapter_oneDecisionLogEntryPerRequest() throws Exception {
    long before = pdp.loggedCount();

    send("GET", "/v1/authz/envoy/public/1");
    send("GET", "/v1/authz/nginx", "X-Original-URI", "/admin");
    send("GET", "/v1/authz/traefik", "X-Forwarded-Uri", "/odd/conflict");
    send("GET", "/v1/authz/envoy/a%2Fb");

    assertThat(pdp.loggedCount()).isEqualTo(before + 4);
  }

  static List<String> oddPaths() {
    return ExtAuthzFixture.ODD_PATHS;
  }

  @ParameterizedTest
  @MethodSource("oddPaths")
  void envoy_oddAnswer_denies(String path) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/envoy" + path);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).doesNotContain("conflict").doesNotContain("authz.rego");
    assertThat(pdp.logged(id(r)).allowed()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("oddPaths")
  void nginx_oddAnswer_denies(String path) throws Exception {
    HttpResponse<String> r =
        send("GET", "/v1/authz/nginx", "X-Original-URI", path, "Cookie", "s=1");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(pdp.logged(id(r)).allowed()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("oddPaths")
  void traefik_oddAnswer_denies(String path) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/authz/traefik", "X-Forwarded-Uri", path);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(pdp.logged(id(r)).allowed()).isFalse();
  }

  @Test
  void oddAnswers_logTheirReason() throws Exception {
    String undefined = id(send("GET", "/v1/authz/envoy/odd/undefined"));
    String string = id(send("GET", "/v1/authz/envoy/odd/string"));
    String conflict = id(send("GET", "/v1/authz/envoy/odd/conflict"));

    assertThat(pdp.logged(undefined).eventJson()).contains("\"reason\":\"undefined\"");
    assertThat(pdp.logged(string).eventJson()).contains("\"reason\":\"non-boolean\"");
    assertThat(pdp.logged(conflict).eventJson()).contains("\"reason\":\"error: ");
  }

  @Test
  void opaApi_stillAnswersBesideTheAdapters() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/data/authz");

    assertThat(r.statusCode()).isEqualTo(200);
  }
}
