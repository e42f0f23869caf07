package dev.vigil.identity;

import com.nimbusds.jose.JWSAlgorithm;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Locale;

/** The kind of key a trust domain's CA and SVIDs use. EC P-256 is the default. */
public enum KeyType {
  EC_P256("ec-p256", "SHA256withECDSA", JWSAlgorithm.ES256),
  EC_P384("ec-p384", "SHA384withECDSA", JWSAlgorithm.ES384),
  RSA_2048("rsa-2048", "SHA256withRSA", JWSAlgorithm.RS256),
  RSA_3072("rsa-3072", "SHA256withRSA", JWSAlgorithm.RS256);

  private final String label;
  private final String signatureAlgorithm;
  private final JWSAlgorithm jwsAlgorithm;

  KeyType(String label, String signatureAlgorithm, JWSAlgorithm jwsAlgorithm) {
    this.label = label;
    this.signatureAlgorithm = signatureAlgorithm;
    this.jwsAlgorithm = jwsAlgorithm;
  }

  /** Returns the name used in configuration and the store, such as {@code ec-p256}. */
  public String label() {
    return label;
  }

  /** Returns the JCA signature algorithm for certificates signed with this key. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** Returns the JWS algorithm of JWT-SVIDs signed with this key. */
  public JWSAlgorithm jwsAlgorithm() {
    return jwsAlgorithm;
  }

  /**
   * Parses a label such as {@code ec-p256}, {@code ec-p384}, {@code rsa-2048}.
   *
   * @throws IllegalArgumentException naming the label and the accepted ones
   */
  public static KeyType parse(String label) {
    String l = label == null ? "" : label.strip().toLowerCase(Locale.ROOT);
    for (KeyType t : values()) {
      if (t.label.equals(l)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "key type \"" + label + "\" is not supported; use ec-p256, ec-p384, rsa-2048 or rsa-3072");
  }

  /** Generates a fresh key pair of this type. */
  public KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator g;
      switch (this) {
        case EC_P256, EC_P384 -> {
          g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec(this == EC_P256 ? "secp256r1" : "secp384r1"), random);
        }
        case RSA_2048, RSA_3072 -> {
          g = KeyPairGenerator.getInstance("RSA");
          int bits = this == RSA_2048 ? 2048 : 3072;
          g.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4), random);
        }
        default -> throw new IllegalStateException("unknown key type " + this);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + label + " key: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the type of {@code key}, judged from the key itself (curve or modulus size).
   *
   * @throws IllegalArgumentException for a key Vigil does not use
   */
  public static KeyType of(PublicKey key) {
    if (key instanceof ECPublicKey ec) {
      if (sameCurve(ec.getParams(), "secp256r1")) {
        return EC_P256;
      }
      if (sameCurve(ec.getParams(), "secp384r1")) {
        return EC_P384;
      }
      throw new IllegalArgumentException("EC key on a curve other than P-256 or P-384");
    }
    if (key instanceof RSAPublicKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits == 2048) {
        return RSA_2048;
      }
      if (bits == 3072) {
        return RSA_3072;
      }
      throw new IllegalArgumentException("RSA key of " + bits + " bits is not supported");
    }
    throw new IllegalArgumentException("key algorithm " + key.getAlgorithm() + " is not supported");
  }

  private static final ECParameterSpec P256 = curve("secp256r1");
  private static final ECParameterSpec P384 = curve("secp384r1");

  private static boolean sameCurve(ECParameterSpec params, String curve) {
    ECParameterSpec want = curve.equals("secp256r1") ? P256 : P384;
    return want.getCurve().equals(params.getCurve())
        && want.getOrder().equals(params.getOrder())
        && want.getGenerator().equals(params.getGenerator());
  }

  private static ECParameterSpec curve(String name) {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec(name));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Override
  public String toString() {
    return label;
  }
}
