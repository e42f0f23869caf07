package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sign-in's password check runs beside the event loop, not on it: the hash costs tens of
 * milliseconds by design, and on the loop a stream of sign-in attempts held every other request of
 * the loop behind it.
 */
class EdgeSignInOffLoopTest {

  /**
   * A well-formed Argon2id hash with dear parameters (64 MiB, 20 passes: seconds of one core), and
   * a salt and hash that no password matches: checking any password against it takes that long.
   */
  static final String SLOW_HASH =
      "$argon2id$v=19$m=65536,t=20,p=1$"
          + Base64.getEncoder().withoutPadding().encodeToString(new byte[16])
          + "$"
          + Base64.getEncoder().withoutPadding().encodeToString(new byte[32]);

  static String loopsBefore;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    // One event loop, as on a 2-core machine: a check on the loop would hold the other request.
    loopsBefore = System.setProperty("vigil.event_loops", "1");
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser("slow", "slow@example.com", List.of(), List.of(), SLOW_HASH, null)),
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
    if (loopsBefore == null) {
      System.clearProperty("vigil.event_loops");
    } else {
      System.setProperty("vigil.event_loops", loopsBefore);
    }
  }

  @Test
  void login_whilePasswordIsChecked_otherRequestsAreAnswered() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    CompletableFuture<HttpResponse<String>> login =
        client.sendAsync(
            HttpRequest.newBuilder(URI.create(url("/auth/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"slow\",\"password\":\"x\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);

    HttpResponse<String> other =
        client.send(
            HttpRequest.newBuilder(URI.create(url("/app")))
                .header("Accept", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(other.statusCode()).isEqualTo(401);
    assertThat(login).as("the sign-in still being checked").isNotDone();
    assertThat(login.get().statusCode()).isEqualTo(401);
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }
}
