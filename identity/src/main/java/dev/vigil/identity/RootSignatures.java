package dev.vigil.identity;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * A shortcut for the commonest X.509-SVID chain, a leaf signed directly by a root of the bundle
 * with ECDSA over P-256 or P-384.
 *
 * <p>Why: the JDK verifies an ECDSA signature with a variable-base point multiplication each time,
 * which made the CA's check of its own SVIDs cost more than signing them. A root's public key never
 * changes, so Bouncy Castle's verifier is kept per root with its point precomputation, and checks a
 * signature in about a quarter of the time.
 *
 * <p>The shortcut only ever answers "verified" for a chain that the JDK's PKIX validator (RFC 5280,
 * section 6.1) would accept too: the root has no name or policy constraints, the leaf's issuer is
 * the root's subject, its authority key identifier (when present) is the root's subject key
 * identifier, its only critical extensions are ones PKIX itself processes for an end entity (basic
 * constraints, key usage, extended key usage, subject alternative names), and its signature
 * algorithm is ECDSA with SHA-256/384/512 under the root's EC key. Anything else, including a
 * signature that does not verify, returns false and the caller runs full PKIX, which gives the
 * reason. Validity and revocation are the caller's checks. Thread-safe.
 */
final class RootSignatures {

  private static final Set<String> END_ENTITY_CRITICAL =
      Set.of("2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.17");
  private static final Map<String, String> ECDSA_DIGESTS =
      Map.of(
          "1.2.840.10045.4.3.2", "SHA-256",
          "1.2.840.10045.4.3.3", "SHA-384",
          "1.2.840.10045.4.3.4", "SHA-512");
  private static final String AKI_OID = "2.5.29.35";
  private static final String SKI_OID = "2.5.29.14";
  private static final String NAME_CONSTRAINTS_OID = "2.5.29.30";
  private static final String POLICY_CONSTRAINTS_OID = "2.5.29.36";
  private static final int MAX_CACHED_ROOTS = 1024;

  /** A root's key with Bouncy Castle's precomputation attached, or null when it is not EC. */
  private record RootKey(ECPublicKeyParameters key, byte[] keyId) {}

  private static final Map<X509Certificate, RootKey> KEYS = new ConcurrentHashMap<>();

  private RootSignatures() {}

  /** Returns true only when {@code leaf} is certainly signed by one of {@code roots}, as above. */
  static boolean signedByRoot(X509Certificate leaf, List<X509Certificate> roots) {
    try {
      return shortcut(leaf, roots);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean shortcut(X509Certificate leaf, List<X509Certificate> roots) {
    String digest = ECDSA_DIGESTS.get(leaf.getSigAlgOID());
    if (digest == null || !onlyKnownCriticalExtensions(leaf) || !allowedKey(leaf)) {
      return false;
    }
    byte[] authorityKeyId = authorityKeyId(leaf);
    for (X509Certificate root : roots) {
      if (!root.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
        continue;
      }
      RootKey key = keyOf(root);
      if (key == null) {
        continue;
      }
      if (authorityKeyId != null
          && key.keyId() != null
          && !Arrays.equals(authorityKeyId, key.keyId())) {
        continue;
      }
      if (verifies(leaf, digest, key.key())) {
        return true;
      }
    }
    return false;
  }

  /** PKIX also refuses weak leaf keys; every key type Vigil knows passes the JDK's limits. */
  private static boolean allowedKey(X509Certificate leaf) {
    try {
      KeyType.of(leaf.getPublicKey());
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean onlyKnownCriticalExtensions(X509Certificate leaf) {
    Set<String> critical = leaf.getCriticalExtensionOIDs();
    return critical == null || END_ENTITY_CRITICAL.containsAll(critical);
  }

  private static boolean verifies(X509Certificate leaf, String digest, ECPublicKeyParameters key) {
    try {
      BigInteger[] rs = strictDerSignature(leaf.getSignature());
      if (rs == null) {
        return false;
      }
      byte[] hash = MessageDigest.getInstance(digest).digest(leaf.getTBSCertificate());
      ECDSASigner verifier = new ECDSASigner();
      verifier.init(false, key);
      return verifier.verifySignature(hash, rs[0], rs[1]);
    } catch (java.io.IOException | CertificateEncodingException | NoSuchAlgorithmException e) {
      return false;
    }
  }

  /** Parses an ECDSA signature, refusing any encoding but the one DER allows (no malleability). */
  private static BigInteger[] strictDerSignature(byte[] sig) throws java.io.IOException {
    ASN1Sequence seq = ASN1Sequence.getInstance(sig);
    if (seq.size() != 2) {
      return null;
    }
    ASN1Integer r = ASN1Integer.getInstance(seq.getObjectAt(0));
    ASN1Integer s = ASN1Integer.getInstance(seq.getObjectAt(1));
    if (!Arrays.equals(
        new DERSequence(new ASN1Integer[] {r, s}).getEncoded(ASN1Encoding.DER), sig)) {
      return null;
    }
    return new BigInteger[] {r.getValue(), s.getValue()};
  }

  private static RootKey keyOf(X509Certificate root) {
    RootKey known = KEYS.get(root);
    if (known != null) {
      return known.key() == null ? null : known;
    }
    if (KEYS.size() > MAX_CACHED_ROOTS) {
      KEYS.clear();
    }
    RootKey made = KEYS.computeIfAbsent(root, RootSignatures::load);
    return made.key() == null ? null : made;
  }

  private static RootKey load(X509Certificate root) {
    // A root with name or policy constraints is left to PKIX, which knows how to apply them.
    boolean constrained =
        root.getExtensionValue(NAME_CONSTRAINTS_OID) != null
            || root.getExtensionValue(POLICY_CONSTRAINTS_OID) != null;
    if (constrained || !(root.getPublicKey() instanceof ECPublicKey ec)) {
      return new RootKey(null, null);
    }
    KeyType type;
    try {
      type = KeyType.of(ec);
    } catch (IllegalArgumentException e) {
      return new RootKey(null, null);
    }
    X9ECParameters x9 =
        CustomNamedCurves.getByName(type == KeyType.EC_P256 ? "secp256r1" : "secp384r1");
    ECDomainParameters domain =
        new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
    var point = x9.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
    return new RootKey(new ECPublicKeyParameters(point, domain), subjectKeyId(root));
  }

  private static byte[] authorityKeyId(X509Certificate leaf) {
    byte[] ext = leaf.getExtensionValue(AKI_OID);
    if (ext == null) {
      return null;
    }
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets())
        .getKeyIdentifier();
  }

  private static byte[] subjectKeyId(X509Certificate root) {
    byte[] ext = root.getExtensionValue(SKI_OID);
    if (ext == null) {
      return null;
    }
    return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets())
        .getKeyIdentifier();
  }
}
