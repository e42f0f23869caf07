package dev.vigil.rego.builtins;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Reads the keys JWT builtins verify and sign with: PEM certificates, PEM public keys, JWKs.
 *
 * <p>A JWK set is charged to the query's time budget as it is read: its JSON as it is parsed, and
 * each key {@link #KEY_UNITS} plus a unit per 16 characters of its text, as reading a key decodes
 * its numbers, may check an EC point or parse the certificates of its {@code x5c}, and builds a key
 * object: microseconds each, for a set that may hold thousands of keys in one operand.
 */
final class JwtKeys {

  /** The units of the time budget one key of a JWK set is charged beyond its text. */
  static final int KEY_UNITS = 1024;

  private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final byte[] ED25519_PKCS8 =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  private JwtKeys() {}

  /**
   * A key to verify with, and the algorithm and key id a JWK gave it (empty when none).
   *
   * @param key a {@link PublicKey}, or a {@code byte[]} secret from an {@code oct} JWK
   */
  record VerificationKey(Object key, String alg, String kid) {}

  /** Reads a PEM certificate, a PEM public key, a JWK, or a JWK set, charged to {@code ctx}. */
  static List<VerificationKey> verificationKeys(BuiltinContext ctx, String text) {
    CryptoPem.Block block = CryptoPem.decode(CryptoBuiltins.utf8(text));
    if (block != null) {
      if (block.rest().length > 0) {
        throw BuiltinException.error("extra data after a PEM certificate block");
      }
      if (block.type().equals("CERTIFICATE")) {
        return List.of(new VerificationKey(certificateKey(block.bytes()), "", ""));
      }
      if (block.type().equals("PUBLIC KEY")) {
        try {
          return List.of(new VerificationKey(publicKey(block.bytes()), "", ""));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
          throw BuiltinException.error("failed to parse a PEM public key: " + e.getMessage());
        }
      }
      throw BuiltinException.error("failed to extract a Key from the PEM certificate");
    }
    List<JWK> jwks = parseJwks(ctx, text, "failed to parse a JWK key (set): ");
    List<VerificationKey> keys = new ArrayList<>();
    for (JWK jwk : jwks) {
      String alg = jwk.getAlgorithm() == null ? "" : jwk.getAlgorithm().getName();
      if (!alg.isEmpty() && !JwtAlgorithms.KNOWN.contains(alg)) {
        continue;
      }
      String kid = jwk.getKeyID() == null ? "" : jwk.getKeyID();
      keys.add(new VerificationKey(publicPart(jwk), alg, kid));
    }
    return keys;
  }

  private static PublicKey certificateKey(byte[] der) {
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der))
          .getPublicKey();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error(
          "failed to parse a PEM certificate: x509: malformed certificate");
    }
  }

  /** Reads a DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) of an RSA, EC or Ed25519 key. */
  static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(der);
    } catch (RuntimeException e) {
      throw new GeneralSecurityException("x509: malformed public key");
    }
    String oid = info.getAlgorithm().getAlgorithm().getId();
    String kind =
        switch (oid) {
          case "1.2.840.113549.1.1.1" -> "RSA";
          case "1.2.840.10045.2.1" -> "EC";
          case "1.3.101.112" -> "Ed25519";
          default -> throw new GeneralSecurityException("x509: unknown public key algorithm");
        };
    return KeyFactory.getInstance(kind).generatePublic(new X509EncodedKeySpec(der));
  }

  private static Object publicPart(JWK jwk) {
    try {
      return switch (jwk) {
        case RSAKey k -> k.toRSAPublicKey();
        case ECKey k -> k.toECPublicKey();
        case OctetSequenceKey k -> k.toByteArray();
        case OctetKeyPair k -> ed25519Public(k);
        default -> null;
      };
    } catch (JOSEException | GeneralSecurityException e) {
      return null;
    }
  }

  private static PublicKey ed25519Public(OctetKeyPair k) throws GeneralSecurityException {
    byte[] x = k.getDecodedX();
    if (!"Ed25519".equals(k.getCurve().getName()) || x.length != 32) {
      throw new GeneralSecurityException("unsupported OKP key");
    }
    return KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI, x)));
  }

  /**
   * Reads the first key of a JWK or JWK set for signing.
   *
   * @return a {@link PrivateKey}, or a {@code byte[]} secret
   */
  static Object signingKey(BuiltinContext ctx, String text) {
    List<JWK> jwks = parseJwks(ctx, text, "failed to parse JWK: ");
    if (jwks.isEmpty()) {
      throw BuiltinException.error("no keys found in JWK set");
    }
    JWK jwk = jwks.get(0);
    try {
      Object key =
          switch (jwk) {
            case RSAKey k when k.isPrivate() -> k.toRSAPrivateKey();
            case ECKey k when k.isPrivate() -> k.toECPrivateKey();
            case OctetSequenceKey k -> k.toByteArray();
            case OctetKeyPair k when k.isPrivate() && k.getDecodedD().length == 32 ->
                KeyFactory.getInstance("Ed25519")
                    .generatePrivate(
                        new PKCS8EncodedKeySpec(concat(ED25519_PKCS8, k.getDecodedD())));
            default -> null;
          };
      if (key == null) {
        throw BuiltinException.error(
            "failed to sign payload: the " + jwk.getKeyType() + " JWK holds no private key");
      }
      return key;
    } catch (JOSEException | GeneralSecurityException e) {
      throw BuiltinException.error("failed to parse JWK: " + e.getMessage());
    }
  }

  /** Parses a JWK (RFC 7517 section 4) or a JWK set (section 5), charged to {@code ctx}. */
  private static List<JWK> parseJwks(BuiltinContext ctx, String text, String errorPrefix) {
    Value doc;
    try {
      doc = Json.parse(text, ctx::charge);
    } catch (JsonException e) {
      throw BuiltinException.error(errorPrefix + "invalid JSON: " + e.getMessage());
    }
    if (!(doc instanceof ObjectValue o)) {
      throw BuiltinException.error(errorPrefix + "a JWK must be a JSON object");
    }
    List<JWK> out = new ArrayList<>();
    Value keys = o.get("keys");
    if (keys == null) {
      out.add(parseJwk(ctx, o, errorPrefix));
      return out;
    }
    if (!(keys instanceof ArrayValue a)) {
      throw BuiltinException.error(errorPrefix + "\"keys\" must be an array");
    }
    for (Value k : a.elements()) {
      if (!(k instanceof ObjectValue ko)) {
        throw BuiltinException.error(errorPrefix + "each key must be a JSON object");
      }
      out.add(parseJwk(ctx, ko, errorPrefix));
    }
    return out;
  }

  private static JWK parseJwk(BuiltinContext ctx, ObjectValue o, String errorPrefix) {
    String json = Json.write(o, ctx::charge);
    ctx.charge(KEY_UNITS + (json.length() >> 4));
    try {
      return JWK.parse(json);
    } catch (java.text.ParseException | RuntimeException e) {
      throw BuiltinException.error(errorPrefix + e.getMessage());
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
