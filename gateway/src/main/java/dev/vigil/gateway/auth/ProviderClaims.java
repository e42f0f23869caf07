package dev.vigil.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.List;

/**
 * Reads a person from a provider's checked token: {@code sub}, {@code email}, {@code roles}, {@code
 * groups}, and how they authenticated ({@code amr}, {@code acr}, {@code auth_time}), with the
 * second factor decided by the provider's configured {@code mfa_amr} and {@code mfa_acr}.
 */
final class ProviderClaims {

  private ProviderClaims() {}

  static Session session(
      JWTClaimsSet c, OidcLogin.Config config, SessionCodec sessions, String refresh, long expiry) {
    List<String> amr = strings(c, "amr");
    if (amr.isEmpty()) {
      // The provider said nothing of how: the session still says where the person came from.
      amr = List.of("oidc");
    }
    String acr = str(c, "acr") == null ? "" : str(c, "acr");
    boolean mfa = amr.stream().anyMatch(config.mfaAmr()::contains) || config.mfaAcr().contains(acr);
    long authTime = authTime(c);
    String email = str(c, "email");
    LocalUser u =
        new LocalUser(
            c.getSubject(),
            email == null ? "" : email,
            strings(c, "roles"),
            strings(c, "groups"),
            "",
            null);
    return sessions.start(u, amr, acr, mfa, authTime, config.name(), refresh, expiry);
  }

  /** The {@code auth_time} of a person whose provider did not say when they authenticated. */
  static final long UNKNOWN_AUTH_TIME = 0;

  /**
   * Returns when the person authenticated: {@code auth_time} ({@link TokenCheck} has made sure it
   * is a number), else {@link #UNKNOWN_AUTH_TIME}, which no {@code max_age} and no policy measuring
   * an age takes for recent. A token's issue time is no stand-in: a provider issues ID tokens from
   * a session it authenticated hours before, and access tokens at each refresh, so {@code iat}
   * would make an old authentication look fresh (OpenID Connect Core 2, RFC 9470 section 3).
   */
  static long authTime(JWTClaimsSet c) {
    if (c.getClaim("auth_time") instanceof Number n) {
      return n.longValue();
    }
    return UNKNOWN_AUTH_TIME;
  }

  static String str(JWTClaimsSet c, String name) {
    Object v = c.getClaim(name);
    return v instanceof String s ? s : null;
  }

  /** Returns a claim that is a list (or one string) as strings; anything else as none. */
  static List<String> strings(JWTClaimsSet c, String name) {
    Object v = c.getClaim(name);
    if (v instanceof List<?> l) {
      return l.stream().map(String::valueOf).toList();
    }
    return v instanceof String s ? List.of(s) : List.of();
  }
}
