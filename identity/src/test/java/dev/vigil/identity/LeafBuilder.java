package dev.vigil.identity;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
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
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Builds certificates that break one rule of the X509-SVID specification at a time, signed by a
 * real CA key, so that a test sees exactly one fault.
 */
final class LeafBuilder {

  List<String> uris = new ArrayList<>(List.of("spiffe://prod.example/web"));
  Boolean ca = false; // null: no basic constraints extension
  Integer keyUsage = KeyUsage.digitalSignature; // null: no key usage extension
  boolean keyUsageCritical = true;
  List<KeyPurposeId> eku =
      new ArrayList<>(List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth));
  Instant notBefore;
  Instant notAfter;
  X509Certificate issuer;
  PrivateKey issuerKey;
  KeyType issuerType = KeyType.EC_P256;
  KeyPair key = KeyType.EC_P256.generate(new SecureRandom());
  String extraCriticalOid; // null: none; else a critical extension no verifier knows

  LeafBuilder(CaAuthority ca, Instant now) {
    this.issuer = ca.certificate();
    this.issuerKey = ca.privateKey();
    this.issuerType = ca.keyType();
    this.notBefore = now;
    this.notAfter = now.plusSeconds(3600);
  }

  X509Certificate build() throws Exception {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer,
            Certificates.newSerial(),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("O=Test"),
            key.getPublic());
    if (ca != null) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    }
    if (keyUsage != null) {
      b.addExtension(Extension.keyUsage, keyUsageCritical, new KeyUsage(keyUsage));
    }
    if (eku != null) {
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(eku.toArray(KeyPurposeId[]::new)));
    }
    if (!uris.isEmpty()) {
      GeneralName[] names =
          uris.stream()
              .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
              .toArray(GeneralName[]::new);
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
    }
    if (extraCriticalOid != null) {
      b.addExtension(
          new org.bouncycastle.asn1.ASN1ObjectIdentifier(extraCriticalOid),
          true,
          org.bouncycastle.asn1.DERNull.INSTANCE);
    }
    return Certificates.sign(b, issuerKey, issuerType);
  }
}
