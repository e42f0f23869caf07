package dev.vigil.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.vigil.httpkit.CompactJws;
import java.text.ParseException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;

/**
 * Checks one JWT from a provider: a JWS (never {@code alg: none}, whatever its spelling) whose
 * header and claims name no key twice in one object, no critical header extension, a signature by a
 * key of the provider's JWKS under one of the configured algorithms, then issuer, audience, expiry,
 * not-before and issue time against the injected clock with a small skew. Used for ID tokens at
 * sign-in and for bearer tokens on every request. Thread-safe.
 */
final class TokenCheck {

  /** Why a token was refused; the message is for logs, never for the client. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Tokens longer than this are refused before parsing. */
  static final int MAX_LENGTH = 16 * 1024;

  private static final Duration SKEW = Duration.ofSeconds(60);

  private final OidcDiscovery provider;
  private final InstantSource clock;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  TokenCheck(OidcDiscovery provider, InstantSource clock) {
    this.provider = provider;
    this.clock = clock;
    processor.setJWSKeySelector(provider.keySelector());
    processor.setJWSTypeVerifier(
        new DefaultJOSEObjectTypeVerifier<>(
            JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
    // Claims are checked below, against the injected clock.
    processor.setJWTClaimsSetVerifier(null);
  }

  /**
   * Returns the claims of a token signed by the provider for one of {@code audiences}.
   *
   * @throws Refused naming what was wrong
   */
  JWTClaimsSet check(String token, String issuer, List<String> audiences) throws Refused {
    if (token == null || token.isEmpty() || token.length() > MAX_LENGTH) {
      throw new Refused("token missing or longer than " + MAX_LENGTH + " characters");
    }
    try {
      // Nimbus takes the last of a repeated nested claim and reports a repeated top-level one
      // only as "Invalid JSON object"; a repeat is refused here, naming it.
      CompactJws.check("token", token);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new Refused("not a signed JWT: " + e.getMessage());
    }
    header(jwt.getHeader());
    JWTClaimsSet claims;
    try {
      claims = processor.process(jwt, null);
    } catch (BadJOSEException | JOSEException e) {
      throw new Refused(e.getMessage());
    }
    claims(claims, issuer, audiences);
    return claims;
  }

  private static void header(JWSHeader h) throws Refused {
    if (h.getAlgorithm() == null || h.getAlgorithm().getName().equalsIgnoreCase("none")) {
      throw new Refused("unsigned token (alg " + h.getAlgorithm() + ")");
    }
    if (h.getCriticalParams() != null && !h.getCriticalParams().isEmpty()) {
      throw new Refused("critical header extension not understood: " + h.getCriticalParams());
    }
  }

  private void claims(JWTClaimsSet c, String issuer, List<String> audiences) throws Refused {
    Date now = Date.from(clock.instant());
    long skew = SKEW.toMillis();
    if (!issuer.equals(c.getIssuer())) {
      throw new Refused("issuer \"" + c.getIssuer() + "\" is not \"" + issuer + "\"");
    }
    if (c.getAudience() == null || c.getAudience().stream().noneMatch(audiences::contains)) {
      throw new Refused("audience " + c.getAudience() + " is not one of " + audiences);
    }
    if (c.getSubject() == null || c.getSubject().isEmpty()) {
      throw new Refused("no subject");
    }
    if (c.getExpirationTime() == null) {
      throw new Refused("no expiry time (exp)");
    }
    if (c.getExpirationTime().getTime() + skew <= now.getTime()) {
      throw new Refused("expired at " + c.getExpirationTime().toInstant());
    }
    if (c.getNotBeforeTime() != null && c.getNotBeforeTime().getTime() - skew > now.getTime()) {
      throw new Refused("not valid before " + c.getNotBeforeTime());
    }
    if (c.getIssueTime() != null && c.getIssueTime().getTime() - skew > now.getTime()) {
      throw new Refused("issued in the future, at " + c.getIssueTime());
    }
    authTime(c.getClaim("auth_time"), now.getTime() / 1000, SKEW.toSeconds());
  }

  /**
   * OpenID Connect Core 2: {@code auth_time} is a JSON number of seconds. Anything else, or a time
   * to come, is refused: it would read as a sign-in of now, or as one that stays recent for ever,
   * and a step-up or a policy asking for a recent sign-in would take it.
   */
  private static void authTime(Object at, long nowS, long skewS) throws Refused {
    if (at == null) {
      return;
    }
    if (!(at instanceof Number n) || Double.isNaN(n.doubleValue())) {
      throw new Refused("auth_time " + quoted(at) + " is not a number of seconds");
    }
    if (n.doubleValue() - skewS > nowS) {
      throw new Refused("authenticated in the future, auth_time " + n);
    }
  }

  private static String quoted(Object v) {
    String text = v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
