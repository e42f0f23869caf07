package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: {@code POST /auth/login} over an existing session started a new one and left the old
 * one valid until its timeouts, so a cookie stolen before the sign-in kept working after it. A
 * sign-in now signs out every session the browser presents, stored (so every node of the store
 * refuses it) before the new cookie is handed out.
 */
class EdgeSignInEndsSessionTest {

  private static final Duration IDLE = Duration.ofMinutes(30);
  private static final Duration ABSOLUTE = Duration.ofHours(8);

  @TempDir Path tmp;
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  private final InstantSource clock = () -> now.get();
  private final byte[] key = SessionCodec.newKey();
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer upstream;
  private Store store;
  private SessionSignOuts signOuts;
  private EdgeGateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream =
        Fixtures.answering(ex -> String.valueOf(ex.getRequestHeaders().getFirst("X-Vigil-User")));
    store = Store.open(StoreLocation.embedded(tmp));
    signOuts = SessionSignOuts.open(store, "gateway", ABSOLUTE, clock);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow := true\n");
    Route route = Fixtures.appRoute(upstream.getAddress().getPort());
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(user("bob"), user("erin")),
            new SessionCodec(key, IDLE, ABSOLUTE, clock, signOuts),
            clock);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.stop(0);
    signOuts.close();
    store.close();
  }

  private static LocalUser user(String name) {
    return new LocalUser(name, "", List.of("dev"), List.of(), PasswordHash.hash("pw"), null);
  }

  /** Signs in with JSON, sending {@code cookies} (null: none); returns the new session cookie. */
  private String signIn(String user, String cookies) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\"" + user + "\",\"password\":\"pw\"}"));
    if (cookies != null) {
      r.header("Cookie", cookies);
    }
    HttpResponse<String> in = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(in.statusCode()).isEqualTo(200);
    String set = in.headers().firstValue("Set-Cookie").orElseThrow();
    return set.substring(set.indexOf('=') + 1, set.indexOf(';'));
  }

  private static String cookie(String value) {
    return SessionCodec.COOKIE + "=" + value;
  }

  /** Returns who the upstream is told the caller is ("null": no one). */
  private String caller(String session) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/x"))
                .header("Cookie", cookie(session))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** A node that starts after the answer, on the same store: it knows only what was stored. */
  private SessionCodec otherNode(Duration idle) {
    return new SessionCodec(
        key, idle, ABSOLUTE, clock, SessionSignOuts.open(store, "gateway", ABSOLUTE, clock));
  }

  @Test
  void login_overASession_endsIt_storedBeforeTheAnswer() throws Exception {
    String before = signIn("bob", null);
    assertThat(caller(before)).isEqualTo("bob");

    String after = signIn("bob", cookie(before));

    assertThat(caller(before)).as("the cookie from before the sign-in").isEqualTo("null");
    assertThat(caller(after)).isEqualTo("bob");
    SessionCodec other = otherNode(IDLE);
    assertThat(other.open(before)).as("refused by another node").isNull();
    assertThat(other.open(after)).isNotNull();
  }

  @Test
  void login_asAnotherUser_endsTheFirstUsersSession() throws Exception {
    String bob = signIn("bob", null);

    String erin = signIn("erin", cookie(bob));

    assertThat(caller(bob)).isEqualTo("null");
    assertThat(caller(erin)).isEqualTo("erin");
  }

  @Test
  void login_withTwoSessionCookies_endsBoth() throws Exception {
    String one = signIn("bob", null);
    String two = signIn("erin", null);

    signIn("bob", cookie(one) + "; " + cookie(two));

    assertThat(caller(one)).isEqualTo("null");
    assertThat(caller(two)).isEqualTo("null");
  }

  @Test
  void login_overASessionIdleHere_endsItForNodesWithALongerIdleTime() throws Exception {
    String before = signIn("bob", null);
    now.set(now.get().plus(IDLE).plusSeconds(60));
    assertThat(caller(before)).as("idle on this node").isEqualTo("null");

    signIn("bob", cookie(before));

    assertThat(otherNode(IDLE.multipliedBy(4)).open(before))
        .as("a node with a longer idle time would have taken it")
        .isNull();
  }

  @Test
  void failedLogin_overASession_leavesIt() throws Exception {
    String before = signIn("bob", null);

    HttpResponse<String> wrong =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
                .header("Content-Type", "application/json")
                .header("Cookie", cookie(before))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"bob\",\"password\":\"nope\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(caller(before)).isEqualTo("bob");
  }
}
