package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a chain given as root first, leaf last (RFC 5280 section 6), with the options OPA takes
 * from Go's {@code x509.VerifyOptions}: DNSName, CurrentTime (ns) and KeyUsages (by default the
 * leaf must be usable for server authentication, as in Go).
 */
final class X509Chains {

  private static final Map<String, String> KEY_USAGES =
      Map.ofEntries(
          Map.entry("KeyUsageAny", "2.5.29.37.0"),
          Map.entry("KeyUsageServerAuth", "1.3.6.1.5.5.7.3.1"),
          Map.entry("KeyUsageClientAuth", "1.3.6.1.5.5.7.3.2"),
          Map.entry("KeyUsageCodeSigning", "1.3.6.1.5.5.7.3.3"),
          Map.entry("KeyUsageEmailProtection", "1.3.6.1.5.5.7.3.4"),
          Map.entry("KeyUsageIPSECEndSystem", "1.3.6.1.5.5.7.3.5"),
          Map.entry("KeyUsageIPSECTunnel", "1.3.6.1.5.5.7.3.6"),
          Map.entry("KeyUsageIPSECUser", "1.3.6.1.5.5.7.3.7"),
          Map.entry("KeyUsageTimeStamping", "1.3.6.1.5.5.7.3.8"),
          Map.entry("KeyUsageOCSPSigning", "1.3.6.1.5.5.7.3.9"),
          Map.entry("KeyUsageMicrosoftServerGatedCrypto", "1.3.6.1.4.1.311.10.3.3"),
          Map.entry("KeyUsageNetscapeServerGatedCrypto", "2.16.840.1.113730.4.1"),
          Map.entry("KeyUsageMicrosoftCommercialCodeSigning", "1.3.6.1.4.1.311.2.1.22"),
          Map.entry("KeyUsageMicrosoftKernelCodeSigning", "1.3.6.1.4.1.311.61.1.1"));

  private X509Chains() {}

  /** The verification options. */
  record Options(String dnsName, Date time, List<String> ekus) {
    static Options defaults() {
      return new Options("", null, List.of());
    }
  }

  static Options options(ObjectValue o) {
    String dns = "";
    Date time = null;
    List<String> ekus = new ArrayList<>();
    for (Value k : o.keys()) {
      if (!(k instanceof StringValue key)) {
        continue;
      }
      Value v = o.get(k);
      switch (key.value()) {
        case "DNSName" -> {
          if (!(v instanceof StringValue s)) {
            throw BuiltinException.error("'DNSName' should be a string");
          }
          dns = s.value().replace("\"", "");
        }
        case "CurrentTime" -> {
          if (!(v instanceof NumberValue n)) {
            throw BuiltinException.error("'CurrentTime' should be a number");
          }
          Long ns = n.longValueExact();
          if (ns == null) {
            throw BuiltinException.error("'CurrentTime' should be a valid int64 number");
          }
          time = new Date(Math.floorDiv(ns, 1_000_000L));
        }
        case "MaxConstraintComparisons" -> {
          if (!(v instanceof NumberValue n)) {
            throw BuiltinException.error("'MaxConstraintComparisons' should be a number");
          }
          if (n.intValueExact() == null) {
            throw BuiltinException.error("'MaxConstraintComparisons' should be a valid number");
          }
        }
        case "KeyUsages" -> {
          List<Value> items =
              switch (v) {
                case ArrayValue a -> a.elements();
                case SetValue s -> s.elements();
                default -> throw BuiltinException.error("'KeyUsages' should be an Array or Set");
              };
          List<String> invalid = new ArrayList<>();
          for (Value item : items) {
            if (item instanceof StringValue s) {
              String name = s.value().replace("\"", "");
              String oid = KEY_USAGES.get(name);
              if (oid == null) {
                invalid.add(name);
              } else {
                ekus.add(oid);
              }
            }
          }
          if (!invalid.isEmpty()) {
            throw BuiltinException.error(
                "invalid entries for 'KeyUsages' found: [" + String.join(" ", invalid) + "]");
          }
        }
        default -> throw BuiltinException.error("invalid key option");
      }
    }
    return new Options(dns, time, ekus);
  }

  /** Returns the verified chain, leaf first, or null when it does not verify. */
  static List<X509Certificates.Parsed> verify(List<X509Certificates.Parsed> certs, Options opts) {
    if (certs.size() < 2) {
      return null;
    }
    X509Certificates.Parsed root = certs.get(0);
    X509Certificates.Parsed leaf = certs.get(certs.size() - 1);
    // Go's verifier checks the root's own dates too; the JDK's PKIX never checks its anchor's.
    Date at = opts.time() != null ? opts.time() : new Date();
    if (at.before(root.jca().getNotBefore()) || at.after(root.jca().getNotAfter())) {
      return null;
    }
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf.jca());
      PKIXBuilderParameters params =
          new PKIXBuilderParameters(Set.of(new TrustAnchor(root.jca(), null)), target);
      params.setRevocationEnabled(false);
      if (opts.time() != null) {
        params.setDate(opts.time());
      }
      List<X509Certificate> store = new ArrayList<>();
      for (X509Certificates.Parsed p : certs.subList(1, certs.size())) {
        store.add(p.jca());
      }
      params.addCertStore(
          CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
      var result = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
      List<X509Certificates.Parsed> chain = new ArrayList<>();
      for (var c : result.getCertPath().getCertificates()) {
        chain.add(find(certs, (X509Certificate) c));
      }
      chain.add(root);
      if (!usagesAllowed(chain, opts.ekus()) || !hostMatches(leaf.jca(), opts.dnsName())) {
        return null;
      }
      return chain;
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return null;
    }
  }

  private static X509Certificates.Parsed find(
      List<X509Certificates.Parsed> certs, X509Certificate c) {
    for (X509Certificates.Parsed p : certs) {
      if (p.jca().equals(c)) {
        return p;
      }
    }
    throw new IllegalStateException("certificate not in the input");
  }

  /** Every certificate that restricts extended key usage must allow one of the wanted ones. */
  private static boolean usagesAllowed(List<X509Certificates.Parsed> chain, List<String> wanted) {
    List<String> want = wanted.isEmpty() ? List.of("1.3.6.1.5.5.7.3.1") : wanted;
    if (want.contains("2.5.29.37.0")) {
      return true;
    }
    for (X509Certificates.Parsed p : chain) {
      List<String> has;
      try {
        has = p.jca().getExtendedKeyUsage();
      } catch (java.security.cert.CertificateParsingException e) {
        return false;
      }
      if (has == null || has.contains("2.5.29.37.0")) {
        continue;
      }
      if (want.stream().noneMatch(has::contains)) {
        return false;
      }
    }
    return true;
  }

  /** Matches a host name against the leaf's DNS names, allowing one leftmost wildcard label. */
  private static boolean hostMatches(X509Certificate leaf, String host) {
    if (host.isEmpty()) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    try {
      var sans = leaf.getSubjectAlternativeNames();
      if (sans == null) {
        return false;
      }
      for (List<?> san : sans) {
        int tag = (Integer) san.get(0);
        String name = String.valueOf(san.get(1)).toLowerCase(Locale.ROOT);
        if (tag == 2 && matches(name, h)) {
          return true;
        }
        if (tag == 7 && name.equals(h)) {
          return true;
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return false;
    }
    return false;
  }

  private static boolean matches(String pattern, String host) {
    if (pattern.equals(host)) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot).equals(pattern.substring(1));
    }
    return false;
  }
}
