package dev.vigil.httpkit;

/** The token of HTTP's grammar (RFC 9110 §5.6.2): what a field name or a method must be. */
public final class HttpTokens {

  private HttpTokens() {}

  /** Tells whether {@code s} is a token: one or more tchar, nothing else. */
  public static boolean isToken(CharSequence s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isTchar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Tells whether {@code c} may stand in a token: a letter, a digit, or one of !#$%&'*+-.^_`|~. */
  public static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
