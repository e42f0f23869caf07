package dev.vigil.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.identity.CaAuthority.State;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate authority of one trust domain: it signs X.509-SVIDs and JWT-SVIDs and publishes
 * the trust bundle.
 *
 * <p>Rotation runs in three steps so that no verifier ever meets a signature from a root it has not
 * yet seen. {@link #prepare()} creates the next root and publishes it in the bundle without signing
 * with it. {@link #activate()}, allowed once the prepared root has been published for one bundle
 * refresh hint, makes it sign and keeps the old root published as previous. {@link #retire()},
 * allowed once every SVID the previous root signed has expired, drops it from the bundle. Each step
 * raises the bundle's sequence number.
 *
 * <p>Every credential is checked by the same validators that verify peers before it is returned; an
 * SVID never outlives the root that signed it. Thread-safe: issuing reads an immutable snapshot,
 * rotation steps are serialised.
 */
public final class TrustDomainCa {

  private static final Logger log = LoggerFactory.getLogger(TrustDomainCa.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Snapshot(List<CaAuthority> authorities, long sequence, LeafSigner signer) {
    Snapshot(List<CaAuthority> authorities, long sequence) {
      this(authorities, sequence, signerOf(authorities));
    }

    private static LeafSigner signerOf(List<CaAuthority> authorities) {
      for (CaAuthority a : authorities) {
        if (a.state() == State.ACTIVE) {
          return new LeafSigner(a.certificate(), a.privateKey(), a.keyType());
        }
      }
      return null;
    }

    CaAuthority active() {
      for (CaAuthority a : authorities) {
        if (a.state() == State.ACTIVE) {
          return a;
        }
      }
      throw new IllegalStateException("trust domain has no active CA");
    }
  }

  /** The validators the CA checks its own output with, built once per bundle version. */
  private record Checkers(X509SvidValidator x509, JwtSvidValidator jwt) {}

  private final TrustDomain trustDomain;
  private final CaConfig config;
  private final InstantSource clock;
  private volatile Snapshot snapshot;
  private volatile Checkers checkers;

  private TrustDomainCa(
      TrustDomain trustDomain, CaConfig config, InstantSource clock, Snapshot snapshot) {
    this.trustDomain = trustDomain;
    this.config = config;
    this.clock = clock;
    publish(snapshot);
  }

  /** Installs a new state and the validators that match its bundle. */
  private void publish(Snapshot next) {
    snapshot = next;
    BundleSource own = BundleSource.of(bundle());
    checkers =
        new Checkers(
            new X509SvidValidator(own, RevocationList.NONE, clock),
            new JwtSvidValidator(own, clock));
  }

  /**
   * Makes a trust domain with a fresh, active root, in memory only: the caller logs its creation
   * once it is stored, since on a shared store another node's may be stored instead.
   */
  public static TrustDomainCa create(TrustDomain td, CaConfig config, InstantSource clock) {
    CaAuthority first =
        newAuthority(td, config, clock.instant()).withState(State.ACTIVE, clock.instant());
    return new TrustDomainCa(td, config, clock, new Snapshot(List.of(first), 1));
  }

  /**
   * Restores a trust domain from stored roots.
   *
   * @throws IllegalArgumentException when the roots do not hold exactly one active root
   */
  public static TrustDomainCa restore(
      TrustDomain td,
      CaConfig config,
      InstantSource clock,
      List<CaAuthority> authorities,
      long sequence) {
    long active = authorities.stream().filter(a -> a.state() == State.ACTIVE).count();
    if (active != 1) {
      throw new IllegalArgumentException(
          "trust domain "
              + td
              + " has "
              + active
              + " active CAs in the store; exactly one is needed");
    }
    return new TrustDomainCa(td, config, clock, new Snapshot(List.copyOf(authorities), sequence));
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  public CaConfig config() {
    return config;
  }

  /** Returns every root, in creation order. */
  public List<CaAuthority> authorities() {
    return snapshot.authorities();
  }

  /** Returns the root that signs new SVIDs. */
  public CaAuthority active() {
    return snapshot.active();
  }

  /** Returns the sequence number of the current bundle. */
  public long sequence() {
    return snapshot.sequence();
  }

  /** Returns the trust bundle: every root that is prepared, active or previous. */
  public TrustBundle bundle() {
    Snapshot s = snapshot;
    List<X509Certificate> roots = new ArrayList<>();
    Map<String, java.security.PublicKey> jwtKeys = new LinkedHashMap<>();
    for (CaAuthority a : s.authorities()) {
      if (a.state().published()) {
        roots.add(a.certificate());
        jwtKeys.put(a.jwtKeyId(), a.jwtPublicKey());
      }
    }
    return new TrustBundle(trustDomain, roots, jwtKeys, s.sequence(), config.refreshHint());
  }

  /**
   * Issues an X.509-SVID with a fresh key pair.
   *
   * @param ttl lifetime, or null for the configured default; cut short at the root's expiry
   * @throws IllegalArgumentException when the ID is not of this trust domain or names no workload,
   *     a DNS name is not a lower-case host name, or the lifetime is not positive
   */
  public X509Svid issueX509(SpiffeId id, List<String> dnsNames, Duration ttl) {
    checkSubject(id);
    DnsName.check(dnsNames);
    checkLifetime(ttl);
    Snapshot s = snapshot;
    CaAuthority ca = s.active();
    KeyPair leafKey = config.keyType().generate(Randomness.current());
    Instant now = clock.instant();
    Instant notAfter = min(now.plus(ttl == null ? config.x509SvidTtl() : ttl), ca.notAfter());
    X509Certificate leaf =
        s.signer().sign(id, dnsNames, leafKey.getPublic(), Certificates.newSerial(), now, notAfter);
    X509Svid svid = new X509Svid(id, List.of(leaf), leafKey.getPrivate());
    selfCheck(svid);
    return svid;
  }

  /**
   * Issues a JWT-SVID for {@code audience}, signed with the active root's JWT key.
   *
   * @throws IllegalArgumentException when the audience is empty, the ID is not of this domain or
   *     the lifetime is not positive
   */
  public JwtSvid issueJwt(SpiffeId id, List<String> audience, Duration ttl) {
    checkSubject(id);
    checkLifetime(ttl);
    if (audience == null || audience.isEmpty() || audience.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("a JWT-SVID needs at least one non-empty audience");
    }
    CaAuthority ca = snapshot.active();
    Instant now = clock.instant();
    Instant exp = min(now.plus(ttl == null ? config.jwtSvidTtl() : ttl), ca.notAfter());
    JWSHeader header =
        new JWSHeader.Builder(ca.keyType().jwsAlgorithm())
            .keyID(ca.jwtKeyId())
            .type(JOSEObjectType.JWT)
            .build();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(id.toString())
            .audience(audience)
            .issueTime(java.util.Date.from(now))
            .expirationTime(java.util.Date.from(exp))
            .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer(ca.jwtPrivateKey()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a JWT-SVID for " + id, e);
    }
    String token = jwt.serialize();
    try {
      return checkers.jwt().validate(token, audience.getFirst());
    } catch (SvidRejectedException e) {
      throw new IllegalStateException(
          "CA of "
              + trustDomain
              + " produced a JWT-SVID its own validator refuses: "
              + e.getMessage());
    }
  }

  /**
   * Creates the next root and publishes it in the bundle without signing with it.
   *
   * @throws IllegalStateException when a prepared root is already waiting
   */
  public synchronized CaAuthority prepare() {
    Snapshot s = snapshot;
    for (CaAuthority a : s.authorities()) {
      if (a.state() == State.PREPARED) {
        throw new IllegalStateException(
            "trust domain " + trustDomain + " already has prepared root " + a.id());
      }
    }
    CaAuthority next = newAuthority(trustDomain, config, clock.instant());
    List<CaAuthority> list = new ArrayList<>(s.authorities());
    list.add(next);
    publish(new Snapshot(List.copyOf(list), s.sequence() + 1));
    log.info("trust domain {}: root {} prepared and published", trustDomain, next.id());
    return next;
  }

  /**
   * Makes the prepared root sign; the active one becomes previous and stays published.
   *
   * @throws IllegalStateException when nothing is prepared, or the prepared root has been published
   *     for less than one bundle refresh hint
   */
  public synchronized CaAuthority activate() {
    Snapshot s = snapshot;
    CaAuthority prepared =
        s.authorities().stream()
            .filter(a -> a.state() == State.PREPARED)
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "trust domain " + trustDomain + " has no prepared root; prepare first"));
    Instant now = clock.instant();
    Instant earliest = prepared.notBefore().plus(config.refreshHint());
    if (now.isBefore(earliest)) {
      throw new IllegalStateException(
          "root "
              + prepared.id()
              + " of "
              + trustDomain
              + " has been published for less than one bundle refresh hint; activate after "
              + earliest);
    }
    List<CaAuthority> list = new ArrayList<>();
    for (CaAuthority a : s.authorities()) {
      if (a == prepared) {
        list.add(a.withState(State.ACTIVE, now));
      } else if (a.state() == State.ACTIVE) {
        list.add(a.withState(State.PREVIOUS, a.activatedAt()));
      } else {
        list.add(a);
      }
    }
    publish(new Snapshot(List.copyOf(list), s.sequence() + 1));
    log.info("trust domain {}: root {} activated", trustDomain, prepared.id());
    return prepared.withState(State.ACTIVE, now);
  }

  /**
   * Drops previous roots from the bundle once every SVID they signed has expired.
   *
   * @return the roots retired, possibly none
   */
  public synchronized List<CaAuthority> retire() {
    Snapshot s = snapshot;
    CaAuthority active = s.active();
    Duration longest =
        config.x509SvidTtl().compareTo(config.jwtSvidTtl()) >= 0
            ? config.x509SvidTtl()
            : config.jwtSvidTtl();
    Instant now = clock.instant();
    boolean lastSvidsExpired = !now.isBefore(active.activatedAt().plus(longest));
    List<CaAuthority> list = new ArrayList<>();
    List<CaAuthority> retired = new ArrayList<>();
    for (CaAuthority a : s.authorities()) {
      boolean due =
          a.state() == State.PREVIOUS && (lastSvidsExpired || !now.isBefore(a.notAfter()));
      if (due) {
        CaAuthority r = a.withState(State.RETIRED, a.activatedAt());
        list.add(r);
        retired.add(r);
      } else {
        list.add(a);
      }
    }
    if (!retired.isEmpty()) {
      publish(new Snapshot(List.copyOf(list), s.sequence() + 1));
      log.info(
          "trust domain {}: retired roots {}",
          trustDomain,
          retired.stream().map(CaAuthority::id).toList());
    }
    return retired;
  }

  /**
   * Runs whichever rotation step is due at the clock's time, so that a timer can drive rotation:
   * prepare once the active root is half way through its life; activate once the active root has
   * two of the longest SVID lifetimes left (and the prepared root has been published for a refresh
   * hint); retire once the previous root's SVIDs have expired. With a CA lifetime of at least six
   * SVID lifetimes, the next root is published for at least one SVID lifetime before it signs.
   *
   * @return the steps taken, in order, such as {@code ["prepare"]}; empty when none was due
   */
  public synchronized List<String> rotateIfDue() {
    List<String> steps = new ArrayList<>();
    Instant now = clock.instant();
    CaAuthority active = snapshot.active();
    Duration life = Duration.between(active.notBefore(), active.notAfter());
    boolean prepared = snapshot.authorities().stream().anyMatch(a -> a.state() == State.PREPARED);
    if (!prepared && !now.isBefore(active.notBefore().plus(life.dividedBy(2)))) {
      prepare();
      steps.add("prepare");
      prepared = true;
    }
    Instant activateAt = active.notAfter().minus(longestSvid().multipliedBy(2));
    CaAuthority next =
        snapshot.authorities().stream()
            .filter(a -> a.state() == State.PREPARED)
            .findFirst()
            .orElse(null);
    if (prepared
        && next != null
        && !now.isBefore(activateAt)
        && !now.isBefore(next.notBefore().plus(config.refreshHint()))) {
      activate();
      steps.add("activate");
    }
    if (!retire().isEmpty()) {
      steps.add("retire");
    }
    return steps;
  }

  private Duration longestSvid() {
    return config.x509SvidTtl().compareTo(config.jwtSvidTtl()) >= 0
        ? config.x509SvidTtl()
        : config.jwtSvidTtl();
  }

  private void checkSubject(SpiffeId id) {
    if (!id.memberOf(trustDomain)) {
      throw new IllegalArgumentException(
          "SPIFFE ID "
              + id
              + " is not in trust domain "
              + trustDomain
              + "; this CA signs only its own");
    }
    if (id.isTrustDomainId()) {
      throw new IllegalArgumentException(
          "SPIFFE ID " + id + " has no path; an SVID must name a workload");
    }
  }

  /** Refuses a lifetime that would give an SVID already expired when it is handed out. */
  private static void checkLifetime(Duration ttl) {
    if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
      throw new IllegalArgumentException("SVID lifetime must be positive, got " + ttl);
    }
  }

  private void selfCheck(X509Svid svid) {
    try {
      checkers.x509().validate(svid.chain());
    } catch (SvidRejectedException e) {
      throw new IllegalStateException(
          "CA of "
              + trustDomain
              + " produced an X.509-SVID its own validator refuses: "
              + e.getMessage());
    }
  }

  private static CaAuthority newAuthority(TrustDomain td, CaConfig config, Instant now) {
    byte[] idBytes = new byte[8];
    RANDOM.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    KeyPair root = config.keyType().generate(RANDOM);
    X509Certificate cert =
        Certificates.root(
            td,
            id,
            root.getPublic(),
            root.getPrivate(),
            config.keyType(),
            now,
            now.plus(config.caTtl()));
    KeyPair jwt = config.keyType().generate(RANDOM);
    String kid;
    try {
      kid =
          TrustBundle.jwk(jwt.getPublic(), new KeyUse("jwt-svid"), null, null)
              .computeThumbprint()
              .toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return new CaAuthority(
        id,
        State.PREPARED,
        config.keyType(),
        cert,
        root.getPrivate(),
        kid,
        jwt.getPublic(),
        jwt.getPrivate(),
        null);
  }

  private static JWSSigner signer(PrivateKey key) throws JOSEException {
    if (key instanceof ECPrivateKey ec) {
      return new ECDSASigner(ec);
    }
    return new RSASSASigner(key);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
