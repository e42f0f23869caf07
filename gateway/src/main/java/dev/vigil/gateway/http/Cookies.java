package dev.vigil.gateway.http;

/** Reads cookies from a request's {@code Cookie} header (RFC 6265 section 4.2). */
public final class Cookies {

  private Cookies() {}

  /** Returns the value of the cookie named exactly {@code name}, unquoted; null when absent. */
  public static String value(String cookieHeader, String name) {
    if (cookieHeader == null) {
      return null;
    }
    for (String part : cookieHeader.split(";")) {
      String p = part.trim();
      if (p.startsWith(name + "=")) {
        String v = p.substring(name.length() + 1);
        // RFC 6265 section 4.1.1 allows the value in double quotes.
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        return v;
      }
    }
    return null;
  }
}
