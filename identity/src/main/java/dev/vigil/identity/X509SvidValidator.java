package dev.vigil.identity;

import static dev.vigil.identity.SvidRejectedException.Reason;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies X.509-SVIDs against every rule of the SPIFFE X509-SVID specification and against the
 * trust bundle of the SVID's own trust domain. The CA runs every SVID it issues through this same
 * validator before handing it out.
 *
 * <p>In order: the leaf holds exactly one URI SAN, a SPIFFE ID with a path (section 2); the leaf
 * has basic constraints with {@code cA=false} (4.1), a critical key usage with digitalSignature and
 * without keyCertSign or cRLSign (4.3), and, when it has an extended key usage, both serverAuth and
 * clientAuth (4.4); every intermediate is a CA with keyCertSign whose URI SAN, if any, is the trust
 * domain's own ID (3, 4.1); the leaf is within its validity at the clock's time; the chain verifies
 * (PKIX, RFC 5280 section 6) up to a root of the bundle of the leaf's trust domain, and of no other
 * (5.2); no certificate in it is revoked. Vigil also requires the basic constraints extension to be
 * present on the leaf, which the specification's own issuers always include.
 *
 * <p>Thread-safe when its bundle source and revocation list are.
 */
public final class X509SvidValidator {

  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String KEY_USAGE_OID = "2.5.29.15";
  private static final String BASIC_CONSTRAINTS_OID = "2.5.29.19";
  private static final int URI_NAME = 6;

  /** PKIX engines are costly to look up and not documented as thread-safe: one per thread. */
  private record Pkix(CertificateFactory factory, CertPathValidator validator) {}

  private static final ThreadLocal<Pkix> PKIX =
      ThreadLocal.withInitial(
          () -> {
            try {
              return new Pkix(
                  CertificateFactory.getInstance("X.509"), CertPathValidator.getInstance("PKIX"));
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("the JDK has no X.509 PKIX validator", e);
            }
          });

  private final BundleSource bundles;
  private final RevocationList revocations;
  private final InstantSource clock;

  /**
   * Chains already verified. Why: the sidecar checks its peer's chain on every request (a serial
   * revoked while a connection stays open must be refused), and verifying the signatures again was
   * three quarters of its event loop's time.
   */
  private final Map<List<X509Certificate>, Verified> verified = new ConcurrentHashMap<>();

  /** The most chains remembered; the memory is emptied when it grows past this. */
  static final int VERIFIED_LIMIT = 10_000;

  public X509SvidValidator(BundleSource bundles, RevocationList revocations, InstantSource clock) {
    this.bundles = bundles;
    this.revocations = revocations;
    this.clock = clock;
  }

  /**
   * Verifies a chain, leaf first, and returns the leaf's SPIFFE ID.
   *
   * @throws SvidRejectedException with the rule broken
   */
  public SpiffeId validate(List<X509Certificate> chain) throws SvidRejectedException {
    if (chain == null || chain.isEmpty()) {
      throw new SvidRejectedException(Reason.CHAIN_EMPTY, "no certificate was presented");
    }
    X509Certificate leaf = chain.getFirst();
    Verified known = verified.get(chain);
    SpiffeId id;
    if (known != null && known.stillHolds(clock.instant(), bundles)) {
      id = known.id();
      checkValidity(leaf, id);
    } else {
      id = leafId(leaf);
      checkLeafExtensions(leaf, id);
      for (X509Certificate signer : chain.subList(1, chain.size())) {
        checkSigningCert(signer, id);
      }
      checkValidity(leaf, id);
      TrustBundle bundle =
          bundles
              .bundle(id.trustDomain())
              .orElseThrow(
                  () ->
                      new SvidRejectedException(
                          Reason.NO_BUNDLE,
                          "X.509-SVID "
                              + id
                              + ": trust domain \""
                              + id.trustDomain()
                              + "\" is not trusted here (no trust bundle for it)"));
      Instant rootsUntil = checkChain(chain, bundle, id);
      remember(chain, bundle, id, rootsUntil);
    }
    for (X509Certificate c : chain) {
      if (revocations.revoked(id.trustDomain(), c.getSerialNumber())) {
        throw new SvidRejectedException(
            Reason.REVOKED,
            "X.509-SVID "
                + id
                + ": certificate serial "
                + c.getSerialNumber().toString(16)
                + " is revoked");
      }
    }
    return id;
  }

  /**
   * A chain found good, the bundle it was checked against and the span of time in which every
   * certificate in it is valid. Everything but the time, the bundle and revocation follows from the
   * chain's bytes alone, so for the same chain only those three are checked again.
   */
  private record Verified(TrustBundle bundle, SpiffeId id, Instant from, Instant until) {

    boolean stillHolds(Instant now, BundleSource bundles) {
      if (now.isBefore(from) || !now.isBefore(until)) {
        return false;
      }
      TrustBundle current = bundles.bundle(id.trustDomain()).orElse(null);
      return current == bundle || bundle.equals(current);
    }
  }

  /**
   * Remembers a chain found good until its first certificate, or the first root that may have
   * anchored it ({@code rootsUntil}), expires.
   */
  private void remember(
      List<X509Certificate> chain, TrustBundle bundle, SpiffeId id, Instant rootsUntil) {
    Instant from = Instant.MIN;
    Instant until = rootsUntil;
    for (X509Certificate c : chain) {
      Instant notBefore = c.getNotBefore().toInstant();
      Instant notAfter = c.getNotAfter().toInstant();
      from = notBefore.isAfter(from) ? notBefore : from;
      until = notAfter.isBefore(until) ? notAfter : until;
    }
    if (verified.size() >= VERIFIED_LIMIT) {
      verified.clear();
    }
    verified.put(List.copyOf(chain), new Verified(bundle, id, from, until));
  }

  private static SpiffeId leafId(X509Certificate leaf) throws SvidRejectedException {
    List<String> uris = uriSans(leaf);
    if (uris.size() != 1) {
      throw new SvidRejectedException(
          Reason.LEAF_URI_SAN_COUNT,
          "X.509-SVID leaf must hold exactly one URI SAN, found " + uris.size() + " " + uris);
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(uris.getFirst());
    } catch (SpiffeIdException e) {
      throw new SvidRejectedException(
          Reason.LEAF_ID_MALFORMED,
          "X.509-SVID leaf URI SAN is not a SPIFFE ID: " + e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw new SvidRejectedException(
          Reason.LEAF_ID_NO_PATH,
          "X.509-SVID leaf ID " + id + " has no path; a trust domain ID names no workload");
    }
    return id;
  }

  private static void checkLeafExtensions(X509Certificate leaf, SpiffeId id)
      throws SvidRejectedException {
    String who = "X.509-SVID " + id + ": ";
    if (leaf.getExtensionValue(BASIC_CONSTRAINTS_OID) == null) {
      throw new SvidRejectedException(
          Reason.LEAF_BASIC_CONSTRAINTS_MISSING, who + "leaf has no basic constraints extension");
    }
    if (leaf.getBasicConstraints() != -1) {
      throw new SvidRejectedException(Reason.LEAF_IS_CA, who + "leaf has cA=true");
    }
    boolean[] ku = leaf.getKeyUsage();
    if (ku == null) {
      throw new SvidRejectedException(
          Reason.LEAF_KEY_USAGE_MISSING, who + "leaf has no key usage extension");
    }
    Set<String> critical = leaf.getCriticalExtensionOIDs();
    if (critical == null || !critical.contains(KEY_USAGE_OID)) {
      throw new SvidRejectedException(
          Reason.LEAF_KEY_USAGE_NOT_CRITICAL, who + "leaf key usage is not marked critical");
    }
    if (!ku[0]) {
      throw new SvidRejectedException(
          Reason.LEAF_NO_DIGITAL_SIGNATURE, who + "leaf key usage lacks digitalSignature");
    }
    if (ku.length > 5 && ku[5]) {
      throw new SvidRejectedException(
          Reason.LEAF_KEY_CERT_SIGN, who + "leaf key usage includes keyCertSign");
    }
    if (ku.length > 6 && ku[6]) {
      throw new SvidRejectedException(
          Reason.LEAF_CRL_SIGN, who + "leaf key usage includes cRLSign");
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new SvidRejectedException(
          Reason.LEAF_EXTENDED_KEY_USAGE, who + "leaf extended key usage does not parse");
    }
    if (eku != null && !(eku.contains(SERVER_AUTH) && eku.contains(CLIENT_AUTH))) {
      throw new SvidRejectedException(
          Reason.LEAF_EXTENDED_KEY_USAGE,
          who + "leaf extended key usage must include serverAuth and clientAuth, has " + eku);
    }
  }

  private static void checkSigningCert(X509Certificate signer, SpiffeId id)
      throws SvidRejectedException {
    String who = "X.509-SVID " + id + ": signing certificate " + signer.getSubjectX500Principal();
    if (signer.getBasicConstraints() < 0) {
      throw new SvidRejectedException(Reason.SIGNING_CERT_NOT_CA, who + " is not a CA (cA=false)");
    }
    boolean[] ku = signer.getKeyUsage();
    if (ku == null || ku.length <= 5 || !ku[5]) {
      throw new SvidRejectedException(
          Reason.SIGNING_CERT_NO_KEY_CERT_SIGN, who + " lacks keyCertSign");
    }
    List<String> uris = uriSans(signer);
    for (String uri : uris) {
      if (!uri.equals(id.trustDomain().id().toString())) {
        throw new SvidRejectedException(
            Reason.SIGNING_CERT_ID,
            who + " has URI SAN \"" + uri + "\"; only " + id.trustDomain().id() + " is allowed");
      }
    }
  }

  private void checkValidity(X509Certificate leaf, SpiffeId id) throws SvidRejectedException {
    Instant now = clock.instant();
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new SvidRejectedException(
          Reason.NOT_YET_VALID,
          "X.509-SVID " + id + " is not valid before " + leaf.getNotBefore().toInstant());
    }
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new SvidRejectedException(
          Reason.EXPIRED, "X.509-SVID " + id + " expired at " + leaf.getNotAfter().toInstant());
    }
  }

  /**
   * Checks that the chain leads to a root of the bundle that is valid now.
   *
   * @return when the first of the roots that were valid, and so may have anchored it, expires
   */
  private Instant checkChain(List<X509Certificate> chain, TrustBundle bundle, SpiffeId id)
      throws SvidRejectedException {
    if (bundle.x509Authorities().isEmpty()) {
      throw new SvidRejectedException(
          Reason.NO_BUNDLE, "X.509-SVID " + id + ": the bundle of its trust domain has no roots");
    }
    // Only roots valid now anchor a chain, as Go's verifier (go-spiffe, SPIRE) has it; PKIX
    // checks the certificates of the path, never the anchor's own dates.
    Instant now = clock.instant();
    List<X509Certificate> roots = new ArrayList<>();
    Instant rootsUntil = Instant.MAX;
    for (X509Certificate root : bundle.x509Authorities()) {
      Instant notAfter = root.getNotAfter().toInstant();
      if (!now.isBefore(root.getNotBefore().toInstant()) && !now.isAfter(notAfter)) {
        roots.add(root);
        rootsUntil = notAfter.isBefore(rootsUntil) ? notAfter : rootsUntil;
      }
    }
    if (roots.isEmpty()) {
      throw new SvidRejectedException(
          Reason.CHAIN_UNTRUSTED,
          "X.509-SVID "
              + id
              + ": no root of the trust bundle of "
              + id.trustDomain()
              + " is valid at "
              + now
              + " (each has expired or is not valid yet)");
    }
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate root : roots) {
      anchors.add(new TrustAnchor(root, null));
    }
    List<X509Certificate> path = new ArrayList<>(chain);
    // A presented chain may end with the root itself; PKIX wants the path below the anchor.
    while (path.size() > 1 && bundle.x509Authorities().contains(path.getLast())) {
      path.removeLast();
    }
    if (path.size() == 1 && RootSignatures.signedByRoot(path.getFirst(), roots)) {
      return rootsUntil;
    }
    try {
      Pkix pkix = PKIX.get();
      CertPath certPath = pkix.factory().generateCertPath(path);
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      pkix.validator().validate(certPath, params);
      return rootsUntil;
    } catch (CertPathValidatorException e) {
      throw new SvidRejectedException(
          Reason.CHAIN_UNTRUSTED,
          "X.509-SVID "
              + id
              + " does not chain to the trust bundle of "
              + id.trustDomain()
              + ": "
              + e.getMessage()
              + (roots.size() < bundle.x509Authorities().size()
                  ? " (roots of the bundle not valid at " + now + " anchor nothing)"
                  : ""));
    } catch (GeneralSecurityException e) {
      throw new SvidRejectedException(
          Reason.CHAIN_UNTRUSTED, "X.509-SVID " + id + ": chain cannot be checked: " + e);
    }
  }

  static List<String> uriSans(X509Certificate cert) throws SvidRejectedException {
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new SvidRejectedException(
          Reason.LEAF_URI_SAN_COUNT, "subject alternative names do not parse: " + e.getMessage());
    }
    List<String> uris = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() >= 2 && Integer.valueOf(URI_NAME).equals(san.get(0))) {
          uris.add(String.valueOf(san.get(1)));
        }
      }
    }
    return uris;
  }
}
