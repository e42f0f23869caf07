package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.identity.SvidRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One negative test per rule of the SPIFFE JWT-SVID specification, and case C08's variants. */
class JwtSvidValidatorTest {

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
  private final JwtSvidValidator validator =
      new JwtSvidValidator(BundleSource.of(ca.bundle()), clock);
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");

  private void assertRejected(String token, Reason reason) {
    assertThatThrownBy(() -> validator.validate(token, "db"))
        .isInstanceOfSatisfying(
            SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject(web.toString())
        .audience("db")
        .expirationTime(Date.from(clock.instant().plusSeconds(300)));
  }

  private String sign(JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new ECDSASigner((ECPrivateKey) ca.active().jwtPrivateKey()));
    return jwt.serialize();
  }

  private JWSHeader.Builder header() {
    return new JWSHeader.Builder(JWSAlgorithm.ES256)
        .keyID(ca.active().jwtKeyId())
        .type(JOSEObjectType.JWT);
  }

  private static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  @Test
  void issueJwt_default_isEs256WithKidTypAndNothingElse() throws Exception {
    JwtSvid svid = ca.issueJwt(web, List.of("db"), null);
    SignedJWT jwt = SignedJWT.parse(svid.token());
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(ca.active().jwtKeyId());
    assertThat(jwt.getHeader().getIncludedParams()).containsExactlyInAnyOrder("alg", "kid", "typ");
    assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    JwtSvid checked = validator.validate(svid.token(), "db");
    assertThat(checked.id()).isEqualTo(web);
    assertThat(checked.audience()).containsExactly("db");
  }

  @Test
  void validate_handSignedBaseline_isAccepted() throws Exception {
    assertThat(validator.validate(sign(header().build(), claims().build()), "db").id())
        .isEqualTo(web);
  }

  @Test
  void validate_typJose_isAccepted() throws Exception {
    String t = sign(header().type(JOSEObjectType.JOSE).build(), claims().build());
    assertThat(validator.validate(t, "db").id()).isEqualTo(web);
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
  void validate_algNoneAnySpelling_isRejected(String alg) throws Exception {
    String kid = ca.active().jwtKeyId();
    String token =
        b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}")
            + "."
            + b64(claims().build().toString())
            + ".";
    assertRejected(token, Reason.JWT_SIGNATURE);
    String withJunkSignature = token + "AAAA";
    assertRejected(withJunkSignature, Reason.JWT_ALGORITHM);
  }

  @Test
  void validate_missingAlg_isRejected() {
    String token =
        b64("{\"typ\":\"JWT\",\"kid\":\"" + ca.active().jwtKeyId() + "\"}")
            + "."
            + b64(claims().build().toString())
            + ".AAAA";
    assertRejected(token, Reason.JWT_ALGORITHM);
  }

  @Test
  void validate_es256HeaderWithEmptySignature_isRejected() throws Exception {
    String t = sign(header().build(), claims().build());
    assertRejected(t.substring(0, t.lastIndexOf('.') + 1), Reason.JWT_SIGNATURE);
  }

  @Test
  void validate_hs256WithRealKidSignedWithPublicKey_isRejected() throws Exception {
    // HMAC "signed" with the public key's bytes, the classic key-confusion attack (case C08).
    byte[] secret = Arrays.copyOf(ca.active().jwtPublicKey().getEncoded(), 64);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ca.active().jwtKeyId()).build(),
            claims().build());
    jwt.sign(new MACSigner(secret));
    assertRejected(jwt.serialize(), Reason.JWT_ALGORITHM);
  }

  @Test
  void validate_es384OnP256Key_isRejected() {
    String token =
        b64("{\"alg\":\"ES384\",\"kid\":\"" + ca.active().jwtKeyId() + "\"}")
            + "."
            + b64(claims().build().toString())
            + ".AAAA";
    assertRejected(token, Reason.JWT_ALGORITHM);
  }

  @Test
  void validate_typOtherThanJwtOrJose_isRejected() throws Exception {
    assertRejected(
        sign(header().type(new JOSEObjectType("at+jwt")).build(), claims().build()),
        Reason.JWT_TYPE);
  }

  @Test
  void validate_extraHeaderField_isRejected() throws Exception {
    assertRejected(
        sign(
            header().jwkURL(java.net.URI.create("https://evil.example/keys")).build(),
            claims().build()),
        Reason.JWT_HEADER_FIELD);
  }

  @Test
  void validate_critHeader_isRejected() {
    String token =
        b64("{\"alg\":\"ES256\",\"kid\":\"k\",\"crit\":[\"exp\"]}")
            + "."
            + b64(claims().build().toString())
            + ".AAAA";
    assertRejected(token, Reason.JWT_HEADER_FIELD);
  }

  @Test
  void validate_missingKid_isRejected() throws Exception {
    assertRejected(sign(header().keyID(null).build(), claims().build()), Reason.JWT_KEY_ID_MISSING);
  }

  @Test
  void validate_unknownKid_isRejected() throws Exception {
    assertRejected(
        sign(header().keyID("not-a-key").build(), claims().build()), Reason.JWT_KEY_UNKNOWN);
  }

  @Test
  void validate_badSignature_isRejected() throws Exception {
    String t = sign(header().build(), claims().build());
    String other = sign(header().build(), claims().subject("spiffe://prod.example/db").build());
    String spliced = t.substring(0, t.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
    assertRejected(spliced, Reason.JWT_SIGNATURE);
  }

  @Test
  void validate_missingAudience_isRejected() throws Exception {
    assertRejected(
        sign(header().build(), claims().audience((String) null).build()), Reason.JWT_AUDIENCE);
  }

  @Test
  void validate_otherAudience_isRejected() throws Exception {
    assertRejected(sign(header().build(), claims().audience("cache").build()), Reason.JWT_AUDIENCE);
  }

  @Test
  void validate_missingExp_isRejected() throws Exception {
    assertRejected(
        sign(header().build(), claims().expirationTime(null).build()), Reason.JWT_EXPIRY_MISSING);
  }

  @Test
  void validate_expired_isRejectedAtExpiryAndAcceptedJustBefore() throws Exception {
    JwtSvid svid = ca.issueJwt(web, List.of("db"), Duration.ofMinutes(5));
    clock.step(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(validator.validate(svid.token(), "db").id()).isEqualTo(web);
    clock.step(Duration.ofSeconds(1));
    assertRejected(svid.token(), Reason.JWT_EXPIRED);
  }

  @Test
  void validate_missingSubject_isRejected() throws Exception {
    assertRejected(sign(header().build(), claims().subject(null).build()), Reason.JWT_SUBJECT);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spiffe://prod.example",
        "spiffe://PROD.EXAMPLE/web",
        "spiffe://prod.example/a/../b",
        "web"
      })
  void validate_badSubject_isRejected(String sub) throws Exception {
    assertRejected(sign(header().build(), claims().subject(sub).build()), Reason.JWT_SUBJECT);
  }

  @Test
  void validate_stagingTokenAtProductionVerifier_isRejected() {
    TrustDomainCa staging =
        TrustDomainCa.create(new TrustDomain("staging.example"), CaConfig.defaults(), clock);
    JwtSvid svid =
        staging.issueJwt(SpiffeId.parse("spiffe://staging.example/web"), List.of("db"), null);
    assertRejected(svid.token(), Reason.NO_BUNDLE);
  }

  @Test
  void validate_prodSubjectSignedWithStagingKey_isRejected() throws Exception {
    TrustDomainCa staging =
        TrustDomainCa.create(new TrustDomain("staging.example"), CaConfig.defaults(), clock);
    JwtSvidValidator both =
        new JwtSvidValidator(BundleSource.of(ca.bundle(), staging.bundle()), clock);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(staging.active().jwtKeyId()).build(),
            claims().build());
    jwt.sign(new ECDSASigner((ECPrivateKey) staging.active().jwtPrivateKey()));
    assertThatThrownBy(() -> both.validate(jwt.serialize(), "db"))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.JWT_KEY_UNKNOWN));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a.b", "a.b.c.d", "!!!.@@@.###", "e30.e30.", "e30.e30.AAAA"})
  void validate_garbage_isRejectedWithoutCrash(String token) {
    assertThatThrownBy(() -> validator.validate(token, "db"))
        .isInstanceOf(SvidRejectedException.class);
  }

  @Test
  void validate_rsaTrustDomain_acceptsRs256AndRefusesEs256() throws Exception {
    TrustDomainCa rsa =
        TrustDomainCa.create(
            new TrustDomain("rsa.example"),
            CaConfig.defaults().withKeyType(KeyType.RSA_2048),
            clock);
    JwtSvid svid = rsa.issueJwt(SpiffeId.parse("spiffe://rsa.example/w"), List.of("db"), null);
    JwtSvidValidator v = new JwtSvidValidator(BundleSource.of(rsa.bundle()), clock);
    assertThat(SignedJWT.parse(svid.token()).getHeader().getAlgorithm())
        .isEqualTo(JWSAlgorithm.RS256);
    assertThat(v.validate(svid.token(), "db").id().toString()).isEqualTo("spiffe://rsa.example/w");
    String es =
        b64("{\"alg\":\"ES256\",\"kid\":\"" + rsa.active().jwtKeyId() + "\"}")
            + "."
            + b64(claims().subject("spiffe://rsa.example/w").build().toString())
            + ".AAAA";
    assertThatThrownBy(() -> v.validate(es, "db"))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.JWT_ALGORITHM));
  }

  @Test
  void issueJwt_emptyAudience_isRefused() {
    assertThatThrownBy(() -> ca.issueJwt(web, List.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audience");
  }

  private String signRaw(String headerJson, String payloadJson) throws Exception {
    String input = b64(headerJson) + "." + b64(payloadJson);
    Base64URL sig =
        new ECDSASigner((ECPrivateKey) ca.active().jwtPrivateKey())
            .sign(JWSHeader.parse(headerJson), input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + sig;
  }

  private String claimsJson(String extra) {
    return "{\"sub\":\""
        + web
        + "\",\"aud\":\"db\",\"exp\":"
        + clock.instant().plusSeconds(300).getEpochSecond()
        + extra
        + "}";
  }

  @Test
  void validate_signedClaimsWithRepeatedSub_isRejectedNamingTheKey() throws Exception {
    String header = "{\"alg\":\"ES256\",\"kid\":\"" + ca.active().jwtKeyId() + "\"}";
    String token = signRaw(header, claimsJson(",\"sub\":\"spiffe://prod.example/admin\""));

    assertThatThrownBy(() -> validator.validate(token, "db"))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.JWT_MALFORMED))
        .hasMessageContaining("JWT-SVID payload: duplicate key \"sub\"");
  }

  @Test
  void validate_signedClaimsWithRepeatedNestedKey_isRejected() throws Exception {
    String header = "{\"alg\":\"ES256\",\"kid\":\"" + ca.active().jwtKeyId() + "\"}";
    String token = signRaw(header, claimsJson(",\"ctx\":{\"role\":\"user\",\"role\":\"admin\"}"));

    assertThatThrownBy(() -> validator.validate(token, "db"))
        .hasMessageContaining("duplicate key \"role\" in object ctx");
  }

  @Test
  void validate_headerWithRepeatedKid_isRejectedNamingTheKey() throws Exception {
    String kid = ca.active().jwtKeyId();
    String header = "{\"alg\":\"ES256\",\"kid\":\"other\",\"kid\":\"" + kid + "\"}";
    String token = signRaw("{\"alg\":\"ES256\",\"kid\":\"" + kid + "\"}", claimsJson(""));
    String forged = b64(header) + token.substring(token.indexOf('.'));

    assertThatThrownBy(() -> validator.validate(forged, "db"))
        .hasMessageContaining("JWT-SVID header: duplicate key \"kid\"");
  }
}
