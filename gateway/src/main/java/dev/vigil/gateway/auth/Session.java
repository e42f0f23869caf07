package dev.vigil.gateway.auth;

import java.util.List;
import java.util.Set;

/**
 * A signed-in person, as held in the encrypted session cookie (or, for one request, as read from a
 * verified bearer token).
 *
 * @param id random session id, new at every sign-in and step-up
 * @param userId who
 * @param email their e-mail address
 * @param roles their roles
 * @param groups their groups
 * @param amr how they authenticated (RFC 8176: {@code pwd}, {@code otp}, ...)
 * @param acr the authentication context class the provider reported, or "" when none
 * @param mfa true when a second factor was shown (from {@code amr}, or a configured {@code acr})
 * @param authTime when they authenticated, epoch seconds
 * @param provider the identity provider that signed them in: {@code local} or a provider's name
 * @param issuedAt when the session began, epoch seconds (absolute timeout)
 * @param lastSeen the last request, epoch seconds (idle timeout)
 * @param refreshToken the provider's refresh token, or null; it never leaves the sealed cookie
 * @param tokenExpiry when the provider's tokens expire, epoch seconds; 0 when they do not apply
 * @param credentials for a local user, the {@link LocalUser#credentials} fingerprint at sign-in (a
 *     session whose user has other credentials now is over); "" for a provider's session
 * @param confirmedAt when the gateway itself confirmed this authentication as fresh, epoch seconds
 *     on its clock: the callback of a step-up round, a TOTP step-up, a local sign-in; 0 when it
 *     never did (a plain provider sign-in, a session sealed before this was kept)
 * @param confirmedMaxAge the {@code max_age} that confirmation asked and found met, seconds: 0 for
 *     the gateway's own checks, which happen at {@code confirmedAt}; {@link StepUp#ANY_AGE} when
 *     none was asked or there was no confirmation. See {@link StepUp#metBy}.
 * @param endsAt when the session ends whatever its use, epoch seconds: {@code issuedAt} plus the
 *     absolute lifetime of the node that started it, fixed then and carried in the cookie, so that
 *     no node accepts the session after it, whatever its own lifetime (a sign-out is kept until
 *     then, see {@link SessionCodec#signOut})
 */
public record Session(
    String id,
    String userId,
    String email,
    List<String> roles,
    List<String> groups,
    List<String> amr,
    String acr,
    boolean mfa,
    long authTime,
    String provider,
    long issuedAt,
    long lastSeen,
    String refreshToken,
    long tokenExpiry,
    String credentials,
    long confirmedAt,
    long confirmedMaxAge,
    long endsAt) {

  /** The provider name of local users. */
  public static final String LOCAL = "local";

  /** {@code amr} values (RFC 8176) that show a second factor unless a provider says otherwise. */
  public static final Set<String> MFA_AMR = Set.of("mfa", "otp", "hwk", "sms", "swk");

  public Session {
    roles = List.copyOf(roles);
    groups = List.copyOf(groups);
    amr = List.copyOf(amr);
    acr = acr == null ? "" : acr;
    credentials = credentials == null ? "" : credentials;
  }

  /** A session the gateway never confirmed as fresh itself. */
  public Session(
      String id,
      String userId,
      String email,
      List<String> roles,
      List<String> groups,
      List<String> amr,
      String acr,
      boolean mfa,
      long authTime,
      String provider,
      long issuedAt,
      long lastSeen,
      String refreshToken,
      long tokenExpiry,
      String credentials,
      long endsAt) {
    this(
        id,
        userId,
        email,
        roles,
        groups,
        amr,
        acr,
        mfa,
        authTime,
        provider,
        issuedAt,
        lastSeen,
        refreshToken,
        tokenExpiry,
        credentials,
        0,
        StepUp.ANY_AGE,
        endsAt);
  }

  /**
   * Returns this session as confirmed fresh by the gateway at {@code at} (epoch seconds), for a
   * step-up that asked {@code maxAge} ({@link StepUp#ANY_AGE}: none).
   */
  public Session confirmed(long at, long maxAge) {
    return new Session(
        id,
        userId,
        email,
        roles,
        groups,
        amr,
        acr,
        mfa,
        authTime,
        provider,
        issuedAt,
        lastSeen,
        refreshToken,
        tokenExpiry,
        credentials,
        at,
        maxAge,
        endsAt);
  }

  Session touched(long now) {
    return new Session(
        id,
        userId,
        email,
        roles,
        groups,
        amr,
        acr,
        mfa,
        authTime,
        provider,
        issuedAt,
        now,
        refreshToken,
        tokenExpiry,
        credentials,
        confirmedAt,
        confirmedMaxAge,
        endsAt);
  }

  /** Returns this session with the provider's new tokens and, from a new ID token, its claims. */
  public Session refreshed(
      String email, List<String> roles, List<String> groups, String refresh, long expiry) {
    return new Session(
        id,
        userId,
        email,
        roles,
        groups,
        amr,
        acr,
        mfa,
        authTime,
        provider,
        issuedAt,
        lastSeen,
        refresh,
        expiry,
        credentials,
        confirmedAt,
        confirmedMaxAge,
        endsAt);
  }

  /** Returns this session without its refresh token (which did not fit in the cookie). */
  Session withoutRefreshToken() {
    return refreshed(email, roles, groups, null, tokenExpiry);
  }
}
