package dev.vigil.identity;

import dev.vigil.store.ChangeFeed;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vigil's workload identity service over a store: trust domains (one per environment, each with its
 * own root), SVID issuance, rotation, registration entries and revocation.
 *
 * <p>A trust domain is created on first use with the default {@link CaConfig}. Every change to a
 * trust domain's roots is written to the store before it returns. Revoked serials are read from the
 * store when the service opens and kept in memory; revocations made through another node sharing
 * PostgreSQL arrive by push once {@link #followChanges} runs, else at {@link #reloadRevocations()}.
 * Thread-safe.
 */
public final class Identities {

  private static final Logger log = LoggerFactory.getLogger(Identities.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * The change feed's channel for identity changes: {@code revoked TD SERIAL}, {@code entry-created
   * ID}, {@code entry-deleted ID}.
   */
  static final String CHANNEL = "vigil_identity";

  private final Store raw;
  private final IdentityStore store;
  private final InstantSource clock;
  private final CaConfig defaults;
  private final Map<TrustDomain, TrustDomainCa> cas = new ConcurrentHashMap<>();
  private final Map<TrustDomain, Set<BigInteger>> revoked = new ConcurrentHashMap<>();
  private final Map<TrustDomain, TrustBundle> federated = new ConcurrentHashMap<>();
  private final JoinTokens joinTokens;
  private final Metrics metrics = new Metrics();

  /**
   * Opens the service.
   *
   * @param cipher encrypts CA keys at rest; see {@link CaKeyCipher#configured}
   * @param defaults configuration of trust domains created from now on
   */
  public Identities(Store store, CaKeyCipher cipher, InstantSource clock, CaConfig defaults) {
    this.raw = store;
    this.store = new IdentityStore(store, cipher);
    this.clock = clock;
    this.defaults = defaults;
    this.joinTokens = new JoinTokens(store, this, clock);
    if (cipher.insecure()) {
      log.warn(
          "INSECURE DEV MODE: CA private keys are stored unencrypted in {}",
          store.location().display());
    }
  }

  /** Returns the one-time join tokens by which agents get their own SVIDs. */
  public JoinTokens joinTokens() {
    return joinTokens;
  }

  /** Returns the CA of {@code td}, creating the trust domain and its first root if needed. */
  public TrustDomainCa trustDomain(TrustDomain td) {
    TrustDomainCa known = cas.get(td);
    if (known != null) {
      return known;
    }
    TrustDomainCa ca = load(td);
    metrics.watch(ca);
    return ca;
  }

  private TrustDomainCa load(TrustDomain td) {
    return loadOrCreate(td, () -> {});
  }

  /**
   * Loads {@code td}, creating it when the store has none; {@code beforeCreate} runs just before
   * the new trust domain is stored, so that a test can hold two nodes there and make them race.
   */
  TrustDomainCa loadOrCreate(TrustDomain td, Runnable beforeCreate) {
    return cas.computeIfAbsent(
        td, t -> store.load(t, clock).orElseGet(() -> create(t, beforeCreate)));
  }

  private TrustDomainCa create(TrustDomain td, Runnable beforeCreate) {
    refuseFederated(td);
    refuseOtherSealingKey(td);
    TrustDomainCa ca = TrustDomainCa.create(td, defaults, clock);
    beforeCreate.run();
    if (store.save(ca, true)) {
      log.info(
          "trust domain {} created with root {} ({})", td, ca.active().id(), defaults.keyType());
      return ca;
    }
    // Another node sharing the store created it since it was looked up: use its roots.
    TrustDomainCa stored =
        store
            .load(td, clock)
            .orElseThrow(
                () ->
                    new StoreException(
                        "trust domain " + td + " was created by another node but cannot be read"));
    log.info(
        "trust domain {} was created by another node; using its root {}", td, stored.active().id());
    return stored;
  }

  /**
   * Refuses to seal a new trust domain's CA keys with a key that does not open those already in the
   * store (another key, or none in --insecure-dev mode): every node sharing the store could not use
   * them, or they would lie unencrypted beside sealed ones. One stored trust domain is enough to
   * tell, since each was checked so when it was created.
   */
  private void refuseOtherSealingKey(TrustDomain td) {
    for (TrustDomain other : store.trustDomains()) {
      if (other.equals(td)) {
        continue;
      }
      try {
        store.load(other, clock);
      } catch (CaKeyCipher.KeyRefused e) {
        throw new CaKeyCipher.KeyRefused(
            "trust domain "
                + td
                + " not created: "
                + e.getMessage()
                + "; a new CA key must be sealed with the key of those already in the store");
      }
      return;
    }
  }

  /**
   * Refuses to run a CA for a trust domain whose bundle was imported: its own roots would replace
   * the partner's in every verifier here, as {@link #importBundle} refuses the converse.
   */
  private void refuseFederated(TrustDomain td) {
    if (store.federated(td).isPresent()) {
      throw new IllegalArgumentException(
          "trust domain "
              + td
              + " is federated (its bundle was imported); this Vigil cannot run a CA for it");
    }
  }

  /** Returns the CA of {@code td} when the trust domain exists, without creating it. */
  public Optional<TrustDomainCa> existing(TrustDomain td) {
    TrustDomainCa cached = cas.get(td);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<TrustDomainCa> loaded = store.load(td, clock);
    loaded.ifPresent(ca -> cas.putIfAbsent(td, ca));
    Optional<TrustDomainCa> held = loaded.map(ca -> cas.get(td));
    held.ifPresent(metrics::watch);
    return held;
  }

  /** Returns the names of every trust domain in the store. */
  public List<TrustDomain> trustDomains() {
    return store.trustDomains();
  }

  /** Issues an X.509-SVID in the ID's trust domain, creating the trust domain on first use. */
  public X509Svid issueX509(SpiffeId id, List<String> dnsNames, Duration ttl) {
    try {
      X509Svid svid = trustDomain(id.trustDomain()).issueX509(id, dnsNames, ttl);
      metrics.issued("x509", id.trustDomain());
      return svid;
    } catch (RuntimeException e) {
      metrics.failed("x509", id.trustDomain());
      throw e;
    }
  }

  /** Issues a JWT-SVID in the ID's trust domain, creating the trust domain on first use. */
  public JwtSvid issueJwt(SpiffeId id, List<String> audience, Duration ttl) {
    try {
      JwtSvid svid = trustDomain(id.trustDomain()).issueJwt(id, audience, ttl);
      metrics.issued("jwt", id.trustDomain());
      return svid;
    } catch (RuntimeException e) {
      metrics.failed("jwt", id.trustDomain());
      throw e;
    }
  }

  /**
   * Publishes this service's metrics to {@code registry}: {@code vigil.identity.credentials.issued}
   * and {@code vigil.identity.credentials.failures} (tags {@code type} x509 or jwt and {@code
   * trust_domain}), and {@code vigil.identity.root.earliest.expiry} (seconds until the earliest
   * expiry among the published roots, per trust domain in the store or created later). Several
   * registries may be bound; each sees every meter.
   */
  public void bindMetrics(MeterRegistry registry) {
    metrics.add(registry);
    for (TrustDomain td : store.trustDomains()) {
      existing(td);
    }
    for (TrustDomainCa ca : cas.values()) {
      metrics.watch(ca);
    }
  }

  /**
   * Returns these metrics as a Micrometer binder, for a process that composes several components
   * into one registry (such as {@code vigil up}); see {@link #bindMetrics}.
   */
  public MeterBinder meterBinder() {
    return this::bindMetrics;
  }

  /** Counters and gauges in every bound registry; a no-op until {@link #bindMetrics} is called. */
  private final class Metrics {
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Map<MeterRegistry, Set<TrustDomain>> watched = new ConcurrentHashMap<>();

    void add(MeterRegistry registry) {
      registries.add(registry);
    }

    void issued(String type, TrustDomain td) {
      count("vigil.identity.credentials.issued", type, td);
    }

    void failed(String type, TrustDomain td) {
      count("vigil.identity.credentials.failures", type, td);
    }

    private void count(String name, String type, TrustDomain td) {
      for (MeterRegistry r : registries) {
        r.counter(name, "type", type, "trust_domain", td.name()).increment();
      }
    }

    /**
     * Registers the expiry gauge of {@code ca} once per registry (Micrometer warns on a second
     * registration of the same gauge, as a restart on existing data used to cause).
     */
    void watch(TrustDomainCa ca) {
      for (MeterRegistry r : registries) {
        if (!watched.computeIfAbsent(r, k -> ConcurrentHashMap.newKeySet()).add(ca.trustDomain())) {
          continue;
        }
        Gauge.builder("vigil.identity.root.earliest.expiry", ca, this::secondsToEarliestExpiry)
            .baseUnit("seconds")
            .tag("trust_domain", ca.trustDomain().name())
            .register(r);
      }
    }

    private double secondsToEarliestExpiry(TrustDomainCa c) {
      long earliest =
          c.bundle().x509Authorities().stream()
              .mapToLong(root -> root.getNotAfter().toInstant().getEpochSecond())
              .min()
              .orElse(0);
      return earliest - clock.instant().getEpochSecond();
    }
  }

  /**
   * Returns the bundle of {@code td}: this node's own when it runs the trust domain's CA, else an
   * imported (federated) one, else empty.
   */
  public Optional<TrustBundle> bundle(TrustDomain td) {
    Optional<TrustDomainCa> own = existing(td);
    if (own.isPresent()) {
      return own.map(TrustDomainCa::bundle);
    }
    return Optional.ofNullable(federated.computeIfAbsent(td, t -> store.federated(t).orElse(null)));
  }

  /**
   * Imports another trust domain's bundle (SPIFFE bundle format), so that its SVIDs verify here.
   *
   * @param source where the bundle came from, recorded with it
   * @throws IllegalArgumentException when the bundle does not parse, or names a trust domain whose
   *     CA runs here (its roots are never mixed with imported ones)
   */
  public TrustBundle importBundle(TrustDomain td, String json, String source) {
    if (existing(td).isPresent()) {
      throw new IllegalArgumentException(
          "trust domain " + td + " is run by this Vigil; its bundle cannot be imported");
    }
    TrustBundle bundle = TrustBundle.parse(td, json);
    if (bundle.x509Authorities().isEmpty() && bundle.jwtAuthorities().isEmpty()) {
      throw new IllegalArgumentException("bundle of " + td + " from " + source + " has no keys");
    }
    store.saveFederated(bundle, source, clock.instant());
    federated.put(td, bundle);
    log.info("bundle of {} imported from {} (sequence {})", td, source, bundle.sequence());
    return bundle;
  }

  /** Returns the trust domains whose bundles were imported. */
  public List<TrustDomain> federatedTrustDomains() {
    return store.federatedTrustDomains();
  }

  /** Returns a bundle source over this service's trust domains (none is created by a lookup). */
  public BundleSource bundles() {
    return this::bundle;
  }

  /** Returns the revoked serials as verifiers see them. */
  public RevocationList revocations() {
    return (td, serial) -> revokedIn(td).contains(serial);
  }

  public X509SvidValidator x509Validator() {
    return new X509SvidValidator(bundles(), revocations(), clock);
  }

  public JwtSvidValidator jwtValidator() {
    return new JwtSvidValidator(bundles(), clock);
  }

  /** Creates and publishes the next root of {@code td}; see {@link TrustDomainCa#prepare()}. */
  public CaAuthority prepare(TrustDomain td) {
    TrustDomainCa ca = trustDomain(td);
    synchronized (ca) {
      CaAuthority a = ca.prepare();
      store.save(ca, false);
      return a;
    }
  }

  /** Activates the prepared root of {@code td}; see {@link TrustDomainCa#activate()}. */
  public CaAuthority activate(TrustDomain td) {
    TrustDomainCa ca = trustDomain(td);
    synchronized (ca) {
      CaAuthority a = ca.activate();
      store.save(ca, false);
      return a;
    }
  }

  /** Retires previous roots of {@code td} that are due; see {@link TrustDomainCa#retire()}. */
  public List<CaAuthority> retire(TrustDomain td) {
    TrustDomainCa ca = trustDomain(td);
    synchronized (ca) {
      List<CaAuthority> retired = ca.retire();
      if (!retired.isEmpty()) {
        store.save(ca, false);
      }
      return retired;
    }
  }

  /** Runs the rotation step due for {@code td}, if any; see {@link TrustDomainCa#rotateIfDue()}. */
  public List<String> rotateIfDue(TrustDomain td) {
    TrustDomainCa ca = trustDomain(td);
    synchronized (ca) {
      List<String> steps = ca.rotateIfDue();
      if (!steps.isEmpty()) {
        store.save(ca, false);
      }
      return steps;
    }
  }

  /**
   * Runs the rotation step due for every trust domain in the store. One that cannot be loaded or
   * rotated (a CA key this node cannot open, the store out of reach) is logged with its name and
   * left out, and the others are still rotated.
   *
   * @return the steps taken, by trust domain; those with none taken or that failed are left out
   * @throws dev.vigil.store.StoreException when the trust domains cannot be listed
   */
  public Map<TrustDomain, List<String>> rotateDue() {
    Map<TrustDomain, List<String>> taken = new LinkedHashMap<>();
    for (TrustDomain td : store.trustDomains()) {
      try {
        List<String> steps = rotateIfDue(td);
        if (!steps.isEmpty()) {
          taken.put(td, steps);
        }
      } catch (RuntimeException e) {
        log.error("trust domain {}: rotation check failed: {}", td, e.getMessage());
      }
    }
    return taken;
  }

  /**
   * Revokes a certificate serial of {@code td}, refused from now on by this service's verifiers.
   */
  public void revoke(TrustDomain td, BigInteger serial, Instant notAfter) {
    store.revoke(td, serial, clock.instant(), notAfter);
    revokedIn(td).add(serial);
    ChangeFeed.publish(raw, CHANNEL, "revoked", td.name(), serial.toString(16));
    log.info("trust domain {}: serial {} revoked", td, serial.toString(16));
  }

  /**
   * Revokes the leaf of an X.509-SVID, found by the SPIFFE ID in its URI SAN, and returns that ID.
   *
   * <p>A CA certificate is refused: verifiers check the serials of the chain a peer presents, and a
   * root is never part of it, so its revocation would be reported and yet have no effect.
   *
   * @throws IllegalArgumentException when the certificate is a CA or holds no single valid SPIFFE
   *     ID
   */
  public SpiffeId revoke(X509Certificate leaf) {
    if (leaf.getBasicConstraints() >= 0) {
      throw new IllegalArgumentException(
          "certificate serial "
              + leaf.getSerialNumber().toString(16)
              + " ("
              + leaf.getSubjectX500Principal().getName()
              + ") is a CA certificate, not an X.509-SVID; revoke takes an SVID's leaf"
              + " (svid.pem), and a root is replaced with `vigil identity rotate`");
    }
    List<String> uris;
    try {
      uris = X509SvidValidator.uriSans(leaf);
    } catch (SvidRejectedException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (uris.size() != 1) {
      throw new IllegalArgumentException(
          "certificate holds " + uris.size() + " URI SANs; an X.509-SVID holds exactly one");
    }
    SpiffeId id = SpiffeId.parse(uris.getFirst());
    revoke(id.trustDomain(), leaf.getSerialNumber(), leaf.getNotAfter().toInstant());
    return id;
  }

  /**
   * Follows revocations and entry changes made by other nodes sharing this PostgreSQL store (see
   * {@link ChangeFeed}): a revoked serial is refused by this service's verifiers as soon as the
   * notification arrives, and {@code onChange} runs after every change (on the feed's thread; keep
   * it short). With SQLite there are no other nodes and nothing is followed.
   *
   * @return closes the feed
   */
  public AutoCloseable followChanges(Runnable onChange) {
    ChangeFeed feed =
        ChangeFeed.follow(
            raw,
            CHANNEL,
            event -> {
              apply(event);
              onChange.run();
            });
    return feed::close;
  }

  private void apply(List<String> event) {
    switch (event.getFirst()) {
      case "revoked" -> {
        if (event.size() == 3) {
          revokedIn(TrustDomain.parse(event.get(1))).add(new BigInteger(event.get(2), 16));
        }
      }
      case ChangeFeed.RESYNC -> reloadRevocations();
      default -> {
        // Entry changes need no state here; onChange makes the agent reread its entries.
      }
    }
  }

  /** Rereads revoked serials from the store, picking up revocations made by other processes. */
  public void reloadRevocations() {
    for (TrustDomain td : List.copyOf(revoked.keySet())) {
      Set<BigInteger> fresh = ConcurrentHashMap.newKeySet();
      fresh.addAll(store.revoked(td));
      revoked.put(td, fresh);
    }
  }

  private Set<BigInteger> revokedIn(TrustDomain td) {
    return revoked.computeIfAbsent(
        td,
        t -> {
          Set<BigInteger> set = ConcurrentHashMap.newKeySet();
          set.addAll(store.revoked(t));
          return set;
        });
  }

  /**
   * Stores a new registration entry and returns it with its id.
   *
   * @throws IllegalArgumentException when the entry is malformed or its trust domain is federated
   */
  public RegistrationEntry createEntry(
      SpiffeId spiffeId, List<Selector> selectors, Duration ttl, List<String> dnsNames) {
    if (existing(spiffeId.trustDomain()).isEmpty()) {
      refuseFederated(spiffeId.trustDomain());
    }
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    RegistrationEntry e =
        new RegistrationEntry(
            HexFormat.of().formatHex(b), spiffeId, selectors, ttl, dnsNames, clock.instant());
    store.insertEntry(e);
    ChangeFeed.publish(raw, CHANNEL, "entry-created", e.id());
    log.info("entry {} created for {}", e.id(), spiffeId);
    return e;
  }

  public List<RegistrationEntry> entries() {
    return store.entries();
  }

  /** Deletes an entry; returns false when there was none with that id. */
  public boolean deleteEntry(String id) {
    boolean deleted = store.deleteEntry(id);
    if (deleted) {
      ChangeFeed.publish(raw, CHANNEL, "entry-deleted", id);
      log.info("entry {} deleted", id);
    }
    return deleted;
  }
}
