package dev.vigil.gateway.edge;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression: over HTTP/2 without TLS (h2c, as Java's HttpClient and {@code curl --http2} speak it
 * to an http:// URL), a failed form sign-in got no answer and the connection closed at the idle
 * timeout, about 60 s later. The handlers resumed requests whose body they had read already, which
 * Vert.x refuses over HTTP/2 with an exception, so the answer was never written. Every answer
 * written after a body was read is covered here: the sign-in form again, the step-up form again,
 * and 502 when the upstream took the body and closed.
 *
 * <p>The client is Java's own: its first request on a connection asks to upgrade to h2c (a request
 * with a body included), and the following ones go as streams of the upgraded connection.
 */
class EdgeH2cTest {

  static final String SECRET = Totp.newSecret();

  /** Bounds a test that would otherwise wait for the idle timeout; not a timing assertion. */
  static final Duration NO_ANSWER = Duration.ofSeconds(20);

  private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
  private HttpServer upstream;
  private ServerSocket dropper;
  private Thread dropping;
  private DecisionPoint pdp;
  private EdgeGateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream =
        Fixtures.answering(
            ex -> {
              try {
                return "ok " + new String(ex.getRequestBody().readAllBytes(), UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    dropper = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    dropping = Thread.ofVirtual().start(this::takeBodiesAndClose);
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow := true\n");
    Route app = route("app", "/", upstream.getAddress().getPort());
    Route dropped = route("dropped", "/dropped", dropper.getLocalPort());
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null),
                new LocalUser(
                    "erin", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), SECRET)),
            Fixtures.sessions(clock),
            clock,
            true);
    gateway = Fixtures.startWithLocalUsers(List.of(app, dropped), pdp, clock, clock, auth);
  }

  private static Route route(String name, String prefix, int port) {
    return new Route(
        name,
        "*",
        prefix,
        URI.create("http://127.0.0.1:" + port),
        "authz/allow",
        Mode.ENFORCE,
        Map.of(),
        null);
  }

  /** An upstream that reads each request's head and body and closes without answering. */
  private void takeBodiesAndClose() {
    while (!dropper.isClosed()) {
      try (Socket s = dropper.accept()) {
        InputStream in = s.getInputStream();
        String head = "";
        while (!head.endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          head += (char) b;
        }
        String length =
            head.toLowerCase().replaceAll("(?s).*content-length: *([0-9]+).*", "$1").trim();
        in.readNBytes(length.matches("[0-9]+") ? Integer.parseInt(length) : 0);
      } catch (Exception e) {
        // Closed at the end of the test.
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.stop(0);
    dropper.close();
    dropping.join();
    pdp.close();
  }

  private final HttpClient browser =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .cookieHandler(new CookieManager())
          .build();

  private HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
    return browser.send(r.timeout(NO_ANSWER).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder to(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
  }

  private HttpResponse<String> postJson(String path, String json) throws Exception {
    return send(
        to(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> postForm(String path, String form) throws Exception {
    return send(
        to(path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  private static String csrf(HttpResponse<String> form) {
    return form.body().replaceAll("(?s).*name=csrf value=\"([^\"]+)\".*", "$1");
  }

  @Test
  void jsonThenFormSignIn_overOneUpgradedConnection_everyAttemptAnswered() throws Exception {
    HttpResponse<String> json =
        postJson("/auth/login", "{\"username\":\"dave\",\"password\":\"x\"}");
    HttpResponse<String> form = send(to("/auth/login"));
    HttpResponse<String> wrong =
        postForm("/auth/login", "csrf=" + csrf(form) + "&rd=%2F&username=dave&password=x");
    HttpResponse<String> again = send(to("/auth/login"));
    HttpResponse<String> right =
        postForm("/auth/login", "csrf=" + csrf(again) + "&rd=%2F&username=dave&password=pw");

    assertThat(json.statusCode()).isEqualTo(401);
    assertThat(json.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(form.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(wrong.body()).contains("Sign-in failed.");
    assertThat(right.statusCode()).isEqualTo(303);
    assertThat(send(to("/hello")).body()).isEqualTo("ok ");
  }

  @Test
  void wrongStepUpCode_inTheForm_answeredOverH2c() throws Exception {
    assertThat(postJson("/auth/login", "{\"username\":\"erin\",\"password\":\"pw\"}").statusCode())
        .isEqualTo(200);
    HttpResponse<String> prompt = send(to("/auth/step-up?rd=%2F"));

    HttpResponse<String> wrong =
        postForm("/auth/step-up", "csrf=" + csrf(prompt) + "&rd=%2F&totp=000000");

    assertThat(prompt.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("Wrong or used code.");
  }

  @Test
  void bodyRelayedOverH2c_thenUpstreamCloses_answered502() throws Exception {
    HttpResponse<String> relayed =
        send(to("/echo").POST(HttpRequest.BodyPublishers.ofString("first body")));
    HttpResponse<String> dropped =
        send(to("/dropped/x").POST(HttpRequest.BodyPublishers.ofString("second body")));
    HttpResponse<String> after =
        send(to("/echo").POST(HttpRequest.BodyPublishers.ofString("third body")));

    assertThat(relayed.body()).isEqualTo("ok first body");
    assertThat(relayed.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(dropped.statusCode()).isEqualTo(502);
    assertThat(dropped.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(dropped.body()).contains("upstream_unavailable");
    assertThat(after.body()).isEqualTo("ok third body");
  }
}
