package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK's verifier against the real gateway: its assertion signer, the JWKS it serves at {@code
 * /.well-known/vigil/jwks.json}, and an assertion it actually forwarded to an upstream.
 */
class AssertionVerifierTest {

  private static final String ISSUER = "vigil-gateway";
  static final StepClock clock = new StepClock(Instant.parse("2026-12-04T12:00:00Z"));
  static IdentityAssertion signer;
  static EdgeGateway gateway;
  static HttpServer upstream;
  static final AtomicReference<String> forwarded = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          forwarded.set(ex.getRequestHeaders().getFirst(AssertionVerifier.HEADER));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    upstream.start();
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "open",
            Map.of(
                "open.rego",
                "package open\nimport rego.v1\nallow := true\n".getBytes(StandardCharsets.UTF_8))));
    Route route =
        new Route(
            "reports",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "open/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    signer = new IdentityAssertion(ISSUER, EdgeGateway.ASSERTION_LIFETIME, clock);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(List.of(route))),
                pdp,
                signer,
                clock));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
  }

  private static AssertionVerifier fromGateway() {
    return AssertionVerifier.fromJwksUrl(
        URI.create("http://127.0.0.1:" + gateway.port() + "/.well-known/vigil/jwks.json"),
        ISSUER,
        clock);
  }

  private static Map<String, Object> claims() {
    return Map.of("email", "ana@example.com", "roles", List.of("sre"));
  }

  @Test
  void verify_assertionTheGatewayForwarded_givesTheCallerAndRoute() throws Exception {
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/r/1"))
                .build(),
            HttpResponse.BodyHandlers.discarding());

    VerifiedCaller c = fromGateway().verify(forwarded.get(), "reports");

    assertThat(c.subject()).isEqualTo("anonymous");
    assertThat(c.route()).isEqualTo("reports");
  }

  @Test
  void verify_signedByGateway_claimsComeThrough() throws Exception {
    String token = signer.sign("ana", "reports", claims());

    VerifiedCaller c = fromGateway().verify(token, "reports");

    assertThat(c.subject()).isEqualTo("ana");
    assertThat(c.claims()).containsEntry("email", "ana@example.com");
    assertThat(c.expiry()).isEqualTo(clock.instant().plus(EdgeGateway.ASSERTION_LIFETIME));
  }

  @Test
  void verify_fixedKeysFromTheJwks_accepted() throws Exception {
    AssertionVerifier v = AssertionVerifier.fromKeys(signer.jwks(), ISSUER, clock);

    assertThat(v.verify(signer.sign("ana", "reports", claims()), "reports").subject())
        .isEqualTo("ana");
  }

  @Test
  void verify_otherRoute_refusedAudience() {
    String token = signer.sign("ana", "billing", claims());

    assertRejected(() -> fromGateway().verify(token, "reports"), Reason.AUDIENCE);
  }

  @Test
  void verify_afterExpiryAndSkew_refusedTime() {
    StepClock later = new StepClock(clock.instant());
    AssertionVerifier v = AssertionVerifier.fromKeys(signer.jwks(), ISSUER, later);
    String token = signer.sign("ana", "reports", claims());
    later.step(EdgeGateway.ASSERTION_LIFETIME.plus(AssertionVerifier.SKEW));

    assertRejected(() -> v.verify(token, "reports"), Reason.TIME);
  }

  @Test
  void verify_justBeforeExpiryPlusSkew_accepted() throws Exception {
    StepClock later = new StepClock(clock.instant());
    AssertionVerifier v = AssertionVerifier.fromKeys(signer.jwks(), ISSUER, later);
    String token = signer.sign("ana", "reports", claims());
    later.step(EdgeGateway.ASSERTION_LIFETIME.plus(AssertionVerifier.SKEW).minusSeconds(1));

    assertThat(v.verify(token, "reports").subject()).isEqualTo("ana");
  }

  @Test
  void verify_issuedInTheFuture_refusedTime() {
    StepClock earlier = new StepClock(clock.instant().minus(Duration.ofMinutes(5)));
    AssertionVerifier v = AssertionVerifier.fromKeys(signer.jwks(), ISSUER, earlier);

    assertRejected(() -> v.verify(signer.sign("ana", "reports", claims()), "reports"), Reason.TIME);
  }

  @Test
  void verify_otherIssuer_refusedIssuer() {
    AssertionVerifier v = AssertionVerifier.fromKeys(signer.jwks(), "someone-else", clock);

    assertRejected(
        () -> v.verify(signer.sign("ana", "reports", claims()), "reports"), Reason.ISSUER);
  }

  @Test
  void verify_keyTheGatewayDoesNotPublish_refusedKeyUnknown() {
    IdentityAssertion other = new IdentityAssertion(ISSUER, Duration.ofSeconds(60), clock);

    assertRejected(
        () -> fromGateway().verify(other.sign("ana", "reports", claims()), "reports"),
        Reason.KEY_UNKNOWN);
  }

  @Test
  void verify_tamperedPayload_refusedSignature() {
    String[] parts = signer.sign("ana", "reports", claims()).split("\\.");
    String evil =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                new String(
                        java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                    .replace("\"ana\"", "\"root\"")
                    .getBytes(StandardCharsets.UTF_8));

    assertRejected(
        () -> fromGateway().verify(parts[0] + "." + evil + "." + parts[2], "reports"),
        Reason.SIGNATURE);
  }

  @Test
  void verify_hs256WithTheGatewayKid_refusedAlgorithm() throws Exception {
    String kid = SignedJWT.parse(signer.sign("ana", "reports", claims())).getHeader().getKeyID();
    SignedJWT forged =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(),
            new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("root")
                .audience("reports")
                .issueTime(Date.from(clock.instant()))
                .expirationTime(Date.from(clock.instant().plusSeconds(60)))
                .build());
    forged.sign(new MACSigner(signer.jwks().repeat(2).getBytes(StandardCharsets.UTF_8)));

    assertRejected(() -> fromGateway().verify(forged.serialize(), "reports"), Reason.ALGORITHM);
  }

  @Test
  void verify_unsignedOrMissing_refusedMalformed() {
    assertRejected(() -> fromGateway().verify(null, "reports"), Reason.MALFORMED);
    assertRejected(
        () -> fromGateway().verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290In0.", "reports"),
        Reason.MALFORMED);
  }

  @Test
  void verify_jwksUnreachable_refusedKeysUnavailable() {
    AssertionVerifier v =
        AssertionVerifier.fromJwksUrl(URI.create("http://127.0.0.1:1/jwks.json"), ISSUER, clock);

    assertRejected(
        () -> v.verify(signer.sign("ana", "reports", claims()), "reports"),
        Reason.KEYS_UNAVAILABLE);
  }

  interface Call {
    void run() throws Exception;
  }

  private static void assertRejected(Call call, Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            AssertionRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void fromJwksUrl_addressThatIsNoHttpUrlOrBlankIssuer_refusedNamingIt() {
    // Regression: a relative or ftp:// address, and a blank issuer, were taken; every assertion
    // was then refused (KEYS_UNAVAILABLE or ISSUER) without a word about the mistake.
    for (String url : List.of("/.well-known/vigil/jwks.json", "ftp://gw.example/jwks.json")) {
      assertThatThrownBy(() -> AssertionVerifier.fromJwksUrl(URI.create(url), ISSUER, clock))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + url + "\"");
    }
    assertThatThrownBy(
            () ->
                AssertionVerifier.fromJwksUrl(
                    URI.create("https://gw.example/.well-known/vigil/jwks.json"), " ", clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issuer is blank");
    assertThatThrownBy(() -> AssertionVerifier.fromKeys("{\"keys\":[]}", "", clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issuer is blank");
  }

  /** Signs a header and claims as written, with a key of its own, and returns the token. */
  private static String signRaw(ECKey key, String header, String payload) throws Exception {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    return input
        + "."
        + new ECDSASigner(key)
            .sign(
                new JWSHeader.Builder(JWSAlgorithm.ES256).build(),
                input.getBytes(StandardCharsets.US_ASCII));
  }

  private static String rawClaims(String extra) {
    long now = clock.instant().getEpochSecond();
    return "{\"iss\":\""
        + ISSUER
        + "\",\"sub\":\"ana\",\"aud\":\"reports\",\"iat\":"
        + now
        + ",\"exp\":"
        + (now + 30)
        + extra
        + "}";
  }

  @Test
  void verify_signedClaimsRepeatingSub_refusedMalformedNamingTheKey() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    AssertionVerifier v =
        AssertionVerifier.fromKeys(new JWKSet(key.toPublicJWK()).toString(), ISSUER, clock);
    String token =
        signRaw(key, "{\"alg\":\"ES256\",\"kid\":\"k1\"}", rawClaims(",\"sub\":\"root\""));

    assertThatThrownBy(() -> v.verify(token, "reports"))
        .isInstanceOfSatisfying(
            AssertionRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
        .hasMessageContaining("the identity assertion payload: duplicate key \"sub\"");
  }

  @Test
  void verify_signedClaimsRepeatingANestedKey_refusedMalformed() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    AssertionVerifier v =
        AssertionVerifier.fromKeys(new JWKSet(key.toPublicJWK()).toString(), ISSUER, clock);
    String token =
        signRaw(
            key,
            "{\"alg\":\"ES256\",\"kid\":\"k1\"}",
            rawClaims(",\"device\":{\"trusted\":false,\"trusted\":true}"));

    assertThatThrownBy(() -> v.verify(token, "reports"))
        .hasMessageContaining("duplicate key \"trusted\" in object device");
  }

  @Test
  void verify_unknownCriticalHeader_refusedCriticalHeaderNotSignature() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    AssertionVerifier v =
        AssertionVerifier.fromKeys(new JWKSet(key.toPublicJWK()).toString(), ISSUER, clock);
    String token =
        signRaw(
            key,
            "{\"alg\":\"ES256\",\"kid\":\"k1\",\"crit\":[\"x-ext\"],\"x-ext\":1}",
            rawClaims(""));

    assertRejected(() -> v.verify(token, "reports"), Reason.CRITICAL_HEADER);
  }

  @Test
  void fromKeys_keyRepeatingX_refusedNamingTheKey() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    String jwks =
        new JWKSet(key.toPublicJWK()).toString().replace("\"kid\"", "\"x\":\"AA\",\"kid\"");

    assertThatThrownBy(() -> AssertionVerifier.fromKeys(jwks, ISSUER, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the keys: duplicate key \"x\"");
  }
}
