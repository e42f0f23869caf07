package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression: a signing key the provider withdrew from its JWKS was still accepted in bearer tokens
 * for up to an hour. Over real sockets (a provider on loopback serving discovery and a JWKS the
 * test changes, the gateway, an upstream) with a clock the test moves, a token signed with a
 * withdrawn key is refused once the provider's {@code max-age} (held to 1 to 5 minutes) has run
 * out, while tokens signed with the key that stays are still accepted; and the keys of a provider
 * that cannot be read are used for 15 minutes, then every token is refused.
 */
class EdgeBearerKeyWithdrawalTest {

  static final String POLICY =
      """
      package gw
      import rego.v1

      default allow := false
      allow if input.subject.id == "user-123"
      """;

  HttpServer idp;
  HttpServer upstream;
  String issuer;
  RSAKey old;
  RSAKey kept;
  final AtomicReference<JWKSet> published = new AtomicReference<>();
  final AtomicReference<String> cacheControl = new AtomicReference<>();
  final AtomicInteger jwksStatus = new AtomicInteger(200);
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  final InstantSource clock = () -> now.get();
  final HttpClient http = HttpClient.newHttpClient();
  EdgeGateway gateway;

  @BeforeEach
  void start() throws Exception {
    old = new RSAKeyGenerator(2048).keyID("old").generate();
    kept = new RSAKeyGenerator(2048).keyID("kept").generate();
    published.set(new JWKSet(List.of(old.toPublicJWK(), kept.toPublicJWK())));
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer = "http://127.0.0.1:" + idp.getAddress().getPort() + "/idp";
    idp.createContext("/idp/.well-known/openid-configuration", ex -> answer(ex, 200, document()));
    idp.createContext(
        "/idp/jwks",
        ex -> {
          if (cacheControl.get() != null) {
            ex.getResponseHeaders().add("Cache-Control", cacheControl.get());
          }
          answer(ex, jwksStatus.get(), published.get().toString());
        });
    idp.start();
    upstream = Fixtures.answering(ex -> "upstream");
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("gw.rego", POLICY);
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    Route api = new Route("api", "*", "/", up, "gw/allow", Mode.ENFORCE, Map.of(), null);
    SessionCodec sessions = Fixtures.sessions(clock);
    OidcLogin provider =
        new OidcLogin(
            new OidcLogin.Config(
                URI.create(issuer),
                "api-client",
                "secret",
                URI.create("http://127.0.0.1/auth/callback"),
                List.of("RS256")),
            sessions,
            clock);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(new RouteTable(List.of(api))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(
                    new EdgeSignIn(
                        new LocalAuthenticator(List.of(), sessions, clock),
                        new IdentityProviders(List.of(provider)),
                        List.of())));
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.stop(0);
    idp.stop(0);
  }

  private String document() {
    return "{\"issuer\":\""
        + issuer
        + "\",\"authorization_endpoint\":\""
        + issuer
        + "/authorize\",\"token_endpoint\":\""
        + issuer
        + "/token\",\"jwks_uri\":\""
        + issuer
        + "/jwks\",\"response_types_supported\":[\"code\"],"
        + "\"subject_types_supported\":[\"public\"],"
        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
  }

  private static void answer(HttpExchange ex, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  /** A token for user-123 signed with {@code key}, valid for an hour from the test's clock. */
  private String token(RSAKey key) throws Exception {
    Instant t = now.get();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("user-123")
                .audience("api-client")
                .issueTime(Date.from(t))
                .expirationTime(Date.from(t.plus(Duration.ofHours(1))))
                .build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private int call(String token) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 401) {
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .contains("Bearer error=\"invalid_token\"");
    }
    return r.statusCode();
  }

  @Test
  void bearer_keyWithdrawnNoCacheControl_refusedWithinFiveMinutes() throws Exception {
    assertThat(call(token(old))).isEqualTo(200);
    published.set(new JWKSet(kept.toPublicJWK()));

    now.set(now.get().plus(Duration.ofMinutes(5)));

    assertThat(call(token(old))).isEqualTo(401);
    assertThat(call(token(kept))).isEqualTo(200);
  }

  @Test
  void bearer_keyWithdrawnMaxAge60_refusedAfterAMinute() throws Exception {
    cacheControl.set("max-age=60");
    assertThat(call(token(old))).isEqualTo(200);
    published.set(new JWKSet(kept.toPublicJWK()));

    now.set(now.get().plusSeconds(59));
    assertThat(call(token(old))).isEqualTo(200);
    now.set(now.get().plusSeconds(1));

    assertThat(call(token(old))).isEqualTo(401);
    assertThat(call(token(kept))).isEqualTo(200);
  }

  @Test
  void bearer_providerKeysUnreadable_acceptedFifteenMinutesThenRefused() throws Exception {
    assertThat(call(token(kept))).isEqualTo(200);
    jwksStatus.set(503);

    now.set(now.get().plus(Duration.ofMinutes(15)).minusSeconds(1));
    assertThat(call(token(kept))).isEqualTo(200);
    now.set(now.get().plusSeconds(1));
    assertThat(call(token(kept))).isEqualTo(401);
    jwksStatus.set(200);
    now.set(now.get().plusSeconds(30));

    assertThat(call(token(kept))).isEqualTo(200);
  }
}
