package dev.vigil.gateway.auth;

/**
 * The password checks of one node: sign-ins, password confirmations and TOTP step-ups, each an
 * Argon2id hash that costs tens of milliseconds of one core and 19 MiB by design, or a one-time
 * code recorded in the store, run as {@link BoundedWork} with {@link Limits#defaults()} or limits
 * of its own.
 *
 * <p>A sign-in at an account and address that are not locked costs one hash whatever the name (a
 * name that is no one's costs the same, so that the time of the answer does not tell whether it is
 * a user's). A check refused as {@link Busy} is refused before anything of it is looked at: the
 * refusal is the same for every name and password, and counts as no failed attempt.
 *
 * <p>Thread-safe, as {@link BoundedWork}.
 */
public final class PasswordChecks extends BoundedWork {

  public PasswordChecks(Limits limits) {
    super("vigil-password-check", "sign-ins being checked", limits);
  }

  /** Checks with {@link Limits#defaults()}. */
  public static PasswordChecks withDefaults() {
    return new PasswordChecks(Limits.defaults());
  }
}
