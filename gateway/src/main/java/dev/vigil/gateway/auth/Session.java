package dev.vigil.gateway.auth;

import java.util.List;

/**
 * A signed-in person, as held in the encrypted session cookie.
 *
 * @param id random session id, new at every sign-in
 * @param userId who
 * @param email their e-mail address
 * @param roles their roles
 * @param groups their groups
 * @param amr how they authenticated (RFC 8176: {@code pwd}, {@code otp}, ...)
 * @param authTime when they authenticated, epoch seconds
 * @param issuedAt when the session began, epoch seconds (absolute timeout)
 * @param lastSeen the last request, epoch seconds (idle timeout)
 */
public record Session(
    String id,
    String userId,
    String email,
    List<String> roles,
    List<String> groups,
    List<String> amr,
    long authTime,
    long issuedAt,
    long lastSeen) {

  /** Returns true when a second factor was used. */
  public boolean mfa() {
    return amr.contains("otp") || amr.contains("mfa") || amr.contains("hwk");
  }

  Session touched(long now) {
    return new Session(id, userId, email, roles, groups, amr, authTime, issuedAt, now);
  }
}
