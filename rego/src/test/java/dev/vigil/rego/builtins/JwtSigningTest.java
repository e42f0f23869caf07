package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Signs with io.jwt.encode_sign and checks with the verify builtins, on freshly made keys. */
class JwtSigningTest {

  private static final KeyPair RSA = generate("RSA", 2048);
  private static final KeyPair EC256 = generate("EC", 256);
  private static final KeyPair EC384 = generate("EC", 384);
  private static final KeyPair EC521 = generate("EC", 521);
  private static final KeyPair ED = generate("Ed25519", 0);

  private static KeyPair generate(String alg, int size) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      if (size > 0) {
        g.initialize(size);
      }
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String privateJwk(String alg) {
    return switch (alg.substring(0, 2)) {
      case "RS", "PS" ->
          new RSAKey.Builder((RSAPublicKey) RSA.getPublic())
              .privateKey((RSAPrivateKey) RSA.getPrivate())
              .build()
              .toJSONString();
      case "ES" -> {
        KeyPair p = alg.equals("ES256") ? EC256 : alg.equals("ES384") ? EC384 : EC521;
        Curve c =
            alg.equals("ES256") ? Curve.P_256 : alg.equals("ES384") ? Curve.P_384 : Curve.P_521;
        yield new ECKey.Builder(c, (ECPublicKey) p.getPublic())
            .privateKey((ECPrivateKey) p.getPrivate())
            .build()
            .toJSONString();
      }
      default -> {
        byte[] spki = ED.getPublic().getEncoded();
        byte[] pkcs8 = ED.getPrivate().getEncoded();
        yield new OctetKeyPair.Builder(
                Curve.Ed25519, Base64URL.encode(java.util.Arrays.copyOfRange(spki, 12, 44)))
            .d(Base64URL.encode(java.util.Arrays.copyOfRange(pkcs8, 16, 48)))
            .build()
            .toJSONString();
      }
    };
  }

  private static String publicPem(String alg) {
    KeyPair p =
        switch (alg) {
          case "ES256" -> EC256;
          case "ES384" -> EC384;
          case "ES512" -> EC521;
          case "EdDSA" -> ED;
          default -> RSA;
        };
    return CryptoPem.encode("PUBLIC KEY", p.getPublic().getEncoded());
  }

  private static Value call(String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(SimpleBuiltinContext.system(), args);
  }

  private static String sign(String alg, String payloadJson) {
    Value token =
        call(
            "io.jwt.encode_sign",
            Json.parse("{\"alg\": \"" + alg + "\", \"typ\": \"JWT\"}"),
            Json.parse(payloadJson),
            Json.parse(privateJwk(alg)));
    return ((StringValue) token).value();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"
  })
  void encodeSign_generatedKey_verifiesWithMatchingBuiltinOnly(String alg) {
    String token = sign(alg, "{\"iss\": \"vigil\"}");
    String builtin = "io.jwt.verify_" + alg.toLowerCase(java.util.Locale.ROOT);
    assertThat(call(builtin, StringValue.of(token), StringValue.of(publicPem(alg))))
        .isEqualTo(BooleanValue.TRUE);

    String tampered =
        token.substring(0, token.lastIndexOf('.') - 2)
            + "xx"
            + token.substring(token.lastIndexOf('.'));
    assertThat(call(builtin, StringValue.of(tampered), StringValue.of(publicPem(alg))))
        .isEqualTo(BooleanValue.FALSE);

    String other = alg.startsWith("RS") ? "io.jwt.verify_ps256" : "io.jwt.verify_rs256";
    assertThat(call(other, StringValue.of(token), StringValue.of(publicPem(alg))))
        .isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void decodeVerify_algNoneToken_neverVerifies() {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String token = header + "." + b64("{\"iss\":\"vigil\"}") + ".";
    Value result =
        call(
            "io.jwt.decode_verify",
            StringValue.of(token),
            ObjectValue.of(StringValue.of("cert"), StringValue.of(publicPem("RS256"))));
    assertThat(((ArrayValue) result).get(0)).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void decodeVerify_hs256SignedWithPublicKeyText_isRejectedByCertConstraint() {
    String pem = publicPem("RS256");
    String k = Base64.getUrlEncoder().withoutPadding().encodeToString(pem.getBytes());
    Value token =
        call(
            "io.jwt.encode_sign",
            Json.parse("{\"alg\": \"HS256\"}"),
            Json.parse("{\"iss\": \"attacker\"}"),
            Json.parse("{\"kty\": \"oct\", \"k\": \"" + k + "\"}"));
    Value result =
        call(
            "io.jwt.decode_verify",
            token,
            ObjectValue.of(StringValue.of("cert"), StringValue.of(pem)));
    assertThat(((ArrayValue) result).get(0)).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void decodeVerify_expiryAgainstQueryClock_flipsAtExp() {
    String token = sign("ES256", "{\"exp\": 2000000000, \"nbf\": 1000000000}");
    Value constraints = ObjectValue.of(StringValue.of("cert"), StringValue.of(publicPem("ES256")));
    assertThat(verifiedAt(token, constraints, Instant.ofEpochSecond(1_999_999_999)))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(verifiedAt(token, constraints, Instant.ofEpochSecond(2_000_000_000)))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(verifiedAt(token, constraints, Instant.ofEpochSecond(999_999_999)))
        .isEqualTo(BooleanValue.FALSE);
  }

  private static Value verifiedAt(String token, Value constraints, Instant now) {
    var ctx = new SimpleBuiltinContext(InstantSource.fixed(now), true, false);
    Value result =
        BuiltinRegistry.standard()
            .get("io.jwt.decode_verify")
            .invoke(ctx, new Value[] {StringValue.of(token), constraints});
    return ((ArrayValue) result).get(0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"secret\": \"s\", \"nope\": 1}|unknown token validation constraint: nope",
        "{}|no key constraint",
        "{\"secret\": \"s\", \"cert\":"
            + " \"{\\\"kty\\\":\\\"oct\\\",\\\"k\\\":\\\"AA\\\"}\"}|duplicate key constraints",
        "{\"secret\": \"s\", \"time\": \"now\"}|token time constraint: must be a number",
        "{\"secret\": 1}|secret constraint: must be a string",
      })
  void decodeVerify_badConstraints_failsWithOpaMessage(String constraints, String message) {
    String token = sign("ES256", "{}");
    assertThatThrownBy(
            () -> call("io.jwt.decode_verify", StringValue.of(token), Json.parse(constraints)))
        .isInstanceOf(BuiltinException.class)
        .hasMessage(message);
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes());
  }
}
