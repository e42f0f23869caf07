package dev.vigil.rego.builtins;

import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;

/** Parses PKCS #10 certificate requests (RFC 2986) into Go's x509.CertificateRequest shape. */
final class X509Requests {

  private static final Map<String, Integer> PUBLIC_KEY_ALGORITHMS =
      Map.of(
          "1.2.840.113549.1.1.1", 1,
          "1.2.840.10040.4.1", 2,
          "1.2.840.10045.2.1", 3,
          "1.3.101.112", 4);

  private X509Requests() {}

  static Value parse(String input) {
    byte[] bytes = CryptoBuiltins.utf8(input);
    if (!input.startsWith("-----BEGIN CERTIFICATE REQUEST-----")) {
      bytes = X509Builtins.base64(input);
    }
    CryptoPem.Block block = CryptoPem.decode(bytes);
    if (block != null && !block.type().equals("CERTIFICATE REQUEST")) {
      throw BuiltinException.error("invalid PEM-encoded certificate signing request");
    }
    if (block != null) {
      bytes = block.bytes();
    }
    CertificationRequest csr;
    try {
      csr = CertificationRequest.getInstance(bytes);
    } catch (RuntimeException e) {
      throw BuiltinException.error("asn1: structure error: malformed certificate request");
    }
    var info = csr.getCertificationRequestInfo();
    Extensions exts = extensions(info.getAttributes());
    var f = new X509GoJson.Fields();
    try {
      f.put("Raw", X509GoJson.bytes(csr.getEncoded("DER")))
          .put("RawTBSCertificateRequest", X509GoJson.bytes(info.getEncoded("DER")))
          .put(
              "RawSubjectPublicKeyInfo",
              X509GoJson.bytes(info.getSubjectPublicKeyInfo().getEncoded("DER")))
          .put("RawSubject", X509GoJson.bytes(info.getSubject().getEncoded("DER")));
    } catch (IOException e) {
      throw BuiltinException.error("asn1: structure error: malformed certificate request");
    }
    Value publicKey;
    try {
      publicKey =
          X509GoJson.publicKey(JwtKeys.publicKey(info.getSubjectPublicKeyInfo().getEncoded("DER")));
    } catch (IOException | java.security.GeneralSecurityException e) {
      publicKey = NullValue.NULL;
    }
    f.put("Version", info.getVersion().longValueExact())
        .put("Signature", X509GoJson.bytes(csr.getSignature().getOctets()))
        .put("SignatureAlgorithm", X509Certificates.signatureAlgorithm(csr.getSignatureAlgorithm()))
        .put(
            "PublicKeyAlgorithm",
            PUBLIC_KEY_ALGORITHMS.getOrDefault(
                info.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId(), 0))
        .put("PublicKey", publicKey)
        .put("Subject", X509GoJson.name(info.getSubject()))
        .put("Attributes", NullValue.NULL)
        .put("Extensions", X509Certificates.extensionList(exts))
        .put("ExtraExtensions", NullValue.NULL)
        .put("DNSNames", X509GoJson.strings(X509Certificates.sanStrings(exts, GeneralName.dNSName)))
        .put(
            "EmailAddresses",
            X509GoJson.strings(X509Certificates.sanStrings(exts, GeneralName.rfc822Name)))
        .put("IPAddresses", X509GoJson.strings(X509Certificates.ipAddresses(exts)));
    List<String> uris = X509Certificates.sanStrings(exts, GeneralName.uniformResourceIdentifier);
    f.put(
        "URIs",
        X509GoJson.slice(uris.stream().map(u -> X509GoJson.url(java.net.URI.create(u))).toList()));
    return f.build();
  }

  private static Extensions extensions(org.bouncycastle.asn1.ASN1Set attributes) {
    if (attributes == null) {
      return null;
    }
    for (var a : attributes) {
      Attribute attr = Attribute.getInstance(a);
      if (attr.getAttrType().equals(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)
          && attr.getAttrValues().size() > 0) {
        return Extensions.getInstance(attr.getAttrValues().getObjectAt(0));
      }
    }
    return null;
  }
}
