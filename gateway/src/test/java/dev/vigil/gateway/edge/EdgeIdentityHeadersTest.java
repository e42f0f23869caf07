package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression: the identity headers the edge sends the app were written byte for byte as Latin-1, so
 * the users {@code 用户} and {@code 客户} both reached the app as {@code X-Vigil-User: ??}, one person
 * to any app that reads the header, and the groups {@code ["a,b"]} and {@code ["a", "b"]} both as
 * {@code a,b}. Each value now reads back, percent-decoded, as the identity it stands for.
 */
class EdgeIdentityHeadersTest {

  static Vertx vertx;
  static HttpServer app;
  static EdgeGateway gateway;
  static DecisionPoint pdp;
  static volatile CompletableFuture<MultiMap> seen = new CompletableFuture<>();

  private static LocalUser user(String name, String email, List<String> groups) {
    return new LocalUser(name, email, List.of("sre"), groups, PasswordHash.hash("pw"), null);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    app =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  seen.complete(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
                  req.response().end("ok");
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow if input.user.role == \"sre\"\n");
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                user("用户", "josé@example.com", List.of("a,b")),
                user("客户", "jose@example.com", List.of("a", "b")),
                user("100%", " x@example.com", List.of("ops")),
                user("100%25", "x@example.com", List.of("ops"))),
            Fixtures.sessions(clock),
            clock);
    Route route = Fixtures.appRoute(app.actualPort());
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    pdp.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Signs {@code name} in, sends one request and returns the headers the app received. */
  private static MultiMap upstreamHeadersOf(String name) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + gateway.port();
    HttpResponse<String> signIn =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + name + "\",\"password\":\"pw\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String cookie =
        signIn.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith(SessionCodec.COOKIE + "="))
            .map(c -> c.substring(0, c.indexOf(';')))
            .findFirst()
            .orElseThrow();
    seen = new CompletableFuture<>();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/page")).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return seen.get(10, TimeUnit.SECONDS);
  }

  private static String decoded(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static List<String> groups(MultiMap headers) {
    return Arrays.stream(headers.get("X-Vigil-Groups").split(",", -1))
        .map(EdgeIdentityHeadersTest::decoded)
        .toList();
  }

  @Test
  void identityOutsideAscii_readsBackAsThatIdentity() throws Exception {
    MultiMap first = upstreamHeadersOf("用户");
    MultiMap second = upstreamHeadersOf("客户");

    assertThat(first.get("X-Vigil-User")).isNotEqualTo(second.get("X-Vigil-User"));
    assertThat(decoded(first.get("X-Vigil-User"))).isEqualTo("用户");
    assertThat(decoded(second.get("X-Vigil-User"))).isEqualTo("客户");
    assertThat(decoded(first.get("X-Vigil-Email"))).isEqualTo("josé@example.com");
    assertThat(groups(first)).containsExactly("a,b");
    assertThat(groups(second)).containsExactly("a", "b");
  }

  @Test
  void percentAndEdgeSpaces_areEncodedToo_soNoTwoIdentitiesMeet() throws Exception {
    MultiMap percent = upstreamHeadersOf("100%");
    MultiMap spelled = upstreamHeadersOf("100%25");

    assertThat(percent.get("X-Vigil-User")).isEqualTo("100%25");
    assertThat(spelled.get("X-Vigil-User")).isEqualTo("100%2525");
    assertThat(decoded(percent.get("X-Vigil-Email"))).isEqualTo(" x@example.com");
    assertThat(decoded(spelled.get("X-Vigil-Email"))).isEqualTo("x@example.com");
  }
}
