package dev.vigil.gateway.http;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads cookies from a request's {@code Cookie} headers (RFC 6265 section 4.2). */
public final class Cookies {

  private Cookies() {}

  /**
   * Returns the value of the cookie named exactly {@code name}, unquoted, from every {@code Cookie}
   * header of the request (HTTP/2 lets a client split its cookies over several, RFC 9113 section
   * 8.2.3); null when it is absent.
   *
   * <p>Also null when the name comes more than once with different values. A browser sends every
   * cookie whose path and domain match, so a second cookie of the same name, set by a page's script
   * for a deeper path, by a sibling domain, or as a nameless cookie whose value reads {@code
   * name=...}, comes beside the gateway's own, and which of them the gateway set cannot be told
   * from the request. Reading the first would let whoever set the other choose the session or the
   * sign-in state; reading none fails closed (the caller is anonymous, a sign-in starts over).
   */
  public static String value(List<String> cookieHeaders, String name) {
    String found = null;
    for (String header : cookieHeaders) {
      for (String part : header.split(";")) {
        String v = valueOf(part, name);
        if (v == null) {
          continue;
        }
        if (found != null && !found.equals(v)) {
          return null;
        }
        found = v;
      }
    }
    return found;
  }

  /**
   * Returns every distinct value of the cookie named exactly {@code name}, unquoted, in the order
   * they come: for what must reach each cookie a browser holds under the name (ending every session
   * it presents at a new sign-in), where {@link #value} reads none of two.
   */
  public static List<String> values(List<String> cookieHeaders, String name) {
    Set<String> found = new LinkedHashSet<>();
    for (String header : cookieHeaders) {
      for (String part : header.split(";")) {
        String v = valueOf(part, name);
        if (v != null) {
          found.add(v);
        }
      }
    }
    return List.copyOf(found);
  }

  /** Returns the value of one {@code name=value} pair if it is named {@code name}, else null. */
  private static String valueOf(String part, String name) {
    String p = part.trim();
    if (!p.startsWith(name + "=")) {
      return null;
    }
    String v = p.substring(name.length() + 1);
    // RFC 6265 section 4.1.1 allows the value in double quotes.
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    return v;
  }
}
