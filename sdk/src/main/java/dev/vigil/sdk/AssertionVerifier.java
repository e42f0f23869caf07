package dev.vigil.sdk;

import static dev.vigil.sdk.AssertionRejectedException.Reason;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.Objects;

/**
 * Verifies the identity assertion the Vigil gateway sends to an app ({@code X-Vigil-Assertion}): an
 * ES256 JWT whose audience is the route. The algorithm is fixed here and never taken from the token
 * (RFC 8725 section 3.1); the key is chosen by {@code kid} from the gateway's JWKS, fetched from
 * its URL (again at most every {@link #REFRESH_FLOOR} when an unknown key id appears, so that a
 * rotated key is picked up without a restart) or given as fixed keys. The issuer must be the one
 * configured; {@code exp}, {@code iat} and {@code sub} are required, {@code nbf} is checked when
 * present, and the lifetime may not exceed {@link #MAX_LIFETIME}, all against the injected clock
 * with {@link #SKEW} of tolerance.
 *
 * <p>Thread-safe.
 */
public final class AssertionVerifier {

  /** Clock difference tolerated between the gateway and the app. */
  public static final Duration SKEW = Duration.ofSeconds(30);

  /** The longest lifetime accepted; the gateway signs assertions for one minute. */
  public static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  /** The shortest time between two fetches of the JWKS. */
  public static final Duration REFRESH_FLOOR = Duration.ofSeconds(30);

  /** The header the gateway sends the assertion in. */
  public static final String HEADER = "X-Vigil-Assertion";

  private final URI jwksUrl;
  private final String issuer;
  private final InstantSource clock;
  private final HttpClient http;
  private volatile JWKSet keys;
  private volatile Instant fetchedAt;

  private AssertionVerifier(URI jwksUrl, JWKSet keys, String issuer, InstantSource clock) {
    this.jwksUrl = jwksUrl;
    this.keys = keys;
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http =
        jwksUrl == null ? null : HttpClient.newBuilder().connectTimeout(SKEW.dividedBy(6)).build();
  }

  /**
   * Verifies against the keys served at {@code jwksUrl}, such as {@code
   * https://gateway.example/.well-known/vigil/jwks.json}; they are fetched on first use.
   */
  public static AssertionVerifier fromJwksUrl(URI jwksUrl, String issuer, InstantSource clock) {
    return new AssertionVerifier(Objects.requireNonNull(jwksUrl, "jwksUrl"), null, issuer, clock);
  }

  /**
   * Verifies against fixed keys, given as a JWKS document.
   *
   * @throws IllegalArgumentException when {@code jwks} is not a JWK set
   */
  public static AssertionVerifier fromKeys(String jwks, String issuer, InstantSource clock) {
    try {
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
    ECKey key = find(keys, kid);
    if (key == null && jwksUrl != null && mayFetch()) {
      keys = fetch();
      key = find(keys, kid);
    }
    if (key == null) {
      throw new AssertionRejectedException(
          Reason.KEY_UNKNOWN, "no P-256 key with kid \"" + kid + "\" in the gateway's JWKS");
    }
    return key;
  }

  private static ECKey find(JWKSet set, String kid) {
    JWK jwk = set == null ? null : set.getKeyByKeyId(kid);
    if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) && !ec.isPrivate()) {
      return ec;
    }
    return null;
  }

  private synchronized boolean mayFetch() {
    Instant now = clock.instant();
    if (fetchedAt != null && now.isBefore(fetchedAt.plus(REFRESH_FLOOR)) && keys != null) {
      return false;
    }
    fetchedAt = now;
    return true;
  }

  private JWKSet fetch() throws AssertionRejectedException {
    try {
      HttpResponse<String> resp =
          http.send(
              HttpRequest.newBuilder(jwksUrl).timeout(SKEW.dividedBy(3)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        throw new AssertionRejectedException(
            Reason.KEYS_UNAVAILABLE, "JWKS " + jwksUrl + " answered " + resp.statusCode());
      }
      return JWKSet.parse(resp.body());
    } catch (IOException | ParseException e) {
      throw new AssertionRejectedException(
          Reason.KEYS_UNAVAILABLE, "cannot read the JWKS at " + jwksUrl + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionRejectedException(
          Reason.KEYS_UNAVAILABLE, "interrupted while fetching " + jwksUrl);
    }
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
