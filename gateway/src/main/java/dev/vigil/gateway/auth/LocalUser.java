package dev.vigil.gateway.auth;

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
}
