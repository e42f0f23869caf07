package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads private keys from PEM blocks ({@code RSA PRIVATE KEY} per RFC 8017, {@code PRIVATE KEY} per
 * RFC 5208, {@code EC PRIVATE KEY} per RFC 5915) and renders them as Go's JSON or as JWKs.
 */
final class X509PrivateKeys {

  private X509PrivateKeys() {}

  /** Reads every private key block; other blocks are skipped. */
  static List<PrivateKey> fromPem(String data) {
    String text = data;
    try {
      text =
          new String(
              CryptoBase64.decodeStd(CryptoBuiltins.utf8(data)),
              java.nio.charset.StandardCharsets.UTF_8);
    } catch (CryptoBase64.Base64Exception e) {
      // not base64: the data is PEM text itself
    }
    byte[] rest = CryptoBuiltins.utf8(text);
    List<PrivateKey> keys = new ArrayList<>();
    while (rest.length > 0) {
      CryptoPem.Block b = CryptoPem.decode(rest);
      if (b == null) {
        break;
      }
      rest = b.rest();
      switch (b.type()) {
        case "RSA PRIVATE KEY" -> keys.add(pkcs1(b.bytes()));
        case "PRIVATE KEY" -> keys.add(pkcs8(b.bytes()));
        case "EC PRIVATE KEY" -> keys.add(sec1(b.bytes()));
        default -> {}
      }
    }
    return keys;
  }

  static PrivateKey pkcs1(byte[] der) {
    try {
      RSAPrivateKey k = RSAPrivateKey.getInstance(der);
      return KeyFactory.getInstance("RSA")
          .generatePrivate(
              new java.security.spec.RSAPrivateCrtKeySpec(
                  k.getModulus(),
                  k.getPublicExponent(),
                  k.getPrivateExponent(),
                  k.getPrime1(),
                  k.getPrime2(),
                  k.getExponent1(),
                  k.getExponent2(),
                  k.getCoefficient()));
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("x509: failed to parse private key");
    }
  }

  static PrivateKey pkcs8(byte[] der) {
    try {
      PrivateKeyInfo info = PrivateKeyInfo.getInstance(der);
      String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
      String kind =
          switch (oid) {
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.2.840.10045.2.1" -> "EC";
            case "1.3.101.112" -> "Ed25519";
            default ->
                throw BuiltinException.error(
                    "x509: PKCS#8 wrapping contained private key with unknown algorithm: " + oid);
          };
      return KeyFactory.getInstance(kind).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      throw BuiltinException.error("x509: failed to parse private key");
    }
  }

  static PrivateKey sec1(byte[] der) {
    try {
      var ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(der);
      var info =
          new PrivateKeyInfo(
              new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                  X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()),
              ec);
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (java.io.IOException | RuntimeException e) {
      throw BuiltinException.error("x509: failed to parse EC private key");
    }
  }

  /** A private key as a JWK (RFC 7518 section 6), as OPA's parse_rsa_private_key returns. */
  static Value toJwk(PrivateKey key) {
    var f = new X509GoJson.Fields();
    switch (key) {
      case RSAPrivateCrtKey k ->
          f.put("kty", "RSA")
              .put("n", b64url(k.getModulus()))
              .put("e", b64url(k.getPublicExponent()))
              .put("d", b64url(k.getPrivateExponent()))
              .put("p", b64url(k.getPrimeP()))
              .put("q", b64url(k.getPrimeQ()))
              .put("dp", b64url(k.getPrimeExponentP()))
              .put("dq", b64url(k.getPrimeExponentQ()))
              .put("qi", b64url(k.getCrtCoefficient()));
      case ECPrivateKey k -> {
        var pub = X509EcPoints.publicPoint(k);
        int size = (k.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        f.put("kty", "EC")
            .put("crv", X509EcPoints.curveName(k))
            .put("x", b64url(pub.getAffineX(), size))
            .put("y", b64url(pub.getAffineY(), size))
            .put("d", b64url(k.getS(), size));
      }
      default -> throw BuiltinException.error("unsupported private key type " + key.getAlgorithm());
    }
    return f.build();
  }

  /** A private key as Go's rsa, ecdsa and ed25519 private key types encode. */
  static Value toGoJson(PrivateKey key) {
    return switch (key) {
      case RSAPrivateCrtKey k ->
          new X509GoJson.Fields()
              .put(
                  "PublicKey",
                  new X509GoJson.Fields()
                      .put("N", X509GoJson.big(k.getModulus()))
                      .put("E", X509GoJson.big(k.getPublicExponent()))
                      .build())
              .put("D", X509GoJson.big(k.getPrivateExponent()))
              .put(
                  "Primes",
                  ArrayValue.of(X509GoJson.big(k.getPrimeP()), X509GoJson.big(k.getPrimeQ())))
              .put(
                  "Precomputed",
                  new X509GoJson.Fields()
                      .put("Dp", X509GoJson.big(k.getPrimeExponentP()))
                      .put("Dq", X509GoJson.big(k.getPrimeExponentQ()))
                      .put("Qinv", X509GoJson.big(k.getCrtCoefficient()))
                      .put("CRTValues", ArrayValue.EMPTY)
                      .build())
              .build();
      case ECPrivateKey k -> {
        var pub = X509EcPoints.publicPoint(k);
        yield new X509GoJson.Fields()
            .put("Curve", ObjectValue.EMPTY)
            .put("X", X509GoJson.big(pub.getAffineX()))
            .put("Y", X509GoJson.big(pub.getAffineY()))
            .put("D", X509GoJson.big(k.getS()))
            .build();
      }
      default -> {
        byte[] pkcs8 = key.getEncoded();
        byte[] seed = java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
        yield StringValue.of(Base64.getEncoder().encodeToString(seed));
      }
    };
  }

  private static String b64url(BigInteger n) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = java.util.Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String b64url(BigInteger n, int size) {
    byte[] b = n.toByteArray();
    byte[] out = new byte[size];
    int copy = Math.min(b.length, size);
    System.arraycopy(b, b.length - copy, out, size - copy, copy);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
  }
}
