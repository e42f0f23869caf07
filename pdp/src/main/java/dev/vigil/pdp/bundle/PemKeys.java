package dev.vigil.pdp.bundle;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the first key from PEM text: PKCS#8 private keys, public keys and certificates. */
final class PemKeys {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

  private PemKeys() {}

  /** Returns the private or public key in the PEM text (RSA or EC). */
  static Key read(String pem) {
    Matcher m = BLOCK.matcher(pem);
    if (!m.find()) {
      throw new BundleException("key is not PEM text (no BEGIN/END block)");
    }
    String type = m.group(1);
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).trim());
    } catch (IllegalArgumentException e) {
      throw new BundleException("PEM " + type + " block is not valid base64");
    }
    try {
      return switch (type) {
        case "PRIVATE KEY" -> privateKey(der);
        case "PUBLIC KEY" -> publicKey(der);
        case "CERTIFICATE" ->
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der))
                .getPublicKey();
        default ->
            throw new BundleException(
                "PEM block \""
                    + type
                    + "\" is not supported; use PKCS#8 \"PRIVATE KEY\", "
                    + "\"PUBLIC KEY\" or \"CERTIFICATE\"");
      };
    } catch (GeneralSecurityException e) {
      throw new BundleException("PEM " + type + " cannot be read: " + e.getMessage());
    }
  }

  private static Key privateKey(byte[] der) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }

  private static Key publicKey(byte[] der) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }
}
