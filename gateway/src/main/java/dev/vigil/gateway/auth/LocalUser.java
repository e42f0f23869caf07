package dev.vigil.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A person who signs in with a password (and a TOTP code when {@code totpSecret} is set).
 *
 * @param username what they type to sign in
 * @param email their e-mail address
 * @param roles their roles; the first is the primary role policies see as {@code input.user.role}
 * @param groups their groups
 * @param passwordHash an Argon2id hash from {@link PasswordHash#hash}
 * @param totpSecret base32 TOTP secret, or null when the user has no second factor
 */
public record LocalUser(
    String username,
    String email,
    List<String> roles,
    List<String> groups,
    String passwordHash,
    String totpSecret) {

  public LocalUser {
    roles = List.copyOf(roles);
    groups = List.copyOf(groups);
  }

  /**
   * Returns a short fingerprint of the password hash and the TOTP secret, kept in a session at
   * sign-in so that a session ends once either changes; "" for a person whose password is not kept
   * here (a provider's). It cannot give either back: 12 bytes of a SHA-256 over an Argon2id hash
   * with its own salt and a random secret.
   */
  public String credentials() {
    if (passwordHash == null || passwordHash.isEmpty()) {
      return "";
    }
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (passwordHash + "\n" + (totpSecret == null ? "" : totpSecret))
                      .getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(d, 12));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
