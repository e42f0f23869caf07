package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression: an app's answer that a shared cache may keep ({@code Cache-Control: public}) went out
 * with the gateway's {@code Set-Cookie} of the caller's session in it. A cache in front of the
 * gateway (a CDN) could keep that answer and hand the session cookie, and the page, to everyone who
 * asked for the same URL after.
 */
class EdgeSessionCachingTest {

  private final InstantSource clock = InstantSource.system();
  private HttpServer upstream;
  private DecisionPoint pdp;
  private EdgeGateway gateway;
  private final HttpClient browser =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .cookieHandler(new CookieManager())
          .build();

  @BeforeEach
  void start() throws Exception {
    upstream =
        Fixtures.answering(
            ex -> {
              String q = ex.getRequestURI().getQuery();
              if (q != null) {
                for (String v : q.split("&")) {
                  ex.getResponseHeaders()
                      .add(
                          "Cache-Control",
                          java.net.URLDecoder.decode(v, java.nio.charset.StandardCharsets.UTF_8));
                }
              }
              return "ok";
            });
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow := true\n");
    Route route = Fixtures.appRoute(upstream.getAddress().getPort());
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            clock);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.stop(0);
    pdp.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery)));
  }

  private void signIn() throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"dave\",\"password\":\"pw\"}")));
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private static List<String> directives(HttpResponse<String> r) {
    return r.headers().allValues("Cache-Control").stream()
        .flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(String::strip)
        .toList();
  }

  @Test
  void publicAnswer_withTheSessionCookie_isMadePrivate_keepingItsMaxAge() throws Exception {
    signIn();

    HttpResponse<String> r = get("/page?public,%20max-age=600,%20s-maxage=3600");

    assertThat(r.headers().allValues("Set-Cookie"))
        .anyMatch(c -> c.startsWith(SessionCodec.COOKIE + "="));
    assertThat(directives(r)).contains("private", "max-age=600").doesNotContain("public");
    assertThat(directives(r)).noneMatch(d -> d.startsWith("s-maxage"));
  }

  @Test
  void answerWithoutCacheControl_withTheSessionCookie_isPrivate() throws Exception {
    signIn();

    assertThat(directives(get("/page"))).containsExactly("private");
  }

  @Test
  void noStoreAnswer_keepsItsOwnCacheControl() throws Exception {
    signIn();

    assertThat(directives(get("/page?no-store"))).containsExactly("no-store");
  }

  @Test
  void anonymousAnswer_keepsTheAppsCacheControl() throws Exception {
    HttpResponse<String> r = get("/page?public,%20max-age=600");

    assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(directives(r)).containsExactly("public", "max-age=600");
  }
}
