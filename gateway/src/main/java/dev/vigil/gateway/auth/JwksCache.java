package dev.vigil.gateway.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of one identity provider, from its JWKS document, following key rotation.
 *
 * <p>Keys are fetched on first use and again when a token names a key that is not in the set (the
 * provider has rotated), but at most once per {@code minInterval}: a flood of tokens with invented
 * key ids costs the provider one request per interval, not one per token. The set is also fetched
 * again after {@code maxAge}, so a key the provider withdrew stops being accepted. A failed fetch
 * keeps the keys already known. Keys come only from the configured JWKS address, never from a
 * token's {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} header. Thread-safe.
 */
public final class JwksCache implements JWKSource<SecurityContext> {

  private static final Logger log = LoggerFactory.getLogger(JwksCache.class);

  private final ProviderHttp http;
  private final Supplier<URI> location;
  private final Duration minInterval;
  private final Duration maxAge;
  private final InstantSource clock;
  private volatile JWKSet keys = new JWKSet();
  private volatile long fetchedAt;
  private volatile boolean fetched;
  private volatile int fetches;

  /**
   * @param location where the JWKS document is (read at each fetch: discovery may move it)
   * @param minInterval the least time between two fetches
   * @param maxAge how long a fetched set is used before it is fetched again
   */
  public JwksCache(
      Supplier<URI> location, Duration minInterval, Duration maxAge, InstantSource clock) {
    this(location, minInterval, maxAge, clock, new ProviderHttp(ProviderHttp.DEADLINE));
  }

  /** As above, the document read through {@code http} (one deadline for the whole read). */
  JwksCache(
      Supplier<URI> location,
      Duration minInterval,
      Duration maxAge,
      InstantSource clock,
      ProviderHttp http) {
    this.http = http;
    this.location = location;
    this.minInterval = minInterval;
    this.maxAge = maxAge;
    this.clock = clock;
  }

  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    long now = clock.millis();
    if (!fetched || now - fetchedAt >= maxAge.toMillis()) {
      fetch(now);
    }
    List<JWK> found = selector.select(keys);
    if (found.isEmpty() && now - fetchedAt >= minInterval.toMillis()) {
      fetch(now);
      found = selector.select(keys);
    }
    return found;
  }

  /** Returns how many times the document was fetched (for tests and metrics). */
  public int fetches() {
    return fetches;
  }

  private synchronized void fetch(long now) {
    if (fetched && now - fetchedAt < minInterval.toMillis()) {
      return;
    }
    fetched = true;
    fetchedAt = now;
    fetches++;
    try {
      JWKSet loaded = JWKSet.parse(http.get(location.get()));
      // Only public keys: a private part published by mistake is never used.
      keys = loaded.toPublicJWKSet();
    } catch (IOException | ParseException | RuntimeException e) {
      log.warn("JWKS at {} unreadable, known keys kept: {}", location.get(), e.getMessage());
    }
  }
}
