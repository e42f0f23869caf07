package dev.vigil.identity;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds CA and SVID certificates with Bouncy Castle, and reads and writes PEM. The profile follows
 * the SPIFFE X509-SVID specification, section 4: CAs carry {@code cA=true} and keyCertSign/cRLSign;
 * leaves carry {@code cA=false}, a critical key usage of digitalSignature only (plus
 * keyEncipherment for RSA), server and client auth, and exactly one URI SAN.
 */
final class Certificates {

  private Certificates() {}

  /** Returns a random positive serial of at most 16 bytes (RFC 5280, section 4.1.2.2). */
  static BigInteger newSerial() {
    return new BigInteger(127, Randomness.current()).setBit(126);
  }

  static X509Certificate root(
      TrustDomain td,
      String caId,
      PublicKey publicKey,
      PrivateKey privateKey,
      KeyType type,
      Instant notBefore,
      Instant notAfter) {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "Vigil")
            .addRDN(BCStyle.OU, td.name())
            .addRDN(BCStyle.CN, "Vigil root " + caId)
            .build();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject, newSerial(), Date.from(notBefore), Date.from(notAfter), subject, publicKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName(GeneralName.uniformResourceIdentifier, td.id().toString())));
      return sign(b, privateKey, type);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the root certificate of " + td, e);
    }
  }

  static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, KeyType type)
      throws CertificateException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder(type.signatureAlgorithm()).build(key)));
    } catch (OperatorCreationException e) {
      throw new CertificateException("cannot sign with a " + type + " key", e);
    }
  }

  static String pem(X509Certificate cert) {
    try {
      return pem("CERTIFICATE", cert.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
  }

  /** Reads every certificate in a PEM text. */
  static List<X509Certificate> readPem(String pem) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      for (var c :
          cf.generateCertificates(
              new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
  }

  static X509Certificate fromDer(byte[] der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a DER certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey privateKey(byte[] pkcs8, String algorithm) {
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("stored private key does not parse: " + e.getMessage(), e);
    }
  }
}
