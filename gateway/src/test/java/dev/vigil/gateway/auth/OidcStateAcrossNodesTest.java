package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.UsedOnce;
import dev.vigil.testkit.TestSchemas;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sign-in's callback is taken once by all the nodes that share a store (two stores opened on one
 * location), against a real OpenID Connect server (mock-oauth2-server on loopback, which, unlike a
 * careful provider, redeems a code twice). Before, each node remembered the states it had used, and
 * a callback replayed with its cookie to another node signed in a second time.
 */
class OidcStateAcrossNodesTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_oidcnodes_");

  private final InstantSource clock = InstantSource.system();
  private MockOAuth2Server idp;
  private byte[] sessionKey;

  static Stream<String> dialects() {
    return Stream.of("sqlite", "postgresql");
  }

  @BeforeEach
  void start() {
    idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    sessionKey = SessionCodec.newKey();
  }

  @AfterEach
  void stop() {
    idp.shutdown();
  }

  /** A node: the provider as every node configures it, the session key they share, its store. */
  private OidcLogin node(Store store) {
    SessionCodec sessions =
        new SessionCodec(sessionKey, Duration.ofMinutes(30), Duration.ofHours(8), clock);
    return new OidcLogin(
        new OidcLogin.Config(
            URI.create(idp.issuerUrl("default").toString()),
            "vigil-gw",
            "secret",
            URI.create("http://127.0.0.1:1/auth/callback"),
            List.of("RS256")),
        sessions,
        clock,
        UsedOnce.open(store, clock));
  }

  /** The provider's answer to a sign-in begun at {@code node}: the callback's query parameters. */
  private Map<String, String> authorize(OidcLogin.Start start) throws Exception {
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default", "alice", "JWT", List.of("vigil-gw"), Map.of("roles", List.of("sre")), 3600));
    HttpResponse<Void> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(start.authorizationUrl()).build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(302);
    String query = URI.create(r.headers().firstValue("Location").orElseThrow()).getQuery();
    Map<String, String> params = new java.util.HashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      params.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return params;
  }

  private StoreLocation location(String dialect) throws Exception {
    return dialect.equals("sqlite") ? StoreLocation.embedded(tmp) : schemas.createLocation();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void callback_takenOnOneNode_refusedOnTheOther(String dialect) throws Exception {
    StoreLocation where = location(dialect);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      OidcLogin nodeA = node(a);
      OidcLogin nodeB = node(b);
      OidcLogin.Start start = nodeA.start("/reports");
      Map<String, String> answer = authorize(start);
      OidcLogin.Result first =
          nodeA.callback(answer.get("code"), answer.get("state"), null, start.cookieValue());
      assertThat(first.refusal()).isNull();
      assertThat(first.session().userId()).isEqualTo("alice");

      OidcLogin.Result replay =
          nodeB.callback(answer.get("code"), answer.get("state"), null, start.cookieValue());

      assertThat(replay.session()).isNull();
      assertThat(replay.refusal()).isEqualTo("state already used");
    }
  }

  @Test
  void callback_storeUnavailable_refused() throws Exception {
    Store store = Store.open(StoreLocation.embedded(tmp));
    OidcLogin node = node(store);
    OidcLogin.Start start = node.start("/reports");
    Map<String, String> answer = authorize(start);
    store.close();

    OidcLogin.Result r =
        node.callback(answer.get("code"), answer.get("state"), null, start.cookieValue());

    assertThat(r.session()).isNull();
    assertThat(r.refusal()).startsWith("the state's use cannot be recorded");
  }
}
