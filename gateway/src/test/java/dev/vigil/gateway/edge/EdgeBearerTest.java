package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bearer tokens of API clients at the gateway, against a real provider (mock-oauth2-server on
 * loopback), and kind (d) of the security cases: case C08 ({@code alg: none} and its relatives) and
 * every other way a token can be wrong. Each refusal must be 401 with {@code WWW-Authenticate:
 * Bearer error="invalid_token"}, no stack trace, the upstream never called, and exactly one
 * decision-log entry.
 */
class EdgeBearerTest {

  static final String POLICY =
      """
      package gw
      import rego.v1

      default allow := false
      allow if input.subject.id == "user-123"
      allow if startswith(input.request.path, "/public/")

      mfa_ok if not startswith(input.request.path, "/mfa/")
      mfa_ok if input.subject.mfa == true

      default decision := {"allow": false}
      decision := {"allow": true} if {
        allow
        mfa_ok
      }
      decision := {"allow": false, "obligations": {"step_up": "mfa"}} if not mfa_ok
      """;

  static final String CLIENT = "proxy-client";

  @TempDir static Path tmp;
  static MockOAuth2Server idp;
  static String issuer;
  static RSAKey idpKey;
  static HttpServer upstream;
  static HttpServer attacker;
  static final AtomicInteger attackerHits = new AtomicInteger();
  static final List<String> seen = new CopyOnWriteArrayList<>();
  static EdgeGateway gateway;
  static OidcLogin provider;
  static Store store;
  static DecisionLog log;
  static RSAKey attackerKey;
  static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  static final InstantSource clock = () -> now.get();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    issuer = idp.issuerUrl("default").toString();
    idpKey = Tokens.providerKey(idp.jwksUrl("default").url());
    attackerKey = new RSAKeyGenerator(2048).keyID("attacker").generate();
    upstream =
        Fixtures.answering(
            ex -> {
              seen.add(ex.getRequestURI().getRawPath());
              return "upstream";
            });
    attacker =
        Fixtures.answering(
            ex -> {
              attackerHits.incrementAndGet();
              return new JWKSet(attackerKey.toPublicJWK()).toString();
            });
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles("gw", Map.of("gw.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    RouteTable routes =
        new RouteTable(
            List.of(
                new Route("api", "*", "/", up, "gw/decision", Mode.ENFORCE, Map.of(), null),
                new Route(
                    "trial", "trial.example", "/", up, "gw/decision", Mode.MONITOR, Map.of(), null),
                new Route(
                    "local-only",
                    "local.example",
                    "/",
                    up,
                    "gw/decision",
                    Mode.ENFORCE,
                    Map.of(),
                    null,
                    "local")));
    SessionCodec sessions =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    provider =
        new OidcLogin(
            new OidcLogin.Config(
                "corp",
                URI.create(issuer),
                CLIENT,
                "secret",
                URI.create("http://127.0.0.1/auth/callback"),
                List.of("RS256"),
                List.of("openid"),
                List.of(),
                List.of("urn:example:mfa"),
                List.of("mfa", "otp"),
                Duration.ofMinutes(5)),
            sessions,
            clock);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(routes),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(
                    new EdgeSignIn(
                        new LocalAuthenticator(List.of(), sessions, clock),
                        new IdentityProviders(List.of(provider)),
                        List.of())));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    attacker.stop(0);
    idp.shutdown();
    log.close();
    store.close();
  }

  @BeforeEach
  void reset() {
    seen.clear();
    attackerHits.set(0);
    now.set(Instant.now());
  }

  static String claims(String iss, String aud, long expIn, String extra) {
    long t = Instant.now().getEpochSecond();
    return "{\"iss\":\""
        + iss
        + "\",\"sub\":\"user-123\",\"aud\":\""
        + aud
        + "\",\"exp\":"
        + (t + expIn)
        + ",\"iat\":"
        + t
        + extra
        + "}";
  }

  static String good() {
    return claims(issuer, CLIENT, 300, "");
  }

  static String kid() {
    return idpKey.getKeyID();
  }

  /** The status, headers and body of a response to a raw request with this Host. */
  record Reply(int statusCode, Map<String, List<String>> headerMap, String body) {
    java.net.http.HttpHeaders headers() {
      return java.net.http.HttpHeaders.of(headerMap, (a, b) -> true);
    }
  }

  static Reply send(String host, String path, String authorization) throws Exception {
    if (host == null) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                  .header("Authorization", authorization)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().map(), r.body());
    }
    String[] raw =
        EdgeGatewayTest.raw(gateway.port(), path, host, "Authorization: " + authorization);
    Map<String, List<String>> h = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    String[] lines = raw[1].split("\n");
    int i = 0;
    for (; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      h.computeIfAbsent(lines[i].substring(0, colon), k -> new java.util.ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < lines.length; i++) {
      body.append(lines[i]).append('\n');
    }
    return new Reply(Integer.parseInt(raw[0]), h, body.toString());
  }

  /** Sends the token and checks every promise of a refusal, the log entry included. */
  static void assertRefused(String host, String token) throws Exception {
    String path = "/data/" + java.util.UUID.randomUUID();

    Reply r = send(host, path, "Bearer " + token);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().allValues("WWW-Authenticate"))
        .containsExactly("Bearer error=\"invalid_token\"");
    assertThat(r.body())
        .contains("invalid_token")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(seen).isEmpty();
    String id = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    DecisionRecord rec = awaitRecord(id);
    assertThat(rec.allowed()).isFalse();
    assertThat(rec.enforced()).isTrue();
    assertThat(rec.eventJson()).contains("invalid_token");
    assertThat(
            new DecisionReader(store)
                .list(dev.vigil.store.DecisionFilter.latest(10_000)).stream()
                    .filter(d -> d.eventJson().contains(path)))
        .hasSize(1);
  }

  /** Returns the logged decision on a path, waiting for the log's writer. */
  static String awaitEventFor(String path) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var found =
          new DecisionReader(store)
              .list(dev.vigil.store.DecisionFilter.latest(10_000)).stream()
                  .filter(d -> d.eventJson().contains("\"" + path + "\""))
                  .findFirst();
      if (found.isPresent()) {
        return found.get().eventJson();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no decision logged on " + path);
  }

  static DecisionRecord awaitRecord(String id) throws InterruptedException {
    return Fixtures.awaitRecord(store, id);
  }

  @Test
  void validToken_subjectFromClaims_forwarded() throws Exception {
    String token =
        idp.issueToken(
                "default",
                CLIENT,
                new DefaultOAuth2TokenCallback(
                    "default", "user-123", "JWT", List.of(CLIENT), Map.of(), 300))
            .serialize();

    Reply r = send(null, "/data", "Bearer " + token);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(seen).containsExactly("/data");
    assertThat(r.body()).isEqualTo("upstream");
  }

  @Test
  void validTokenOfAnotherSubject_decidedByPolicy_403() throws Exception {
    String token =
        idp.issueToken(
                "default",
                CLIENT,
                new DefaultOAuth2TokenCallback(
                    "default", "user-999", "JWT", List.of(CLIENT), Map.of(), 300))
            .serialize();

    assertThat(send(null, "/data", "Bearer " + token).statusCode()).isEqualTo(403);
    assertThat(seen).isEmpty();
  }

  static Stream<Arguments> unsigned() {
    return Stream.of(
        Arguments.of("none", "{\"alg\":\"none\",\"typ\":\"JWT\"}", ""),
        Arguments.of("None", "{\"alg\":\"None\",\"typ\":\"JWT\"}", ""),
        Arguments.of("NONE", "{\"alg\":\"NONE\",\"typ\":\"JWT\"}", ""),
        Arguments.of("nOnE", "{\"alg\":\"nOnE\",\"typ\":\"JWT\"}", ""),
        Arguments.of("none with kid", "{\"alg\":\"none\",\"kid\":\"KID\"}", ""),
        Arguments.of("none, junk signature", "{\"alg\":\"none\"}", "c2lnbmF0dXJl"),
        Arguments.of("empty alg", "{\"alg\":\"\",\"typ\":\"JWT\"}", ""),
        Arguments.of("alg null", "{\"alg\":null,\"typ\":\"JWT\"}", ""),
        Arguments.of("alg as array", "{\"alg\":[\"RS256\"],\"typ\":\"JWT\"}", ""),
        Arguments.of("no alg", "{\"typ\":\"JWT\"}", ""),
        Arguments.of("no alg, kid", "{\"typ\":\"JWT\",\"kid\":\"KID\"}", ""),
        Arguments.of("RS256, empty signature", "{\"alg\":\"RS256\",\"kid\":\"KID\"}", ""),
        Arguments.of("RS256, signature AA", "{\"alg\":\"RS256\",\"kid\":\"KID\"}", "AA"),
        Arguments.of("header not JSON", "{alg:RS256", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsigned")
  void unsignedOrEmptySignature_is401InvalidToken_c08(String name, String header, String sig)
      throws Exception {
    assertRefused(null, Tokens.unsigned(header.replace("KID", kid()), good(), sig));
  }

  @Test
  void twoPartToken_is401InvalidToken_c08() throws Exception {
    String t = Tokens.unsigned("{\"alg\":\"none\"}", good(), "");
    assertRefused(null, t.substring(0, t.length() - 1));
  }

  @Test
  void signatureOfAnotherToken_is401InvalidToken_c08() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";
    String real = Tokens.rs256(header, claims(issuer, CLIENT, 300, ",\"x\":1"), idpKey);
    String sig = real.substring(real.lastIndexOf('.') + 1);

    assertRefused(null, Tokens.unsigned(header, good(), sig));
  }

  static Stream<Arguments> hmacKeys() throws Exception {
    RSAKey pub = idpKey.toPublicJWK();
    byte[] pem = Tokens.pem(pub).getBytes(StandardCharsets.US_ASCII);
    byte[] der = pub.toPublicKey().getEncoded();
    byte[] jwk = pub.toJSONString().getBytes(StandardCharsets.UTF_8);
    byte[] pemNoNewline = Tokens.pem(pub).strip().getBytes(StandardCharsets.US_ASCII);
    return Stream.of(
        Arguments.of("HS256 PEM text", "HS256", "HmacSHA256", pem),
        Arguments.of("HS256 DER bytes", "HS256", "HmacSHA256", der),
        Arguments.of("HS256 PEM without final newline", "HS256", "HmacSHA256", pemNoNewline),
        Arguments.of("HS384 PEM text", "HS384", "HmacSHA384", pem),
        Arguments.of("HS512 DER bytes", "HS512", "HmacSHA512", der),
        Arguments.of("HS256 JWK JSON", "HS256", "HmacSHA256", jwk),
        Arguments.of("HS256 modulus", "HS256", "HmacSHA256", pub.getModulus().decode()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hmacKeys")
  void hmacSignedWithThePublicKey_is401InvalidToken_c08(
      String name, String alg, String javaAlg, byte[] secret) throws Exception {
    String header = "{\"alg\":\"" + alg + "\",\"kid\":\"" + kid() + "\",\"typ\":\"JWT\"}";

    assertRefused(null, Tokens.hmac(header, good(), secret, javaAlg));
  }

  @Test
  void algorithmNotConfigured_evenWithTheRightKey_is401_c08() throws Exception {
    String header = "{\"alg\":\"PS256\",\"kid\":\"" + kid() + "\"}";

    assertRefused(null, Tokens.rsa(header, good(), idpKey, "RSASSA-PSS"));
  }

  static Stream<Arguments> badClaims() {
    long t = Instant.now().getEpochSecond();
    String aud = ",\"aud\":\"" + CLIENT + "\"";
    return Stream.of(
        Arguments.of("wrong issuer", claims("https://idp.example.com", CLIENT, 300, "")),
        Arguments.of("issuer with trailing slash", claims("ISSUER/", CLIENT, 300, "")),
        Arguments.of("wrong audience", claims("ISSUER", "another-client", 300, "")),
        Arguments.of("expired", claims("ISSUER", CLIENT, -600, "")),
        Arguments.of("not yet valid", claims("ISSUER", CLIENT, 3600, ",\"nbf\":" + (t + 900))),
        Arguments.of(
            "issued in the future",
            "{\"iss\":\"ISSUER\",\"sub\":\"user-123\""
                + aud
                + ",\"exp\":"
                + (t + 3600)
                + ",\"iat\":"
                + (t + 900)
                + "}"),
        Arguments.of(
            "auth_time as text, an old sign-in read as one of now",
            claims("ISSUER", CLIENT, 300, ",\"auth_time\":\"" + (t - 86_400) + "\"")),
        Arguments.of(
            "auth_time as an object",
            claims("ISSUER", CLIENT, 300, ",\"auth_time\":{\"s\":" + t + "}")),
        Arguments.of(
            "authenticated in the future, so recent for ever",
            claims("ISSUER", CLIENT, 300, ",\"auth_time\":" + (t + 86_400))),
        Arguments.of("no expiry", "{\"iss\":\"ISSUER\",\"sub\":\"user-123\"" + aud + "}"),
        Arguments.of("no subject", "{\"iss\":\"ISSUER\"" + aud + ",\"exp\":" + (t + 300) + "}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badClaims")
  void wrongClaims_is401InvalidToken_c08(String name, String claims) throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\",\"typ\":\"JWT\"}";

    assertRefused(null, Tokens.rs256(header, claims.replace("ISSUER", issuer), idpKey));
  }

  @Test
  void tokenWithoutExpiry_loggedReasonSaysSo() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\",\"typ\":\"JWT\"}";
    String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"user-123\",\"aud\":\"" + CLIENT + "\"}";

    Reply r = send(null, "/data/no-exp", "Bearer " + Tokens.rs256(header, claims, idpKey));

    assertThat(r.statusCode()).isEqualTo(401);
    DecisionRecord rec = awaitRecord(r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow());
    assertThat(rec.eventJson()).contains("no expiry time (exp)").doesNotContain("null");
  }

  @Test
  void expiredByTheGatewaysClock_is401_c08() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";
    String token = Tokens.rs256(header, good(), idpKey);
    now.set(Instant.now().plusSeconds(600));

    assertRefused(null, token);
  }

  @Test
  void unknownKid_is401_andTheKeysAreFetchedAtMostOncePerInterval_c08() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"attacker\"}";
    String token = Tokens.rs256(header, good(), attackerKey);
    assertRefused(null, token);
    int fetches = provider.keys().fetches();

    for (int i = 0; i < 5; i++) {
      assertRefused(null, token);
    }

    assertThat(provider.keys().fetches()).isEqualTo(fetches);
  }

  @Test
  void noKid_signedByAnotherKey_is401_c08() throws Exception {
    assertRefused(null, Tokens.rs256("{\"alg\":\"RS256\"}", good(), attackerKey));
  }

  @Test
  void signedClaimsRepeatingAKey_is401NamingTheKey() throws Exception {
    // Nimbus took the last "groups" member: the provider's signature covers both.
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";
    String claims =
        claims(issuer, CLIENT, 300, ",\"x\":{\"groups\":[\"user\"],\"groups\":[\"admin\"]}");

    Reply r = send(null, "/data", "Bearer " + Tokens.rs256(header, claims, idpKey));

    assertThat(r.statusCode()).isEqualTo(401);
    DecisionRecord rec = awaitRecord(r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow());
    assertThat(rec.eventJson()).contains("token payload: duplicate key \\\"groups\\\" in object x");
  }

  static Stream<Arguments> critical() {
    return Stream.of(
        Arguments.of(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .criticalParams(Set.of("exp"))
                .customParam("exp", 1)),
        Arguments.of(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .criticalParams(Set.of("urn:example:policy"))
                .customParam("urn:example:policy", "x")));
  }

  @ParameterizedTest
  @MethodSource("critical")
  void criticalHeaderNotUnderstood_is401_c08(JWSHeader.Builder header) throws Exception {
    String token = Tokens.nimbus(header.keyID(kid()).build(), good(), idpKey);

    assertRefused(null, token);
  }

  @Test
  void jkuX5uAndJwkHeaders_neverFollowed_c08() throws Exception {
    String where = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/jwks.json";
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256)
            .keyID("attacker")
            .jwkURL(URI.create(where))
            .x509CertURL(URI.create(where))
            .jwk(attackerKey.toPublicJWK())
            .type(JOSEObjectType.JWT)
            .build();

    assertRefused(null, Tokens.nimbus(header, good(), attackerKey));
    assertThat(attackerHits.get()).isZero();
  }

  @Test
  void jkuHeaderOnAValidToken_ignoredAndTheTokenAccepted() throws Exception {
    String where = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/jwks.json";
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid()).jwkURL(URI.create(where)).build();

    Reply r = send(null, "/data", "Bearer " + Tokens.nimbus(header, good(), idpKey));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(attackerHits.get()).isZero();
  }

  @Test
  void forgedToken_onAMonitorRoute_stillRefused_c08() throws Exception {
    assertRefused("trial.example", Tokens.unsigned("{\"alg\":\"none\"}", good(), ""));
  }

  @Test
  void forgedToken_forAPublicPath_stillRefused_c08() throws Exception {
    Reply r =
        send(null, "/public/x", "Bearer " + Tokens.unsigned("{\"alg\":\"none\"}", good(), ""));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(seen).isEmpty();
  }

  @Test
  void validToken_onARouteOfLocalUsersOnly_refused() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";

    assertRefused("local.example", Tokens.rs256(header, good(), idpKey));
  }

  /**
   * A token without {@code auth_time} says nothing of when the person authenticated: neither each
   * request nor its issue time (a refreshed access token is new, the authentication behind it is
   * not), so the policy sees 0, never a recent authentication.
   */
  @Test
  void tokenWithoutAuthTime_authTimeIsUnknown_neverRecent() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";
    String token = Tokens.rs256(header, claims(issuer, CLIENT, 3600, ""), idpKey);
    now.set(Instant.now().plusSeconds(3000));

    Reply r = send(null, "/data/late", "Bearer " + token);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(awaitEventFor("/data/late")).contains("\"auth_time\":0,");
  }

  @Test
  void tokenWithoutSecondFactor_onMfaPath_getsStepUpChallenge() throws Exception {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + kid() + "\"}";
    String pwd = Tokens.rs256(header, claims(issuer, CLIENT, 300, ",\"amr\":[\"pwd\"]"), idpKey);
    String mfa =
        Tokens.rs256(header, claims(issuer, CLIENT, 300, ",\"amr\":[\"pwd\",\"otp\"]"), idpKey);

    Reply weak = send(null, "/mfa/x", "Bearer " + pwd);
    Reply strong = send(null, "/mfa/x", "Bearer " + mfa);

    assertThat(weak.statusCode()).isEqualTo(401);
    assertThat(weak.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("error=\"insufficient_user_authentication\"")
        .contains("acr_values=\"urn:example:mfa\"");
    assertThat(strong.statusCode()).isEqualTo(200);
    assertThat(seen).containsExactly("/mfa/x");
  }
}
