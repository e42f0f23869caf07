package dev.vigil.sdk;

import io.spiffe.spiffeid.SpiffeId;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads the SPIFFE ID of an X.509-SVID leaf: its one URI SAN (X509-SVID specification §2). */
final class SpiffeIdOf {

  private static final int URI_NAME = 6;

  private SpiffeIdOf() {}

  static SpiffeId leaf(X509Certificate leaf) throws CertificateException {
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("the peer's subject alternative names do not parse");
    }
    List<String> uris = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() >= 2 && Integer.valueOf(URI_NAME).equals(san.get(0))) {
          uris.add(String.valueOf(san.get(1)));
        }
      }
    }
    if (uris.size() != 1) {
      throw new CertificateException(
          "the peer's certificate holds " + uris.size() + " URI SANs; an X.509-SVID holds one");
    }
    try {
      return SpiffeId.parse(uris.getFirst());
    } catch (IllegalArgumentException e) {
      throw new CertificateException("the peer's URI SAN is not a SPIFFE ID: " + e.getMessage());
    }
  }
}
