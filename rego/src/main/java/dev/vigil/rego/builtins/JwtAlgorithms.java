package dev.vigil.rego.builtins;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;

/**
 * The JWS algorithms of RFC 7518 section 3 that OPA supports, signing and verifying with JCA keys.
 * A key of the wrong kind for an algorithm never verifies, so the algorithm a token names cannot
 * turn a public key into an HMAC secret, and {@code none} is not an algorithm here at all.
 */
final class JwtAlgorithms {

  /**
   * The units of the time budget one signature check is charged: tens of microseconds for an RSA or
   * ECDSA key, a thousand steps of evaluation, so that the clock is read at each check.
   */
  static final int VERIFY_UNITS = 1024;

  /** Every algorithm OPA accepts in a token header or JWK. */
  static final Set<String> KNOWN =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256",
          "HS384", "HS512", "EdDSA");

  private JwtAlgorithms() {}

  /**
   * Returns true when the signature over the input verifies under the key with the algorithm.
   *
   * @param key a {@link PublicKey}, or a {@code byte[]} HMAC secret
   */
  static boolean verify(String alg, Object key, byte[] input, byte[] signature) {
    try {
      if (alg.startsWith("HS")) {
        return key instanceof byte[] secret
            && MessageDigest.isEqual(CryptoBuiltins.mac(hmacName(alg), secret, input), signature);
      }
      if (alg.equals("EdDSA")) {
        return key instanceof EdECPublicKey k && jca("Ed25519", k, input, signature);
      }
      String hash = hashName(alg);
      return switch (alg.charAt(0)) {
        case 'R' ->
            key instanceof RSAPublicKey k && jca("SHA" + hash + "withRSA", k, input, signature);
        case 'P' ->
            key instanceof RSAPublicKey k && JwtPss.verify(k, "SHA-" + hash, input, signature);
        case 'E' ->
            key instanceof ECPublicKey k
                && signature.length > 0
                && jca("SHA" + hash + "withECDSA", k, input, rawToDer(signature));
        default -> false;
      };
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Signs the input.
   *
   * @param key a {@link PrivateKey}, or a {@code byte[]} HMAC secret
   * @throws BuiltinException when the key cannot sign with the algorithm
   */
  static byte[] sign(String alg, Object key, byte[] input) {
    try {
      if (alg.startsWith("HS") && key instanceof byte[] secret) {
        return CryptoBuiltins.mac(hmacName(alg), secret, input);
      }
      if (alg.equals("EdDSA") && key instanceof EdECPrivateKey k) {
        return jcaSign("Ed25519", null, k, input);
      }
      if (!alg.startsWith("HS") && !alg.equals("EdDSA")) {
        String hash = hashName(alg);
        switch (alg.charAt(0)) {
          case 'R' -> {
            if (key instanceof RSAPrivateKey k) {
              return jcaSign("SHA" + hash + "withRSA", null, k, input);
            }
          }
          case 'P' -> {
            if (key instanceof RSAPrivateKey k) {
              int len = Integer.parseInt(hash) / 8;
              var params =
                  new PSSParameterSpec(
                      "SHA-" + hash, "MGF1", new MGF1ParameterSpec("SHA-" + hash), len, 1);
              return jcaSign("RSASSA-PSS", params, k, input);
            }
          }
          case 'E' -> {
            if (key instanceof ECPrivateKey k) {
              return jcaSign("SHA" + hash + "withECDSAinP1363Format", null, k, input);
            }
          }
          default -> {}
        }
      }
    } catch (GeneralSecurityException e) {
      throw BuiltinException.error("failed to sign payload: " + e.getMessage());
    }
    throw BuiltinException.error(
        "failed to sign payload: a " + keyKind(key) + " key cannot sign with " + alg);
  }

  private static String keyKind(Object key) {
    return switch (key) {
      case byte[] b -> "symmetric";
      case RSAPrivateKey k -> "RSA";
      case ECPrivateKey k -> "EC";
      case EdECPrivateKey k -> "OKP";
      default -> "unsupported";
    };
  }

  private static String hashName(String alg) {
    return alg.substring(2);
  }

  private static String hmacName(String alg) {
    return "HmacSHA" + alg.substring(2);
  }

  private static boolean jca(String name, PublicKey key, byte[] input, byte[] signature)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance(name);
    s.initVerify(key);
    s.update(input);
    try {
      return s.verify(signature);
    } catch (java.security.SignatureException e) {
      return false;
    }
  }

  private static byte[] jcaSign(String name, PSSParameterSpec params, PrivateKey key, byte[] input)
      throws GeneralSecurityException {
    Signature s = Signature.getInstance(name);
    if (params != null) {
      s.setParameter(params);
    }
    s.initSign(key);
    s.update(input);
    return s.sign();
  }

  /** Converts JWS's r||s (RFC 7518 section 3.4), split in the middle as Go does, to DER. */
  private static byte[] rawToDer(byte[] raw) {
    int n = raw.length / 2;
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(raw, 0, n));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(raw, n, raw.length));
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new ASN1Integer(r));
    v.add(new ASN1Integer(s));
    try {
      return new DERSequence(v).getEncoded("DER");
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
