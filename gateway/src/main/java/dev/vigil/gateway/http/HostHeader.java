package dev.vigil.gateway.http;

/**
 * The shape of a Host header (or HTTP/2 {@code :authority}) the gateway routes on: a registered
 * name, an IPv4 address or a bracketed IPv6 literal, and an optional port (RFC 9110 §7.2, with the
 * host of RFC 3986 §3.2.2). Anything else, such as markup or spaces, is refused with 400 before
 * routing, so that a route's host match and the log only ever see a host.
 */
public final class HostHeader {

  private HostHeader() {}

  /** Tells whether {@code value} is a host with an optional port; null or empty is not. */
  public static boolean valid(String value) {
    if (value == null || value.isEmpty() || value.length() > 255) {
      return false;
    }
    int end;
    if (value.charAt(0) == '[') {
      end = value.indexOf(']');
      if (end < 2) {
        return false;
      }
      for (int i = 1; i < end; i++) {
        char c = value.charAt(i);
        if (!(hexDigit(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      end++;
    } else {
      end = 0;
      while (end < value.length() && nameChar(value.charAt(end))) {
        end++;
      }
      if (end == 0) {
        return false;
      }
    }
    return end == value.length() || port(value, end);
  }

  /** A colon and one to five digits, to the end. */
  private static boolean port(String value, int colon) {
    int digits = value.length() - colon - 1;
    if (value.charAt(colon) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    for (int i = colon + 1; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** The characters of a registered name or IPv4 address: unreserved ones (RFC 3986). */
  private static boolean nameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '-';
  }

  private static boolean hexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
