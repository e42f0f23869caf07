package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.PolicyInformation;

/**
 * Parses DER certificates (RFC 5280) and renders them as OPA does: Go's {@code x509.Certificate}
 * JSON, plus {@code URIStrings}.
 */
final class X509Certificates {

  private static final Map<String, Integer> SIGNATURE_ALGORITHMS =
      Map.ofEntries(
          Map.entry("1.2.840.113549.1.1.2", 1),
          Map.entry("1.2.840.113549.1.1.4", 2),
          Map.entry("1.2.840.113549.1.1.5", 3),
          Map.entry("1.2.840.113549.1.1.11", 4),
          Map.entry("1.2.840.113549.1.1.12", 5),
          Map.entry("1.2.840.113549.1.1.13", 6),
          Map.entry("1.2.840.10040.4.3", 7),
          Map.entry("2.16.840.1.101.3.4.3.2", 8),
          Map.entry("1.2.840.10045.4.1", 9),
          Map.entry("1.2.840.10045.4.3.2", 10),
          Map.entry("1.2.840.10045.4.3.3", 11),
          Map.entry("1.2.840.10045.4.3.4", 12),
          Map.entry("1.3.101.112", 16));

  private static final Map<String, Integer> PUBLIC_KEY_ALGORITHMS =
      Map.of(
          "1.2.840.113549.1.1.1", 1,
          "1.2.840.10040.4.1", 2,
          "1.2.840.10045.2.1", 3,
          "1.3.101.112", 4);

  /** Go's ExtKeyUsage numbering. */
  static final Map<String, Integer> EXT_KEY_USAGES =
      Map.ofEntries(
          Map.entry("2.5.29.37.0", 0),
          Map.entry("1.3.6.1.5.5.7.3.1", 1),
          Map.entry("1.3.6.1.5.5.7.3.2", 2),
          Map.entry("1.3.6.1.5.5.7.3.3", 3),
          Map.entry("1.3.6.1.5.5.7.3.4", 4),
          Map.entry("1.3.6.1.5.5.7.3.5", 5),
          Map.entry("1.3.6.1.5.5.7.3.6", 6),
          Map.entry("1.3.6.1.5.5.7.3.7", 7),
          Map.entry("1.3.6.1.5.5.7.3.8", 8),
          Map.entry("1.3.6.1.5.5.7.3.9", 9),
          Map.entry("1.3.6.1.4.1.311.10.3.3", 10),
          Map.entry("2.16.840.1.113730.4.1", 11),
          Map.entry("1.3.6.1.4.1.311.2.1.22", 12),
          Map.entry("1.3.6.1.4.1.311.61.1.1", 13));

  /** Extensions Go understands; other critical ones are listed as unhandled. */
  private static final List<String> HANDLED =
      List.of(
          "2.5.29.14",
          "2.5.29.15",
          "2.5.29.17",
          "2.5.29.19",
          "2.5.29.30",
          "2.5.29.31",
          "2.5.29.32",
          "2.5.29.33",
          "2.5.29.35",
          "2.5.29.36",
          "2.5.29.37",
          "2.5.29.54",
          "1.3.6.1.5.5.7.1.1");

  private X509Certificates() {}

  /** One parsed certificate in both the JCA's and Bouncy Castle's forms. */
  record Parsed(X509Certificate jca, Certificate asn1) {}

  /** Parses concatenated DER certificates, as Go's {@code x509.ParseCertificates}. */
  static List<Parsed> parseAll(byte[] der) {
    List<Parsed> out = new ArrayList<>();
    try (ASN1InputStream in = new ASN1InputStream(der)) {
      ASN1Primitive p;
      while ((p = in.readObject()) != null) {
        out.add(parse(p.getEncoded("DER")));
      }
    } catch (IOException | RuntimeException e) {
      throw BuiltinException.error("x509: malformed certificate");
    }
    return out;
  }

  static Parsed parse(byte[] der) {
    try {
      Certificate asn1 = Certificate.getInstance(der);
      X509Certificate jca =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der));
      return new Parsed(jca, asn1);
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      throw BuiltinException.error("x509: malformed certificate");
    }
  }

  static Value toValue(List<Parsed> certs, boolean withUriStrings) {
    List<Value> out = new ArrayList<>();
    for (Parsed p : certs) {
      out.add(toValue(p, withUriStrings));
    }
    return ArrayValue.of(out);
  }

  static Value toValue(Parsed p, boolean withUriStrings) {
    Certificate c = p.asn1();
    X509Certificate x = p.jca();
    Extensions exts = c.getTBSCertificate().getExtensions();
    var f = new X509GoJson.Fields();
    try {
      f.put("Raw", X509GoJson.bytes(c.getEncoded("DER")))
          .put("RawTBSCertificate", X509GoJson.bytes(c.getTBSCertificate().getEncoded("DER")))
          .put(
              "RawSubjectPublicKeyInfo",
              X509GoJson.bytes(c.getSubjectPublicKeyInfo().getEncoded("DER")))
          .put("RawSubject", X509GoJson.bytes(c.getSubject().getEncoded("DER")))
          .put("RawIssuer", X509GoJson.bytes(c.getIssuer().getEncoded("DER")));
    } catch (IOException e) {
      throw BuiltinException.error("x509: malformed certificate");
    }
    f.put("Signature", X509GoJson.bytes(c.getSignature().getOctets()))
        .put("SignatureAlgorithm", signatureAlgorithm(c))
        .put(
            "PublicKeyAlgorithm",
            PUBLIC_KEY_ALGORITHMS.getOrDefault(
                c.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId(), 0))
        .put("PublicKey", X509GoJson.publicKey(x.getPublicKey()))
        .put("Version", x.getVersion())
        .put("SerialNumber", X509GoJson.big(x.getSerialNumber()))
        .put("Issuer", X509GoJson.name(c.getIssuer()))
        .put("Subject", X509GoJson.name(c.getSubject()))
        .put("NotBefore", time(x.getNotBefore()))
        .put("NotAfter", time(x.getNotAfter()))
        .put("KeyUsage", keyUsage(x.getKeyUsage()));
    addExtensions(f, exts);
    List<String> uris = sanStrings(exts, GeneralName.uniformResourceIdentifier);
    f.put("URIs", X509GoJson.slice(uris.stream().map(u -> X509GoJson.url(URI.create(u))).toList()));
    if (withUriStrings) {
      f.put("URIStrings", X509GoJson.strings(uris));
    }
    return f.build();
  }

  private static int signatureAlgorithm(Certificate c) {
    return signatureAlgorithm(c.getSignatureAlgorithm());
  }

  /** Go's SignatureAlgorithm number for an AlgorithmIdentifier; RSASSA-PSS by its hash. */
  static int signatureAlgorithm(org.bouncycastle.asn1.x509.AlgorithmIdentifier alg) {
    String oid = alg.getAlgorithm().getId();
    if (oid.equals("1.2.840.113549.1.1.10")) {
      String params = String.valueOf(alg.getParameters());
      if (params.contains("2.16.840.1.101.3.4.2.2")) {
        return 14;
      }
      return params.contains("2.16.840.1.101.3.4.2.3") ? 15 : 13;
    }
    return SIGNATURE_ALGORITHMS.getOrDefault(oid, 0);
  }

  static Value time(java.util.Date d) {
    return StringValue.of(DateTimeFormatter.ISO_INSTANT.format(d.toInstant()));
  }

  private static long keyUsage(boolean[] bits) {
    long out = 0;
    if (bits != null) {
      for (int i = 0; i < bits.length && i < 9; i++) {
        if (bits[i]) {
          out |= 1L << i;
        }
      }
    }
    return out;
  }

  /** Extensions as Go's []pkix.Extension encodes: Id, Critical, Value. */
  static Value extensionList(Extensions exts) {
    List<Value> list = new ArrayList<>();
    if (exts != null) {
      for (ASN1ObjectIdentifier id : exts.getExtensionOIDs()) {
        Extension e = exts.getExtension(id);
        list.add(
            new X509GoJson.Fields()
                .put("Id", X509GoJson.oid(id))
                .put("Critical", e.isCritical())
                .put("Value", X509GoJson.bytes(e.getExtnValue().getOctets()))
                .build());
      }
    }
    return X509GoJson.slice(list);
  }

  private static void addExtensions(X509GoJson.Fields f, Extensions exts) {
    List<Value> unhandled = new ArrayList<>();
    if (exts != null) {
      for (ASN1ObjectIdentifier id : exts.getExtensionOIDs()) {
        if (exts.getExtension(id).isCritical() && !HANDLED.contains(id.getId())) {
          unhandled.add(X509GoJson.oid(id));
        }
      }
    }
    f.put("Extensions", extensionList(exts))
        .put("ExtraExtensions", NullValue.NULL)
        .put("UnhandledCriticalExtensions", X509GoJson.slice(unhandled));

    List<Value> eku = new ArrayList<>();
    List<Value> unknownEku = new ArrayList<>();
    ExtendedKeyUsage ekus = exts == null ? null : ExtendedKeyUsage.fromExtensions(exts);
    if (ekus != null) {
      for (KeyPurposeId k : ekus.getUsages()) {
        Integer n = EXT_KEY_USAGES.get(k.getId());
        if (n != null) {
          eku.add(NumberValue.of(n));
        } else {
          unknownEku.add(X509GoJson.oid(k.toOID()));
        }
      }
    }
    f.put("ExtKeyUsage", X509GoJson.slice(eku))
        .put("UnknownExtKeyUsage", X509GoJson.slice(unknownEku));

    BasicConstraints bc = exts == null ? null : BasicConstraints.fromExtensions(exts);
    long maxPathLen = 0;
    if (bc != null) {
      maxPathLen = bc.getPathLenConstraint() == null ? -1 : bc.getPathLenConstraint().longValue();
    }
    f.put("BasicConstraintsValid", bc != null)
        .put("IsCA", bc != null && bc.isCA())
        .put("MaxPathLen", maxPathLen)
        .put("MaxPathLenZero", bc != null && maxPathLen == 0);

    Extension ski = exts == null ? null : exts.getExtension(Extension.subjectKeyIdentifier);
    f.put(
        "SubjectKeyId",
        ski == null
            ? NullValue.NULL
            : X509GoJson.bytes(DEROctetString.getInstance(ski.getParsedValue()).getOctets()));
    AuthorityKeyIdentifier aki = exts == null ? null : AuthorityKeyIdentifier.fromExtensions(exts);
    f.put(
        "AuthorityKeyId",
        aki == null || aki.getKeyIdentifierObject() == null
            ? NullValue.NULL
            : X509GoJson.bytes(aki.getKeyIdentifierObject().getOctets()));

    List<String> ocsp = new ArrayList<>();
    List<String> issuers = new ArrayList<>();
    AuthorityInformationAccess aia =
        exts == null ? null : AuthorityInformationAccess.fromExtensions(exts);
    if (aia != null) {
      for (AccessDescription d : aia.getAccessDescriptions()) {
        if (d.getAccessLocation().getTagNo() != GeneralName.uniformResourceIdentifier) {
          continue;
        }
        String uri = text(d.getAccessLocation().getName());
        if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)) {
          ocsp.add(uri);
        } else if (d.getAccessMethod().equals(AccessDescription.id_ad_caIssuers)) {
          issuers.add(uri);
        }
      }
    }
    f.put("OCSPServer", X509GoJson.strings(ocsp))
        .put("IssuingCertificateURL", X509GoJson.strings(issuers))
        .put("DNSNames", X509GoJson.strings(sanStrings(exts, GeneralName.dNSName)))
        .put("EmailAddresses", X509GoJson.strings(sanStrings(exts, GeneralName.rfc822Name)))
        .put("IPAddresses", X509GoJson.strings(ipAddresses(exts)));
    f.put("PermittedDNSDomainsCritical", false);
    for (String field :
        List.of(
            "PermittedDNSDomains",
            "ExcludedDNSDomains",
            "PermittedIPRanges",
            "ExcludedIPRanges",
            "PermittedEmailAddresses",
            "ExcludedEmailAddresses",
            "PermittedURIDomains",
            "ExcludedURIDomains")) {
      f.put(field, NullValue.NULL);
    }
    f.put("CRLDistributionPoints", X509GoJson.strings(crlDistributionPoints(exts)));

    List<Value> policyIds = new ArrayList<>();
    List<String> policies = new ArrayList<>();
    CertificatePolicies cp = exts == null ? null : CertificatePolicies.fromExtensions(exts);
    if (cp != null) {
      for (PolicyInformation pi : cp.getPolicyInformation()) {
        policyIds.add(X509GoJson.oid(pi.getPolicyIdentifier()));
        policies.add(pi.getPolicyIdentifier().getId());
      }
    }
    f.put("PolicyIdentifiers", X509GoJson.slice(policyIds))
        .put("Policies", X509GoJson.strings(policies))
        .put("InhibitAnyPolicy", 0)
        .put("InhibitAnyPolicyZero", false)
        .put("InhibitPolicyMapping", 0)
        .put("InhibitPolicyMappingZero", false)
        .put("RequireExplicitPolicy", 0)
        .put("RequireExplicitPolicyZero", false)
        .put("PolicyMappings", NullValue.NULL);
  }

  /** The subject alternative names of one kind (RFC 5280 section 4.2.1.6), as text. */
  static List<String> sanStrings(Extensions exts, int tag) {
    List<String> out = new ArrayList<>();
    GeneralNames names =
        exts == null ? null : GeneralNames.fromExtensions(exts, Extension.subjectAlternativeName);
    if (names != null) {
      for (GeneralName n : names.getNames()) {
        if (n.getTagNo() == tag) {
          out.add(text(n.getName()));
        }
      }
    }
    return out;
  }

  static List<String> ipAddresses(Extensions exts) {
    List<String> out = new ArrayList<>();
    GeneralNames names =
        exts == null ? null : GeneralNames.fromExtensions(exts, Extension.subjectAlternativeName);
    if (names != null) {
      for (GeneralName n : names.getNames()) {
        if (n.getTagNo() == GeneralName.iPAddress) {
          out.add(X509GoJson.ip(DEROctetString.getInstance(n.getName()).getOctets()));
        }
      }
    }
    return out;
  }

  private static List<String> crlDistributionPoints(Extensions exts) {
    List<String> out = new ArrayList<>();
    Extension e = exts == null ? null : exts.getExtension(Extension.cRLDistributionPoints);
    if (e == null) {
      return out;
    }
    for (DistributionPoint dp :
        CRLDistPoint.getInstance(e.getParsedValue()).getDistributionPoints()) {
      DistributionPointName name = dp.getDistributionPoint();
      if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
        continue;
      }
      for (GeneralName g : GeneralNames.getInstance(name.getName()).getNames()) {
        if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
          out.add(text(g.getName()));
        }
      }
    }
    return out;
  }

  private static String text(ASN1Encodable e) {
    return e instanceof ASN1String s ? s.getString() : e.toString();
  }
}
