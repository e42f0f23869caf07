package dev.vigil.gateway.auth;

/**
 * What a password chosen for Vigil must be, wherever one is chosen (the console's password page,
 * {@code vigil hash-password}): not blank, and made of at least {@value #MIN_DISTINCT} different
 * characters, so that twelve spaces or {@code aaaaaaaaaaaa} are refused. Length is the caller's
 * rule. Characters are Unicode code points.
 */
public final class PasswordRules {

  /** Fewest different characters a password may have. */
  public static final int MIN_DISTINCT = 6;

  private PasswordRules() {}

  /**
   * Returns what is wrong with a new password, as the end of a sentence that names it ("must not be
   * blank"), or null when nothing is.
   */
  public static String problem(String password) {
    if (password == null || password.codePoints().allMatch(PasswordRules::invisible)) {
      return "must not be blank or only spaces";
    }
    long distinct = password.codePoints().distinct().count();
    if (distinct < MIN_DISTINCT) {
      return "must have at least " + MIN_DISTINCT + " different characters, not " + distinct;
    }
    return null;
  }

  /** Spaces of any kind, line breaks, control and zero-width characters. */
  private static boolean invisible(int c) {
    return Character.isWhitespace(c)
        || Character.isSpaceChar(c)
        || Character.isISOControl(c)
        || Character.getType(c) == Character.FORMAT;
  }
}
