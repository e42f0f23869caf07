package dev.vigil.gateway.edge;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds JWTs byte by byte for the bearer-token cases (C08): any header, any claims, signed with
 * RSA, with HMAC over any key bytes, or not at all, so that nothing on the test side cleans them.
 */
final class Tokens {

  private Tokens() {}

  static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Header and claims, base64url, with the given signature part (possibly empty). */
  static String unsigned(String header, String claims, String signature) {
    return b64(header) + "." + b64(claims) + "." + signature;
  }

  static String rsa(String header, String claims, RSAKey key, String javaAlg) throws Exception {
    String input = b64(header) + "." + b64(claims);
    Signature s = Signature.getInstance(javaAlg);
    if (javaAlg.equals("RSASSA-PSS")) {
      s.setParameter(
          new java.security.spec.PSSParameterSpec(
              "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
    }
    s.initSign(key.toPrivateKey());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64URL.encode(s.sign());
  }

  static String rs256(String header, String claims, RSAKey key) throws Exception {
    return rsa(header, claims, key, "SHA256withRSA");
  }

  static String hmac(String header, String claims, byte[] secret, String javaAlg) throws Exception {
    String input = b64(header) + "." + b64(claims);
    Mac mac = Mac.getInstance(javaAlg);
    mac.init(new SecretKeySpec(secret, javaAlg));
    return input + "." + Base64URL.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** The public key as PEM text, as an attacker downloads it. */
  static String pem(RSAKey key) throws Exception {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.toPublicKey().getEncoded());
    return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
  }

  /**
   * Returns the provider's private key: mock-oauth2-server signs with keys from a file in its jar,
   * found here by the modulus its JWKS publishes.
   */
  static RSAKey providerKey(URL jwks) throws Exception {
    RSAKey pub = (RSAKey) JWKSet.load(jwks).getKeys().get(0);
    String file;
    try (var in = Tokens.class.getResourceAsStream("/mock-oauth2-server-keys.json")) {
      file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (JWK k : JWKSet.parse(file).getKeys()) {
      if (k instanceof RSAKey r && r.getModulus().equals(pub.getModulus())) {
        return new RSAKey.Builder(r).keyID(pub.getKeyID()).build();
      }
    }
    throw new IllegalStateException("mock-oauth2-server signs with a key not in its key file");
  }

  /** A correctly signed token made with Nimbus, for the cases that need a valid signature. */
  static String nimbus(JWSHeader header, String claims, RSAKey key) throws Exception {
    var jws = new com.nimbusds.jose.JWSObject(header, new com.nimbusds.jose.Payload(claims));
    jws.sign(new RSASSASigner(key));
    return jws.serialize();
  }
}
