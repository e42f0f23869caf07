package dev.vigil.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/**
 * Signs X.509-SVID leaves for one root. Everything that is the same for every leaf of the root (the
 * issuer name, the authority key identifier, the signature algorithm) is computed once here, and
 * the JCA objects that are costly to look up (the signature engine, the certificate factory, the
 * random source) are kept per thread, so that issuing an SVID costs little more than its key pair
 * and its signature. The leaf profile is that of the SPIFFE X509-SVID specification, section 4.
 * Thread-safe.
 */
final class LeafSigner {

  private static final X500Name SUBJECT =
      new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Vigil").build();
  private static final Extension EXTENDED_KEY_USAGE =
      extension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
  private static final Extension NOT_A_CA =
      extension(Extension.basicConstraints, true, new BasicConstraints(false));

  private final X500Name issuer;
  private final Extension authorityKeyId;
  private final AlgorithmIdentifier algorithm;
  private final ThreadLocal<Engines> engines;

  /** The per-thread JCA objects; none of them is safe to share between threads. */
  private record Engines(
      Signature signature, CertificateFactory factory, JcaX509ExtensionUtils ids) {}

  LeafSigner(X509Certificate caCert, PrivateKey caKey, KeyType caType) {
    issuer = X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded());
    try {
      authorityKeyId =
          extension(
              Extension.authorityKeyIdentifier,
              false,
              new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the key identifier of a root", e);
    }
    algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(caType.signatureAlgorithm());
    engines = ThreadLocal.withInitial(() -> engines(caKey, caType));
  }

  private static Engines engines(PrivateKey caKey, KeyType caType) {
    try {
      Signature s = Signature.getInstance(caType.signatureAlgorithm());
      s.initSign(caKey, Randomness.current());
      return new Engines(s, CertificateFactory.getInstance("X.509"), new JcaX509ExtensionUtils());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with a " + caType + " key", e);
    }
  }

  /** Builds and signs a leaf for {@code id} over {@code publicKey}. */
  X509Certificate sign(
      SpiffeId id,
      List<String> dnsNames,
      PublicKey publicKey,
      BigInteger serial,
      Instant notBefore,
      Instant notAfter) {
    Engines e = engines.get();
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
    X509v3CertificateBuilder b =
        new X509v3CertificateBuilder(
            issuer, serial, Date.from(notBefore), Date.from(notAfter), SUBJECT, spki);
    int usage = KeyUsage.digitalSignature;
    if (publicKey.getAlgorithm().equals("RSA")) {
      usage |= KeyUsage.keyEncipherment;
    }
    try {
      b.addExtension(NOT_A_CA);
      b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
      b.addExtension(EXTENDED_KEY_USAGE);
      b.addExtension(Extension.subjectAlternativeName, false, sans(id, dnsNames));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, e.ids().createSubjectKeyIdentifier(spki));
      b.addExtension(authorityKeyId);
      byte[] der = b.build(new EngineSigner(e.signature(), algorithm)).getEncoded();
      return (X509Certificate) e.factory().generateCertificate(new ByteArrayInputStream(der));
    } catch (IOException | CertificateException ex) {
      throw new IllegalStateException("cannot build the certificate of " + id, ex);
    }
  }

  private static GeneralNames sans(SpiffeId id, List<String> dnsNames) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
    for (String dns : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static Extension extension(
      org.bouncycastle.asn1.ASN1ObjectIdentifier oid,
      boolean critical,
      org.bouncycastle.asn1.ASN1Object value) {
    try {
      return new Extension(oid, critical, value.getEncoded());
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * A content signer over an initialised signature engine: the engine is reset by each {@code
   * sign()}, so one engine serves every leaf its thread signs.
   */
  private static final class EngineSigner implements ContentSigner {
    private final Signature signature;
    private final AlgorithmIdentifier algorithm;

    EngineSigner(Signature signature, AlgorithmIdentifier algorithm) {
      this.signature = signature;
      this.algorithm = algorithm;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
      return algorithm;
    }

    @Override
    public OutputStream getOutputStream() {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          try {
            signature.update(b, off, len);
          } catch (SignatureException e) {
            throw new IOException(e);
          }
        }
      };
    }

    @Override
    public byte[] getSignature() {
      try {
        return signature.sign();
      } catch (SignatureException e) {
        throw new IllegalStateException("signing a leaf failed", e);
      }
    }
  }
}
