package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's own endpoints refuse a form field or query parameter given twice, naming it.
 * Regression: the query of {@code /auth/login} and {@code /auth/step-up} kept the first {@code rd}
 * of several, where a proxy or the app may read the last; the sign-in's form body already refused a
 * repeated field, and still does.
 */
class EdgeRepeatedParameterTest {

  static DecisionPoint pdp;
  static EdgeGateway gateway;
  final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(new LocalUser("dave", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            clock);
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:9"),
            "authz/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    pdp.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/auth/login", "/auth/step-up"})
  void get_rdTwice_400NamingIt(String path) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url(path + "?rd=%2Fdocs&rd=%2Fadmin"))).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("query parameter \\\"rd\\\" appears twice");
    assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
  }

  @Test
  void postLogin_passwordTwiceInJsonOrQuery_400NamingIt() throws Exception {
    HttpResponse<String> query =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login?password=a&password=b")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"dave\",\"password\":\"pw\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(query.statusCode()).isEqualTo(400);
    assertThat(query.body()).contains("query parameter \\\"password\\\" appears twice");
  }

  /** A query that is not URL encoding failed the request with 500 where it was first read. */
  @Test
  void get_queryNotUrlEncoding_400SayingSo() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              "GET /auth/login?rd=%zz HTTP/1.1\r\nHost: app.example\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));

      String answer = EdgeEarlyAnswerBodyTest.readAnswer(s.getInputStream());

      assertThat(answer)
          .startsWith("HTTP/1.1 400 ")
          .contains("the query is not URL encoding")
          .contains("invalid hex byte 'zz'");
    }
  }

  @Test
  void get_eachParameterOnce_answered() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/auth/login?rd=%2Fdocs"))).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("name=rd value=\"/docs\"");
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }
}
