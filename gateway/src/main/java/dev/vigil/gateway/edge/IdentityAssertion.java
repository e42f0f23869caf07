package dev.vigil.gateway.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.store.AssertionKey;
import dev.vigil.store.AssertionKeys;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs the identity assertion the gateway sends upstream: a short-lived ES256 JWT whose audience
 * is the route, so that an app can verify who is calling without trusting the network. The public
 * keys are served at {@code /.well-known/vigil/jwks.json}.
 *
 * <p>Each instance makes its own key pair, whose private half never leaves memory. Made with {@link
 * #shared}, it serves, besides its own, every unexpired key of its issuer in the store ({@link
 * AssertionKeys}): the keys of the other nodes sharing the store, and of this node's previous run;
 * and once the node has started, {@link #publish} puts the public half of its own there. So an app
 * may fetch the JWKS from any node behind a load balancer, and still verifies an assertion signed
 * just before a restart.
 *
 * <p>A published key carries a bound ({@code notAfter}) past which no assertion it signed can be
 * valid: two renewal periods, the assertion lifetime and the verifier's clock skew after the last
 * renewal, which a background thread makes every {@link #RENEW_EVERY}; {@link #close} brings it
 * down to the end of the last assertions. The keys read from the store are kept for {@link
 * #KEYS_CACHE} and reread by the next JWKS request after that, never by a proxied request.
 *
 * <p>Thread-safe.
 */
public final class IdentityAssertion implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(IdentityAssertion.class);

  /** The header that carries the assertion upstream. */
  public static final String HEADER = "X-Vigil-Assertion";

  /** The address at which the gateway serves the public keys. */
  public static final String JWKS_PATH = "/.well-known/vigil/jwks.json";

  /**
   * How long an app may use the JWKS it read before reading it again ({@code Cache-Control:
   * max-age}). Half the assertion lifetime: a key withdrawn from the set (a stopped node's, 90 s
   * after it stopped) is refused by apps at most this much (and {@link #KEYS_CACHE}) later, while
   * an app reads the set twice a minute.
   */
  public static final Duration JWKS_MAX_AGE = Duration.ofSeconds(30);

  /** How often a published key's bound is pushed forward while the node runs. */
  public static final Duration RENEW_EVERY = Duration.ofSeconds(30);

  /** Two renewal periods: how long a published key may go without a renewal. */
  private static final Duration HOLD_RENEWALS = RENEW_EVERY.multipliedBy(2);

  /** How long the keys read from the store are served before a JWKS request rereads them. */
  public static final Duration KEYS_CACHE = Duration.ofSeconds(2);

  /**
   * How long past its {@code exp} an app's verifier may still take an assertion: the SDK's clock
   * skew. A key stays published that much longer than the assertions it signed.
   */
  static final Duration VERIFIER_SKEW = Duration.ofSeconds(30);

  private final ECKey key;
  private final String issuer;
  private final Duration lifetime;
  private final InstantSource clock;
  private final ECDSASigner signer;
  private final java.util.concurrent.ConcurrentHashMap<Key, Cached> cache =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The store's keys, or null when this instance serves its own key only. */
  private final AssertionKeys keys;

  /** The name of this node, recorded beside its key in the store; null without a store. */
  private final String node;

  /** The published key and the thread that renews it; null until {@link #publish}. */
  private volatile Publication publication;

  /** The last read of the published keys; null before the first. */
  private volatile KeysRead keysRead;

  /** Held while the published keys are read, so that concurrent JWKS requests read them once. */
  private final Object reading = new Object();

  /** The most assertions kept for reuse; the cache is emptied when it grows past this. */
  private static final int CACHE_LIMIT = 10_000;

  /** A signed token, kept as ASCII bytes so each request writes it as one copy. */
  private record Cached(AsciiString token, Instant reuseUntil) {}

  /**
   * What makes two assertions the same. A record rather than the three joined as text: looking it
   * up builds no string, once per request on the event loop.
   */
  private record Key(String subject, String audience, Map<String, Object> claims) {}

  /** The store's keys of this issuer, as public JWKs with their bounds, and when they were read. */
  private record KeysRead(List<Stored> keys, Instant at) {}

  private record Stored(JWK jwk, Instant notAfter) {}

  private record Publication(AssertionKey row, ScheduledExecutorService renewer) {}

  /** Makes a key served by this instance only, as the sidecar's, which serves no JWKS. */
  public IdentityAssertion(String issuer, Duration lifetime, InstantSource clock) {
    this(issuer, lifetime, clock, null, null);
  }

  private IdentityAssertion(
      String issuer, Duration lifetime, InstantSource clock, AssertionKeys keys, String node) {
    try {
      this.key =
          new ECKeyGenerator(Curve.P_256)
              .keyUse(KeyUse.SIGNATURE)
              .algorithm(JWSAlgorithm.ES256)
              .keyID(UUID.randomUUID().toString())
              .generate();
      this.signer = new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot create the assertion key: " + e.getMessage(), e);
    }
    this.issuer = issuer;
    this.lifetime = lifetime;
    this.clock = clock;
    this.keys = keys;
    this.node = node;
  }

  /**
   * Makes a key whose JWKS also serves the unexpired keys of {@code issuer} in {@code keys}; its
   * own key joins them with {@link #publish}.
   *
   * @param node the name of this node, recorded beside the key
   */
  public static IdentityAssertion shared(
      String issuer, Duration lifetime, InstantSource clock, AssertionKeys keys, String node) {
    return new IdentityAssertion(
        issuer,
        lifetime,
        clock,
        java.util.Objects.requireNonNull(keys, "keys"),
        java.util.Objects.requireNonNull(node, "node"));
  }

  /**
   * Publishes the public key in the store and renews its bound every {@link #RENEW_EVERY} until
   * {@link #close}. Call it once the node listens: a start that fails before leaves the store as it
   * was.
   *
   * @throws IllegalStateException when this instance was not made {@link #shared}, or is published
   * @throws dev.vigil.store.StoreException when the key cannot be published; nothing runs then
   */
  public synchronized void publish() {
    if (keys == null || publication != null) {
      throw new IllegalStateException(
          keys == null ? "no store to publish the assertion key in" : "published already");
    }
    Instant now = clock.instant();
    AssertionKey row =
        new AssertionKey(
            key.getKeyID(), issuer, node, key.toPublicJWK().toJSONString(), now, bound(now));
    keys.publish(row);
    ScheduledExecutorService renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-assertion-keys");
              t.setDaemon(true);
              return t;
            });
    publication = new Publication(row, renewer);
    renewer.scheduleWithFixedDelay(
        this::renewQuietly, RENEW_EVERY.toMillis(), RENEW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    log.info(
        "assertion key published: kid={} issuer={} node={} not_after={}",
        key.getKeyID(),
        issuer,
        node,
        row.notAfter());
  }

  /**
   * The time past which nothing signed before the next renewal is valid: one renewal may be missed
   * or late, then the last assertion lives its lifetime and the verifier's skew.
   */
  private Instant bound(Instant renewedAt) {
    return renewedAt.plus(HOLD_RENEWALS).plus(lifetime).plus(VERIFIER_SKEW);
  }

  /**
   * Pushes the published key's bound forward and deletes the keys, of any node, past theirs. Runs
   * every {@link #RENEW_EVERY} on its own thread.
   *
   * @throws dev.vigil.store.StoreException when the store cannot be written
   */
  private void renew() {
    Publication p = publication;
    if (p == null) {
      return; // closed meanwhile
    }
    Instant now = clock.instant();
    keys.publish(p.row().until(bound(now)));
    int pruned = keys.prune(now);
    if (pruned > 0) {
      log.info("expired assertion keys removed from the store: {}", pruned);
    }
  }

  private void renewQuietly() {
    try {
      renew();
    } catch (RuntimeException e) {
      // The thread must go on: a later renewal succeeds once the store is back. Until then the key
      // stays published up to its last bound, and this node serves it itself all along.
      log.warn("cannot renew assertion key {} in the store: {}", key.getKeyID(), e.getMessage());
    }
  }

  /**
   * Returns an assertion for the caller and route, reusing one signed less than half its lifetime
   * ago for the same subject, audience and claims. Signing (ECDSA) is the gateway's most costly
   * step per request; reuse keeps every assertion short-lived while sparing most signatures. The
   * decision id travels in its own header, so it is not part of the reused claims.
   */
  public CharSequence assertion(String subject, String audience, Map<String, Object> claims) {
    Key wanted = new Key(subject, audience, claims);
    Instant now = clock.instant();
    Cached c = cache.get(wanted);
    if (c != null && now.isBefore(c.reuseUntil())) {
      return c.token();
    }
    AsciiString token = new AsciiString(sign(subject, audience, claims));
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    // The caller's map may change after this call: the cache keeps a copy of it.
    Key kept = new Key(subject, audience, new java.util.TreeMap<>(claims));
    cache.put(kept, new Cached(token, now.plus(lifetime.dividedBy(2))));
    return token;
  }

  /**
   * Signs an assertion.
   *
   * @param subject who is calling (user id or SPIFFE ID)
   * @param audience the route name
   * @param claims further claims (email, roles, groups, decision_id)
   */
  public String sign(String subject, String audience, Map<String, Object> claims) {
    Instant now = clock.instant();
    JWTClaimsSet.Builder b =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject)
            .audience(List.of(audience))
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now.minusSeconds(5)))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString());
    claims.forEach(b::claim);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            b.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the identity assertion", e);
    }
    return jwt.serialize();
  }

  /**
   * Returns the public key set, as served at the well-known address: this instance's key and, when
   * published, the unexpired keys of its issuer in the store. May read the store (at most once per
   * {@link #KEYS_CACHE}), so call it off the event loop; when the store cannot be read, the keys of
   * the last read are served while they last.
   */
  public String jwks() {
    Instant now = clock.instant();
    List<JWK> out = new ArrayList<>();
    out.add(key.toPublicJWK());
    if (keys != null) {
      for (Stored s : storedKeys(now)) {
        if (now.isBefore(s.notAfter()) && !key.getKeyID().equals(s.jwk().getKeyID())) {
          out.add(s.jwk());
        }
      }
    }
    return new JWKSet(out).toString();
  }

  private List<Stored> storedKeys(Instant now) {
    KeysRead last = keysRead;
    if (fresh(last, now)) {
      return last.keys();
    }
    synchronized (reading) {
      last = keysRead;
      if (fresh(last, now)) {
        return last.keys();
      }
      try {
        List<Stored> read = new ArrayList<>();
        for (AssertionKey k : keys.current(issuer, now)) {
          JWK jwk = publicKey(k);
          if (jwk != null) {
            read.add(new Stored(jwk, k.notAfter()));
          }
        }
        keysRead = new KeysRead(List.copyOf(read), now);
        return keysRead.keys();
      } catch (RuntimeException e) {
        log.warn("cannot read the published assertion keys: {}", e.getMessage());
        return last == null ? List.of() : last.keys();
      }
    }
  }

  private static boolean fresh(KeysRead r, Instant now) {
    return r != null && !now.isBefore(r.at()) && now.isBefore(r.at().plus(KEYS_CACHE));
  }

  /**
   * Returns the stored key as a public P-256 JWK with its kid, or null (logged) when the row holds
   * something else: one bad row must not take the other keys out of the JWKS.
   */
  private static JWK publicKey(AssertionKey k) {
    try {
      JWK jwk = JWK.parse(k.publicJwk());
      if (jwk instanceof ECKey ec
          && Curve.P_256.equals(ec.getCurve())
          && k.kid().equals(ec.getKeyID())) {
        // Only the public half is ever served, whatever the row holds.
        return ec.toPublicJWK();
      }
      log.warn(
          "assertion key {} of node {} is not a P-256 key with its kid; left out",
          k.kid(),
          k.node());
    } catch (java.text.ParseException e) {
      log.warn("assertion key {} of node {} does not parse: {}", k.kid(), k.node(), e.getMessage());
    }
    return null;
  }

  /** Returns the key id this instance signs with. */
  public String keyId() {
    return key.getKeyID();
  }

  /**
   * Stops renewing a published key and brings its bound down to the end of the last assertions it
   * can have signed, so that the next run's JWKS still serves it until then and no longer. A key
   * that is not published has nothing to do; nor has a second call.
   */
  @Override
  public synchronized void close() {
    Publication p = publication;
    if (p == null) {
      return;
    }
    publication = null;
    p.renewer().shutdownNow();
    try {
      // A renewal under way would otherwise push the bound out again after it is shortened.
      p.renewer().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Instant end = clock.instant().plus(lifetime).plus(VERIFIER_SKEW);
    try {
      keys.publish(p.row().until(end));
    } catch (RuntimeException e) {
      log.warn(
          "cannot shorten assertion key {} in the store; it stays until its last bound: {}",
          key.getKeyID(),
          e.getMessage());
    }
  }

  public String issuer() {
    return issuer;
  }
}
