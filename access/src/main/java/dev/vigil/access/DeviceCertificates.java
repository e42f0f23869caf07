package dev.vigil.access;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Builds and reads the device CA's certificates, device certificates and CSRs with Bouncy Castle.
 *
 * <p>Device certificates are client certificates (RFC 5280): {@code cA=false}, a critical key usage
 * of digitalSignature, the clientAuth extended key usage only, the device id as common name and as
 * the URI SAN {@code urn:vigil:device:<id>}. Keys are EC P-256.
 */
public final class DeviceCertificates {

  /** The distinguished name of every Vigil device CA; clients pick their certificate by it. */
  public static final String CA_NAME = "O=Vigil,CN=Vigil device CA";

  /** The URI SAN prefix that carries the device id. */
  public static final String URI_PREFIX = "urn:vigil:device:";

  private static final SecureRandom RANDOM = new SecureRandom();

  private DeviceCertificates() {}

  /** Returns a fresh EC P-256 key pair. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }

  static X509Certificate caCertificate(KeyPair key, Instant notBefore, Instant notAfter) {
    X500Name name = new X500Name(CA_NAME);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name, serial(), Date.from(notBefore), Date.from(notAfter), name, key.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key.getPublic()));
      return sign(b, key.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the device CA certificate", e);
    }
  }

  static X509Certificate deviceCertificate(
      String deviceId,
      PublicKey deviceKey,
      X509Certificate ca,
      PrivateKey caKey,
      Instant notBefore,
      Instant notAfter) {
    X500Name subject = new X500Name("O=Vigil,OU=device,CN=" + deviceId);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca, serial(), Date.from(notBefore), Date.from(notAfter), subject, deviceKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName(GeneralName.uniformResourceIdentifier, URI_PREFIX + deviceId)));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(deviceKey));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
      return sign(b, caKey);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the certificate of device " + deviceId, e);
    }
  }

  /** Returns the device id a device certificate carries in its URI SAN, or null. */
  static String deviceId(X509Certificate cert) {
    try {
      var sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return null;
      }
      for (List<?> san : sans) {
        if (san.get(0) instanceof Integer t
            && t == GeneralName.uniformResourceIdentifier
            && san.get(1) instanceof String uri
            && uri.startsWith(URI_PREFIX)) {
          return uri.substring(URI_PREFIX.length());
        }
      }
      return null;
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /** Returns a PEM certificate signing request for {@code key}, signed by it. */
  public static String csr(KeyPair key) {
    try {
      PKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=vigil-device"), key.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
      return pem(csr);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign the certificate request", e);
    }
  }

  /**
   * Reads a PEM CSR, checks its self-signature (proof that the sender holds the key) and returns
   * its EC P-256 public key.
   *
   * @throws DeviceException {@code bad_csr} naming what is wrong
   */
  static PublicKey csrKey(String pem) {
    Object o = readPem(pem == null ? "" : pem);
    if (!(o instanceof PKCS10CertificationRequest csr)) {
      throw new DeviceException("bad_csr", "csr is not a PEM certificate request");
    }
    try {
      if (!csr.isSignatureValid(
          new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
        throw new DeviceException("bad_csr", "csr signature does not verify with its own key");
      }
      PublicKey key = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
      if (!(key instanceof ECPublicKey ec)
          || ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new DeviceException("bad_csr", "csr key must be EC P-256, got " + describe(key));
      }
      return key;
    } catch (OperatorCreationException | PKCSException | IOException e) {
      throw new DeviceException("bad_csr", "csr cannot be checked: " + e.getMessage());
    }
  }

  private static String describe(PublicKey key) {
    return key.getAlgorithm() + " " + key.getFormat();
  }

  /** Writes a certificate, key or CSR as PEM. */
  public static String pem(Object o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write PEM", e);
    }
    return w.toString();
  }

  /** Reads every certificate of a PEM text. */
  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(new JcaX509CertificateConverter().getCertificate(h));
        }
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate found");
    }
    return out;
  }

  /** Reads a PEM private key (PKCS#8 or the SEC 1 form of OpenSSL). */
  public static PrivateKey privateKey(String pem) {
    Object o = readPem(pem);
    try {
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
        return c.getPrivateKey(kp.getPrivateKeyInfo());
      }
      if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
        return c.getPrivateKey(info);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("private key does not parse: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("not an unencrypted PEM private key");
  }

  private static Object readPem(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      return p.readObject();
    } catch (IOException e) {
      return null;
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(126);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with the device CA key", e);
    }
  }
}
