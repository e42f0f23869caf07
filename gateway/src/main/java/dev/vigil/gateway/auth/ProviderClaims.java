package dev.vigil.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.InstantSource;
import java.util.List;

/**
 * Reads a person from a provider's checked token: {@code sub}, {@code email}, {@code roles}, {@code
 * groups}, and how they authenticated ({@code amr}, {@code acr}, {@code auth_time}), with the
 * second factor decided by the provider's configured {@code mfa_amr} and {@code mfa_acr}.
 */
final class ProviderClaims {

  private ProviderClaims() {}

  static Session session(
      JWTClaimsSet c,
      OidcLogin.Config config,
      SessionCodec sessions,
      InstantSource clock,
      String refresh,
      long expiry) {
    List<String> amr = strings(c, "amr");
    if (amr.isEmpty()) {
      // The provider said nothing of how: the session still says where the person came from.
      amr = List.of("oidc");
    }
    String acr = str(c, "acr") == null ? "" : str(c, "acr");
    boolean mfa = amr.stream().anyMatch(config.mfaAmr()::contains) || config.mfaAcr().contains(acr);
    long authTime = authTime(c, clock);
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

  /**
   * Returns when the person authenticated: {@code auth_time} ({@link TokenCheck} has made sure it
   * is a number), else the token's issue time, else now. A token says nothing newer than its issue:
   * without it, a bearer token would read as a sign-in at every request it is sent with.
   */
  static long authTime(JWTClaimsSet c, InstantSource clock) {
    if (c.getClaim("auth_time") instanceof Number n) {
      return n.longValue();
    }
    if (c.getIssueTime() != null) {
      return c.getIssueTime().toInstant().getEpochSecond();
    }
    return clock.instant().getEpochSecond();
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
