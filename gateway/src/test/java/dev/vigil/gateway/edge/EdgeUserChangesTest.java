package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a local user removed or demoted in a reloaded configuration kept gateway access with
 * the roles of the sign-in until the session timed out (up to 8 hours). A local session now counts
 * as the users of now see it, at every request.
 */
class EdgeUserChangesTest {

  static final String POLICY =
      "package authz\n\ndefault allow := false\n\nallow if input.user.role == \"admin\"\n";
  static final String HASH = PasswordHash.hash("dave's password");

  @TempDir Path tmp;
  private HttpServer upstream;
  private Store store;
  private DecisionLog log;
  private DecisionPoint pdp;
  private EdgeGateway gateway;
  private LocalAuthenticator auth;

  @BeforeEach
  void start() throws Exception {
    upstream = Fixtures.answering(ex -> "ok");
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.putPolicy("authz.rego", POLICY);
    Route route = Fixtures.appRoute(upstream.getAddress().getPort());
    InstantSource clock = InstantSource.system();
    auth =
        new LocalAuthenticator(
            List.of(dave(List.of("admin"), HASH, null)), Fixtures.sessions(clock), clock);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.stop(0);
    pdp.close();
    log.close();
    store.close();
  }

  private static LocalUser dave(List<String> roles, String hash, String totp) {
    return new LocalUser("dave", "dave@example.com", roles, List.of("ops"), hash, totp);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  /** Signs dave in over JSON and returns his session cookie as a Cookie header. */
  private String signIn() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/auth/login")))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"dave\",\"password\":\"dave's password\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    String set =
        r.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith(SessionCodec.COOKIE + "="))
            .findFirst()
            .orElseThrow();
    return set.split(";", 2)[0];
  }

  private HttpResponse<String> get(String cookie) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url("/reports")))
                .header("Accept", "application/json")
                .header("Cookie", cookie)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void removedUser_oldCookie_isSignedOutAndStaysOut() throws Exception {
    String cookie = signIn();
    assertThat(get(cookie).statusCode()).isEqualTo(200);

    auth.replaceUsers(List.of());
    HttpResponse<String> after = get(cookie);

    assertThat(after.statusCode()).isEqualTo(401);
    assertThat(after.headers().allValues("Set-Cookie"))
        .anySatisfy(
            c -> assertThat(c).startsWith(SessionCodec.COOKIE + "=;").contains("Max-Age=0"));
    // Put back as he was: the session was signed out, not merely hidden.
    auth.replaceUsers(List.of(dave(List.of("admin"), HASH, null)));
    assertThat(get(cookie).statusCode()).isEqualTo(401);
  }

  @Test
  void demotedUser_oldCookie_decidedWithTheRolesOfNow() throws Exception {
    String cookie = signIn();
    assertThat(get(cookie).statusCode()).isEqualTo(200);

    auth.replaceUsers(List.of(dave(List.of("viewer"), HASH, null)));
    HttpResponse<String> demoted = get(cookie);

    assertThat(demoted.statusCode()).isEqualTo(403);
    String id = demoted.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    String event = Fixtures.awaitRecord(store, id).eventJson();
    assertThat(event).contains("\"roles\":[\"viewer\"]").doesNotContain("\"admin\"");
    // A change of roles alone does not end the session: promoted again, he is let in again.
    auth.replaceUsers(List.of(dave(List.of("admin"), HASH, null)));
    assertThat(get(cookie).statusCode()).isEqualTo(200);
  }

  @Test
  void passwordChanged_oldCookie_isSignedOut() throws Exception {
    String cookie = signIn();

    auth.replaceUsers(List.of(dave(List.of("admin"), PasswordHash.hash("a new one"), null)));

    assertThat(get(cookie).statusCode()).isEqualTo(401);
  }

  @Test
  void totpSecretSet_oldCookie_isSignedOut() throws Exception {
    String cookie = signIn();

    auth.replaceUsers(List.of(dave(List.of("admin"), HASH, Totp.newSecret())));

    assertThat(get(cookie).statusCode()).isEqualTo(401);
  }

  @Test
  void totpSecretSet_oldCookie_isNotOfferedAStepUp() throws Exception {
    // The old session must not be the one to add a second factor made for a new secret.
    String cookie = signIn();
    auth.replaceUsers(List.of(dave(List.of("admin"), HASH, Totp.newSecret())));

    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/auth/step-up?rd=%2F")))
                    .header("Cookie", cookie)
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/auth/login?rd=%2F");
  }
}
