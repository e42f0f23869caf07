package dev.vigil.sdk;

import static dev.vigil.sdk.AssertionRejectedException.Reason;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.httpkit.CompactJws;
import dev.vigil.httpkit.StrictJson;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;

/**
 * Verifies the identity assertion the Vigil gateway sends to an app ({@code X-Vigil-Assertion}): an
 * ES256 JWT whose audience is the route. The algorithm is fixed here and never taken from the token
 * (RFC 8725 section 3.1); the key is chosen by {@code kid} from the gateway's JWKS, or from fixed
 * keys. The issuer must be the one configured; {@code exp}, {@code iat} and {@code sub} are
 * required, {@code nbf} is checked when present, and the lifetime may not exceed {@link
 * #MAX_LIFETIME}, all against the injected clock with {@link #SKEW} of tolerance.
 *
 * <p>Keys read from the gateway's JWKS address follow its rotation and withdrawals: only the latest
 * set read is used, and it is read again once its {@code Cache-Control: max-age} has run out (held
 * between {@link #REFRESH_FLOOR} and {@link #MAX_FRESH}), or when an assertion names a key id it
 * does not hold, at most once per {@link #REFRESH_FLOOR} in all. When the set cannot be read, the
 * last one read is used until {@link #MAX_STALE} after that read; then every assertion is refused
 * with {@link AssertionRejectedException.Reason#KEYS_UNAVAILABLE} until a read succeeds.
 *
 * <p>Thread-safe.
 */
public final class AssertionVerifier {

  /** Clock difference tolerated between the gateway and the app. */
  public static final Duration SKEW = Duration.ofSeconds(30);

  /** The longest lifetime accepted; the gateway signs assertions for one minute. */
  public static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  /**
   * The least time between two reads of the JWKS, whatever asks for them (an unknown key id, an
   * expired set, a retry), and the least time a set is used. A key new to the app (a node that
   * joined or restarted) may be refused for this long; assertions naming invented key ids cost the
   * gateway no more than one read per this time.
   */
  public static final Duration REFRESH_FLOOR = Duration.ofSeconds(10);

  /**
   * The most time a set of keys is used before it is read again, whatever its {@code max-age} (the
   * gateway sends 30 s); also when the answer gives none. One assertion lifetime.
   */
  public static final Duration MAX_FRESH = Duration.ofSeconds(60);

  /**
   * How long after it was read a set stays in use while the JWKS cannot be read again: the longest
   * a gateway key stays published without a renewal (two 30 s renewals, the 60 s assertion lifetime
   * and 30 s of skew). Past that, a key of the set may have been withdrawn unseen.
   */
  public static final Duration MAX_STALE = Duration.ofSeconds(150);

  /** The header the gateway sends the assertion in. */
  public static final String HEADER = "X-Vigil-Assertion";

  /** The keys read from the gateway, or null for fixed keys. */
  private final GatewayJwks gatewayKeys;

  /** The fixed keys, or null for keys read from the gateway. */
  private final JWKSet fixedKeys;

  private final String issuer;
  private final InstantSource clock;

  private AssertionVerifier(
      GatewayJwks gatewayKeys, JWKSet fixedKeys, String issuer, InstantSource clock) {
    this.gatewayKeys = gatewayKeys;
    this.fixedKeys = fixedKeys;
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    if (issuer.isBlank()) {
      throw new IllegalArgumentException(
          "the issuer is blank: name the gateway's (vigil-gateway by default, vigil-sidecar for"
              + " a sidecar), or every assertion is refused");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Verifies against the keys served at {@code jwksUrl}, such as {@code
   * https://gateway.example/.well-known/vigil/jwks.json}; they are read on first use, then again as
   * the class documentation says.
   */
  public static AssertionVerifier fromJwksUrl(URI jwksUrl, String issuer, InstantSource clock) {
    Objects.requireNonNull(jwksUrl, "jwksUrl");
    String scheme = jwksUrl.getScheme() == null ? "" : jwksUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || jwksUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "the JWKS address \""
              + jwksUrl
              + "\" is not an absolute http:// or https:// URL, such as"
              + " https://gateway.example/.well-known/vigil/jwks.json");
    }
    GatewayJwks keys =
        new GatewayJwks(
            Objects.requireNonNull(jwksUrl, "jwksUrl"), Objects.requireNonNull(clock, "clock"));
    return new AssertionVerifier(keys, null, issuer, clock);
  }

  /**
   * Verifies against fixed keys, given as a JWKS document.
   *
   * @throws IllegalArgumentException when {@code jwks} is not a JWK set
   */
  public static AssertionVerifier fromKeys(String jwks, String issuer, InstantSource clock) {
    try {
      StrictJson.requireUniqueKeys("the keys", jwks);
      return new AssertionVerifier(null, JWKSet.parse(jwks), issuer, clock);
    } catch (ParseException e) {
      throw new IllegalArgumentException("the keys are not a JWK set: " + e.getMessage(), e);
    }
  }

  /**
   * Verifies an assertion for {@code route} and returns the caller.
   *
   * @throws AssertionRejectedException with the rule the assertion broke
   */
  public VerifiedCaller verify(String token, String route) throws AssertionRejectedException {
    if (token == null || token.isBlank()) {
      throw new AssertionRejectedException(Reason.MALFORMED, "no identity assertion was sent");
    }
    try {
      CompactJws.check("the identity assertion", token);
    } catch (CompactJws.CriticalHeader e) {
      throw new AssertionRejectedException(Reason.CRITICAL_HEADER, e.getMessage());
    } catch (StrictJson.Refused e) {
      throw new AssertionRejectedException(Reason.MALFORMED, e.getMessage());
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token.trim());
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new AssertionRejectedException(
          Reason.MALFORMED, "the identity assertion is not a signed JWT: " + e.getMessage());
    }
    checkSignature(jwt);
    return checkClaims(claims, route);
  }

  private void checkSignature(SignedJWT jwt) throws AssertionRejectedException {
    JWSHeader header = jwt.getHeader();
    if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
      throw new AssertionRejectedException(
          Reason.ALGORITHM,
          "the identity assertion is signed with "
              + header.getAlgorithm()
              + "; only ES256 is accepted");
    }
    String kid = header.getKeyID();
    if (kid == null || kid.isEmpty()) {
      throw new AssertionRejectedException(Reason.KEY_UNKNOWN, "the identity assertion has no kid");
    }
    ECKey key = key(kid);
    try {
      if (!jwt.verify(new ECDSAVerifier(key))) {
        throw new AssertionRejectedException(
            Reason.SIGNATURE, "the identity assertion's signature does not verify");
      }
    } catch (JOSEException e) {
      throw new AssertionRejectedException(
          Reason.SIGNATURE,
          "the identity assertion's signature cannot be checked: " + e.getMessage());
    }
  }

  private ECKey key(String kid) throws AssertionRejectedException {
    if (gatewayKeys != null) {
      return gatewayKeys.key(kid);
    }
    ECKey key = GatewayJwks.find(fixedKeys, kid);
    if (key == null) {
      throw new AssertionRejectedException(
          Reason.KEY_UNKNOWN, "no P-256 key with kid \"" + kid + "\" in the given keys");
    }
    return key;
  }

  private VerifiedCaller checkClaims(JWTClaimsSet c, String route)
      throws AssertionRejectedException {
    if (!issuer.equals(c.getIssuer())) {
      throw new AssertionRejectedException(
          Reason.ISSUER,
          "the identity assertion's issuer is \"" + c.getIssuer() + "\", not \"" + issuer + "\"");
    }
    if (c.getAudience() == null || !c.getAudience().contains(route)) {
      throw new AssertionRejectedException(
          Reason.AUDIENCE,
          "the identity assertion is for " + c.getAudience() + ", not route \"" + route + "\"");
    }
    if (c.getSubject() == null || c.getSubject().isEmpty()) {
      throw new AssertionRejectedException(Reason.SUBJECT, "the identity assertion has no sub");
    }
    Instant exp = instant(c.getExpirationTime(), "exp");
    Instant iat = instant(c.getIssueTime(), "iat");
    Instant now = clock.instant();
    if (!now.isBefore(exp.plus(SKEW))) {
      throw new AssertionRejectedException(Reason.TIME, "the identity assertion expired at " + exp);
    }
    if (iat.isAfter(now.plus(SKEW))) {
      throw new AssertionRejectedException(
          Reason.TIME, "the identity assertion is issued in the future, at " + iat);
    }
    if (c.getNotBeforeTime() != null && c.getNotBeforeTime().toInstant().isAfter(now.plus(SKEW))) {
      throw new AssertionRejectedException(
          Reason.TIME,
          "the identity assertion is not valid before " + c.getNotBeforeTime().toInstant());
    }
    if (Duration.between(iat, exp).compareTo(MAX_LIFETIME) > 0) {
      throw new AssertionRejectedException(
          Reason.TIME,
          "the identity assertion lives from "
              + iat
              + " to "
              + exp
              + ", longer than "
              + MAX_LIFETIME);
    }
    return new VerifiedCaller(c.getSubject(), route, iat, exp, c.getClaims());
  }

  private static Instant instant(Date d, String claim) throws AssertionRejectedException {
    if (d == null) {
      throw new AssertionRejectedException(Reason.TIME, "the identity assertion has no " + claim);
    }
    return d.toInstant();
  }
}
