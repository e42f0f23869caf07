package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Mode;
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

/**
 * Case C05 over a real socket: with no trusted proxy configured (the default), the client's
 * forwarding headers never describe the request, so the forward-auth endpoints decide on their own
 * path and deny.
 */
class UntrustedPeerTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of(), Mode.ENFORCE);
  }

  @AfterAll
  static void stop() {
    pdp.close();
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pdp.base() + path));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void nginx_spoofedOriginalUriFromUntrustedPeer_answers401() throws Exception {
    HttpResponse<String> r = get("/v1/authz/nginx", "X-Original-URI", "/public/health");

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void traefik_spoofedForwardedUriFromUntrustedPeer_answers403() throws Exception {
    HttpResponse<String> r = get("/v1/authz/traefik", "X-Forwarded-Uri", "/public/health");

    assertThat(r.statusCode()).isEqualTo(403);
    String event =
        pdp.logged(r.headers().firstValue("x-vigil-decision-id").orElseThrow()).eventJson();
    assertThat(event)
        .contains("\"path\":\"/v1/authz/traefik\"")
        .contains("\"forwarded\":false")
        .doesNotContain("/public/health");
  }

  @Test
  void traefik_spoofedForwardedForFromUntrustedPeer_keepsPeerAsSource() throws Exception {
    HttpResponse<String> r =
        get("/v1/authz/traefik", "X-Forwarded-For", "10.9.9.9", "X-Forwarded-Method", "GET");

    String event =
        pdp.logged(r.headers().firstValue("x-vigil-decision-id").orElseThrow()).eventJson();
    assertThat(event).contains("\"source_ip\":\"127.0.0.1\"").doesNotContain("10.9.9.9");
  }

  @Test
  void envoy_publicPath_stillAllowedWithoutTrustedProxies() throws Exception {
    HttpResponse<String> r = get("/v1/authz/envoy/public/health");

    assertThat(r.statusCode()).isEqualTo(200);
  }
}
