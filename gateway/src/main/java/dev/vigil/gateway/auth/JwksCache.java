package dev.vigil.gateway.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.vigil.httpkit.CacheFreshness;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of one identity provider, from its JWKS document, following key rotation and
 * withdrawal.
 *
 * <p>A token is checked only against the keys of the latest set read from the provider. That set is
 * used for as long as the provider's {@code Cache-Control: max-age} allows (less the answer's
 * {@code Age}), held between {@link #MIN_FRESH} and {@link #MAX_FRESH}, {@link #MAX_FRESH} when the
 * provider says nothing, and is then read again: a key the provider withdrew is refused at most
 * {@link #MAX_FRESH} later. While such a read is under way, other callers go on with the set they
 * have; only a caller with no usable set waits for it. A token that names a key id not in the set
 * (the provider rotated) has the set read again at once, but at most once per {@code minInterval}:
 * a flood of tokens with invented key ids costs the provider one request per interval, not one per
 * token.
 *
 * <p>Fail closed when the provider cannot be read: the set read last stays in use until {@link
 * #MAX_STALE} after that read (a restart or a short outage of the provider does not refuse every
 * API client), reads being tried again at most once per {@code minInterval}; past that no key is
 * handed out, so every token of the provider is refused, until a read succeeds. Before the first
 * successful read there are no keys at all. Without keys {@link #get} throws a {@link
 * KeySourceException} that says why, which the token's refusal carries into the log.
 *
 * <p>Keys come only from the configured JWKS address, never from a token's {@code jku}, {@code
 * x5u}, {@code jwk} or {@code x5c} header, and only their public parts are kept. Thread-safe.
 */
public final class JwksCache implements JWKSource<SecurityContext> {

  private static final Logger log = LoggerFactory.getLogger(JwksCache.class);

  /** The least time a set is used before it is read again, whatever the provider says. */
  public static final Duration MIN_FRESH = Duration.ofMinutes(1);

  /** The most time a set is used before it is read again; also when the provider says nothing. */
  public static final Duration MAX_FRESH = Duration.ofMinutes(5);

  /** How long after it was read a set stays in use while the provider cannot be read again. */
  public static final Duration MAX_STALE = Duration.ofMinutes(15);

  /** A set read from the provider, when, and until when it is used without reading it again. */
  private record Read(JWKSet keys, long at, long freshUntil) {}

  private final ProviderHttp http;
  private final Supplier<URI> location;
  private final Duration minInterval;
  private final InstantSource clock;
  private final ReentrantLock reading = new ReentrantLock();

  /** The latest set read, or null before the first successful read. */
  private volatile Read last;

  private volatile boolean tried;
  private volatile long triedAt;

  /** Why the latest attempt failed, or null when it succeeded. */
  private volatile String failure;

  private volatile int fetches;

  /**
   * @param location where the JWKS document is (read at each fetch: discovery may move it)
   * @param minInterval the least time between two reads for tokens naming unknown keys, and between
   *     two tries of a provider whose last read failed
   */
  public JwksCache(Supplier<URI> location, Duration minInterval, InstantSource clock) {
    this(location, minInterval, clock, new ProviderHttp(ProviderHttp.DEADLINE));
  }

  /** As above, the document read through {@code http} (one deadline for the whole read). */
  JwksCache(Supplier<URI> location, Duration minInterval, InstantSource clock, ProviderHttp http) {
    this.http = http;
    this.location = location;
    this.minInterval = minInterval;
    this.clock = clock;
  }

  /**
   * Returns the keys of the latest set that {@code selector} picks.
   *
   * @throws KeySourceException when there is no usable set: never read, or read last more than
   *     {@link #MAX_STALE} ago; the message says since when and why
   */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
    long now = clock.millis();
    Read r = last;
    if (r == null || now >= r.freshUntil()) {
      readIfDue(now, !usable(r, now));
      r = last;
    }
    if (!usable(r, now)) {
      throw new KeySourceException(unusable(r));
    }
    List<JWK> found = selector.select(r.keys());
    if (found.isEmpty() && now - triedAt >= minInterval.toMillis()) {
      // A key id not in the set: the provider may have rotated since.
      reading.lock();
      try {
        if (now - triedAt >= minInterval.toMillis()) {
          fetch(now);
        }
      } finally {
        reading.unlock();
      }
      r = last;
      found = usable(r, now) ? selector.select(r.keys()) : List.of();
    }
    return found;
  }

  /** Returns how many times the document was fetched (for tests and metrics). */
  public int fetches() {
    return fetches;
  }

  private static boolean usable(Read r, long now) {
    return r != null && now - r.at() < MAX_STALE.toMillis();
  }

  /**
   * Reads the set again when it is due, and a failed read is not too recent; waits for a read
   * already under way only when {@code wait} (the caller has no usable set).
   */
  private void readIfDue(long now, boolean wait) {
    if (wait) {
      reading.lock();
    } else if (!reading.tryLock()) {
      return;
    }
    try {
      Read r = last;
      boolean due = r == null || now >= r.freshUntil();
      boolean mayTry = !tried || failure == null || now - triedAt >= minInterval.toMillis();
      if (due && mayTry) {
        fetch(now);
      }
    } finally {
      reading.unlock();
    }
  }

  /** Reads the document; called with {@link #reading} held. */
  private void fetch(long now) {
    tried = true;
    triedAt = now;
    fetches++;
    URI at = location.get();
    try {
      ProviderHttp.Answer a = http.read(at);
      // Only public keys: a private part published by mistake is never used.
      JWKSet keys = JWKSet.parse(a.body()).toPublicJWKSet();
      Duration fresh =
          freshness(a.headers().allValues("Cache-Control"), a.headers().firstValue("Age"));
      Read before = last;
      last = new Read(keys, now, now + fresh.toMillis());
      failure = null;
      logChange(at, before, keys, fresh);
    } catch (IOException | ParseException | RuntimeException e) {
      failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      Read kept = last;
      log.warn(
          "JWKS at {} unreadable, {}: {}",
          at,
          kept == null
              ? "no keys known"
              : "keys read at "
                  + Instant.ofEpochMilli(kept.at())
                  + " kept until "
                  + Instant.ofEpochMilli(kept.at() + MAX_STALE.toMillis()),
          failure);
    }
  }

  private String unusable(Read r) {
    String why = failure == null ? "" : ": " + failure;
    URI at = location.get();
    if (r == null) {
      return "the keys at " + at + " could not be read" + why;
    }
    return "the keys at "
        + at
        + " were read last at "
        + Instant.ofEpochMilli(r.at())
        + ", more than "
        + MAX_STALE.toMinutes()
        + " min ago"
        + why;
  }

  private static void logChange(URI at, Read before, JWKSet keys, Duration fresh) {
    Set<String> now = kids(keys);
    if (before == null) {
      log.info("JWKS at {} read: key ids {}, read again in {} s", at, now, fresh.toSeconds());
      return;
    }
    Set<String> was = kids(before.keys());
    if (!was.equals(now)) {
      Set<String> added = new TreeSet<>(now);
      added.removeAll(was);
      Set<String> removed = new TreeSet<>(was);
      removed.removeAll(now);
      log.info("JWKS at {} changed: key ids added {}, withdrawn {}", at, added, removed);
    }
  }

  private static Set<String> kids(JWKSet keys) {
    Set<String> out = new TreeSet<>();
    for (JWK k : keys.getKeys()) {
      out.add(k.getKeyID() == null ? "(no kid)" : k.getKeyID());
    }
    return out;
  }

  /**
   * Returns how long a set read with these headers is used: {@code max-age} (RFC 9111 section
   * 5.2.2.1; the least one when several are given) less {@code Age} (section 5.1), {@link
   * #MIN_FRESH} for {@code no-store} or {@code no-cache}, {@link #MAX_FRESH} when neither is given
   * or none can be read; always between {@link #MIN_FRESH} and {@link #MAX_FRESH}.
   *
   * <p>The SDK's {@code GatewayJwks} reads the same directives ({@link CacheFreshness}) with its
   * own bounds.
   */
  static Duration freshness(List<String> cacheControl, Optional<String> age) {
    return CacheFreshness.of(cacheControl, age, MIN_FRESH, MAX_FRESH);
  }
}
