package dev.vigil.gateway.edge;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Regression: an unexpected exception thrown in a continuation of a request (a Vert.x future's
 * callback after the decision, after the body was read, ...) went back to Vert.x, which only logged
 * it. The request was never answered: over HTTP/2 the stream waited for the 60 s idle timeout, over
 * HTTP/1.1 the connection hung the same way. Now the gateway fails closed: 500 with the decision id
 * when there is one, the fault logged once with the route and the path, and the connection goes on
 * serving.
 *
 * <p>The faults come from clocks the test hands to the gateway's collaborators: the identity
 * assertion's signer reads its clock in the continuation after the decision (made on the worker
 * pool, as the policy is too slow for the event loop), and the local sign-in reads its own once the
 * posted body has arrived. Each clock throws while the test says so.
 */
class EdgeContinuationFaultTest {

  /** Bounds a request that would otherwise wait for the idle timeout; not a timing assertion. */
  static final Duration NO_ANSWER = Duration.ofSeconds(20);

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** Past the event loop's budget of 1 ms: the decision goes to the worker pool. */
  static final String POLICY =
      """
      package authz
      import rego.v1

      slow if count([x | some x in numbers.range(1, 100000)]) == 100000
      """;

  /** A clock that throws while {@code failing} is set: a fault in whatever step reads it. */
  static final class FaultyClock implements InstantSource {
    volatile boolean failing;

    @Override
    public Instant instant() {
      if (failing) {
        throw new IllegalStateException("clock fault injected by the test");
      }
      return NOW;
    }
  }

  private final InstantSource clock = InstantSource.fixed(NOW);
  private final FaultyClock signerClock = new FaultyClock();
  private final FaultyClock signInClock = new FaultyClock();
  private final ListAppender<ILoggingEvent> faults = new ListAppender<>();
  private final Logger guardLog = (Logger) LoggerFactory.getLogger(RequestGuard.class);
  private HttpServer upstream;
  private DecisionPoint pdp;
  private EdgeGateway gateway;

  @BeforeEach
  void start() throws Exception {
    faults.start();
    guardLog.addAppender(faults);
    upstream = Fixtures.answering(ex -> "ok " + ex.getRequestURI().getPath());
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", POLICY);
    Route app =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "authz/slow",
            Mode.ENFORCE,
            Map.of(),
            null);
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            signInClock,
            true);
    gateway = Fixtures.startWithLocalUsers(List.of(app), pdp, signerClock, clock, auth);
  }

  @AfterEach
  void stop() {
    guardLog.detachAppender(faults);
    gateway.close();
    upstream.stop(0);
    pdp.close();
  }

  private final HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

  private HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
    return h2c.send(r.timeout(NO_ANSWER).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder to(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
  }

  private static HttpRequest.Builder json(HttpRequest.Builder r, String body) {
    return r.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void faultAfterDecision_overH2c_answered500WithDecisionId_thenStreamsGoOn() throws Exception {
    HttpResponse<String> before = send(to("/before"));
    signerClock.failing = true;
    HttpResponse<String> faulted = send(to("/faulted"));
    signerClock.failing = false;
    HttpResponse<String> after = send(to("/after"));

    assertThat(before.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(before.body()).isEqualTo("ok /before");
    assertThat(faulted.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(faulted.statusCode()).isEqualTo(500);
    String id = faulted.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(faulted.body())
        .contains("\"error\":\"internal_error\"", "\"decision_id\":\"" + id + "\"")
        .doesNotContain("Exception", "injected", "dev.vigil");
    assertThat(after.body()).isEqualTo("ok /after");
    assertLoggedOnce("route=app path=/faulted decision_id=" + id + " answer=500");
  }

  @Test
  void faultAfterDecision_overHttp11_answered500_thenSameConnectionServes() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout((int) NO_ANSWER.toMillis());
      Answer before = exchange(s, "GET /before HTTP/1.1\r\nHost: app\r\n\r\n");
      signerClock.failing = true;
      Answer faulted = exchange(s, "GET /faulted HTTP/1.1\r\nHost: app\r\n\r\n");
      signerClock.failing = false;
      Answer after = exchange(s, "GET /after HTTP/1.1\r\nHost: app\r\n\r\n");

      assertThat(before.body()).isEqualTo("ok /before");
      assertThat(faulted.status()).isEqualTo(500);
      assertThat(faulted.head()).contains("x-vigil-decision-id: ");
      assertThat(faulted.body()).contains("internal_error").doesNotContain("Exception");
      assertThat(after.status()).isEqualTo(200);
      assertThat(after.body()).isEqualTo("ok /after");
    }
    assertLoggedOnce("route=app path=/faulted decision_id=");
  }

  /**
   * Regression: the 500 of a fault did not close the connection of a request still holding its body
   * back for {@code 100 Continue} (the fault came before the body was invited), so bytes the client
   * sent after it could be read as a request of their own. See {@link EdgeEarlyAnswerBodyTest}.
   */
  @Test
  void faultAfterDecision_bodyHeldBack_answered500ThenClosed_innerNeverAnswered() throws Exception {
    signerClock.failing = true;
    EdgeEarlyAnswerBodyTest.Exchange x =
        EdgeEarlyAnswerBodyTest.holdBackThenSend(gateway.port(), "/faulted");
    signerClock.failing = false;

    assertThat(x.answer()).startsWith("HTTP/1.1 500 ").contains("internal_error");
    assertThat(x.answer().toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
    assertThat(x.after()).doesNotContain("HTTP/1.1");
    assertLoggedOnce("route=app path=/faulted decision_id=");
  }

  @Test
  void faultAfterSignInBody_overH2c_answered500_thenSignInWorks() throws Exception {
    HttpResponse<String> before = send(to("/before"));
    signInClock.failing = true;
    HttpResponse<String> faulted =
        send(json(to("/auth/login"), "{\"username\":\"dave\",\"password\":\"pw\"}"));
    signInClock.failing = false;
    HttpResponse<String> after =
        send(json(to("/auth/login"), "{\"username\":\"dave\",\"password\":\"pw\"}"));

    assertThat(before.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(faulted.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(faulted.statusCode()).isEqualTo(500);
    assertThat(faulted.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(faulted.body()).contains("internal_error").doesNotContain("Exception");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).contains("\"user\":\"dave\"");
    assertLoggedOnce("route=- path=/auth/login decision_id=- answer=500");
  }

  @Test
  void faultAfterSignInBody_overHttp11_answered500_thenSameConnectionServes() throws Exception {
    String body = "{\"username\":\"dave\",\"password\":\"pw\"}";
    String post =
        "POST /auth/login HTTP/1.1\r\nHost: app\r\nContent-Type: application/json\r\n"
            + "Content-Length: "
            + body.length()
            + "\r\n\r\n"
            + body;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout((int) NO_ANSWER.toMillis());
      signInClock.failing = true;
      Answer faulted = exchange(s, post);
      signInClock.failing = false;
      Answer after = exchange(s, post);

      assertThat(faulted.status()).isEqualTo(500);
      assertThat(faulted.body()).contains("internal_error").doesNotContain("Exception");
      assertThat(after.status()).isEqualTo(200);
      assertThat(after.body()).contains("\"user\":\"dave\"");
    }
    assertLoggedOnce("route=- path=/auth/login decision_id=- answer=500");
  }

  private void assertLoggedOnce(String fields) {
    assertThat(faults.list)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getFormattedMessage()).contains(fields);
              assertThat(e.getThrowableProxy().getMessage())
                  .isEqualTo("clock fault injected by the test");
            });
  }

  /** One HTTP/1.1 answer: its status line and headers (lower-cased names), and its body. */
  record Answer(int status, String head, String body) {}

  /** Writes {@code request} on {@code s} and reads one answer framed by Content-Length. */
  private static Answer exchange(Socket s, String request) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(UTF_8));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head.toString(US_ASCII));
      }
      head.write(b);
    }
    String h = head.toString(US_ASCII).toLowerCase(Locale.ROOT);
    String length = h.replaceAll("(?s).*\r\ncontent-length: *([0-9]+).*", "$1");
    byte[] body = in.readNBytes(Integer.parseInt(length.trim()));
    return new Answer(Integer.parseInt(h.substring(9, 12)), h, new String(body, UTF_8));
  }
}
