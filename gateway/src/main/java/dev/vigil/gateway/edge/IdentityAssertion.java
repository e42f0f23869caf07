package dev.vigil.gateway.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Signs the identity assertion the gateway sends upstream: a short-lived ES256 JWT whose audience
 * is the route, so that an app can verify who is calling without trusting the network. The public
 * keys are served at {@code /.well-known/vigil/jwks.json}. Thread-safe.
 */
public final class IdentityAssertion {

  /** The header that carries the assertion upstream. */
  public static final String HEADER = "X-Vigil-Assertion";

  private final ECKey key;
  private final String issuer;
  private final Duration lifetime;
  private final InstantSource clock;
  private final ECDSASigner signer;
  private final java.util.concurrent.ConcurrentHashMap<Key, Cached> cache =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The most assertions kept for reuse; the cache is emptied when it grows past this. */
  private static final int CACHE_LIMIT = 10_000;

  /** A signed token, kept as ASCII bytes so each request writes it as one copy. */
  private record Cached(AsciiString token, Instant reuseUntil) {}

  /**
   * What makes two assertions the same. A record rather than the three joined as text: looking it
   * up builds no string, once per request on the event loop.
   */
  private record Key(String subject, String audience, Map<String, Object> claims) {}

  public IdentityAssertion(String issuer, Duration lifetime, InstantSource clock) {
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

  /** Returns the public key set, as served at the well-known address. */
  public String jwks() {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  public String issuer() {
    return issuer;
  }
}
