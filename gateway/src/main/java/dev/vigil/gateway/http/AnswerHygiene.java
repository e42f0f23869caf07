package dev.vigil.gateway.http;

import java.util.Locale;

/**
 * Removes from an upstream's answer (its headers, and its trailers where they are relayed) every
 * header the enforcement point writes on answers itself, so that a caller never takes an app's
 * header for Vigil's: the answer counterpart of {@link HeaderHygiene}.
 *
 * <p>Vigil writes {@code X-Vigil-Decision-Id} on its refusals and faults (the edge gateway, the
 * sidecar's inbound listener, {@link RequestGuard}) and sets the cookies of {@link GatewayCookies}
 * (the edge's session and sign-in cookies). So an answer loses:
 *
 * <ul>
 *   <li>every header whose name, lower-cased with {@code _} read as {@code -} (as {@link
 *       HeaderHygiene#canonical} reads request headers), starts with {@code x-vigil-}: the whole
 *       name space is Vigil's ({@link HeaderHygiene#RESERVED_PREFIXES}), so a header added to
 *       answers later is covered too;
 *   <li>every {@code Set-Cookie} whose cookie name starts with {@value GatewayCookies#PREFIX} in
 *       any case, after a {@code __Host-} or {@code __Secure-} prefix if any (the edge's cookies
 *       are {@code __Host-vigil_*} over TLS): an app that set one could replace the caller's
 *       gateway session with another (session fixation) or end it.
 * </ul>
 *
 * <p>The headers an app may legitimately send, its own {@code Set-Cookie}, {@code Location}, {@code
 * WWW-Authenticate}, {@code grpc-status} and the like, are kept, though Vigil writes them on its
 * own answers too: there they are the app's answer, not Vigil's word about the request.
 *
 * <p>Stateless and thread-safe; checks a name without allocating.
 */
public final class AnswerHygiene {

  /** The prefix of the headers Vigil owns, canonical form. */
  static final String OWNED_PREFIX = "x-vigil-";

  private static final String SET_COOKIE = "set-cookie";

  /** The cookie-name prefixes of RFC 6265bis section 4.1.3, lower case. */
  private static final String HOST_PREFIX = GatewayCookies.HOST_PREFIX.toLowerCase(Locale.ROOT);

  private static final String SECURE_PREFIX = GatewayCookies.SECURE_PREFIX.toLowerCase(Locale.ROOT);

  private AnswerHygiene() {}

  /**
   * Tells whether an answer header (or trailer) of that name and value is Vigil's to write, and so
   * is removed from an upstream's answer.
   */
  public static boolean owned(CharSequence name, CharSequence value) {
    if (canonicalStartsWith(name, OWNED_PREFIX)) {
      return true;
    }
    return name.length() == SET_COOKIE.length()
        && canonicalStartsWith(name, SET_COOKIE)
        && setsGatewayCookie(value);
  }

  /**
   * Tells whether a {@code Set-Cookie} value sets a cookie that a client sends back as one of
   * Vigil's: the {@code Cookie} text it sends for it starts with {@value GatewayCookies#PREFIX} in
   * any case, after a {@code __Host-} or {@code __Secure-} prefix if any. That text is {@code
   * name=value}, or the value alone when the name is empty (RFC 6265bis sections 5.6 and 5.8.3):
   * {@code =vigil_session=x} is a nameless cookie that comes back as {@code vigil_session=x}, and
   * {@code vigil_session} (no {@code =}) one that comes back as {@code vigil_session}. So blanks
   * and {@code =} are skipped before the name is compared, which covers both forms and a name with
   * blanks around it. Cookie jars that split a value at commas (RFC 2109's several cookies in one
   * header, as the JDK's {@code CookieManager} does) read {@code app=1, vigil_session=x} as two
   * cookies, so each piece after a comma is read the same way.
   */
  static boolean setsGatewayCookie(CharSequence value) {
    if (value == null) {
      return false;
    }
    int start = 0;
    while (start >= 0) {
      if (startsWithGatewayCookie(value, start)) {
        return true;
      }
      int comma = indexOf(value, ',', start);
      start = comma < 0 ? -1 : comma + 1;
    }
    return false;
  }

  /** Tells whether the cookie text at {@code from}, past blanks and {@code =}, is Vigil's. */
  private static boolean startsWithGatewayCookie(CharSequence value, int from) {
    int i = from;
    int n = value.length();
    while (i < n && " \t=".indexOf(value.charAt(i)) >= 0) {
      i++;
    }
    if (startsWithLower(value, i, HOST_PREFIX)) {
      i += HOST_PREFIX.length();
    } else if (startsWithLower(value, i, SECURE_PREFIX)) {
      i += SECURE_PREFIX.length();
    }
    return startsWithLower(value, i, GatewayCookies.PREFIX);
  }

  /** Compares {@code s} from {@code from}, lower-cased, to a lower-case {@code prefix}. */
  private static boolean startsWithLower(CharSequence s, int from, String prefix) {
    if (s.length() - from < prefix.length()) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (asciiLower(s.charAt(from + k)) != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(CharSequence s, char c, int from) {
    for (int i = from; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  /** Compares the start of {@code name}, lower-cased with {@code _} as {@code -}, to a prefix. */
  private static boolean canonicalStartsWith(CharSequence name, String canonicalPrefix) {
    if (name.length() < canonicalPrefix.length()) {
      return false;
    }
    for (int i = 0; i < canonicalPrefix.length(); i++) {
      char c = asciiLower(name.charAt(i));
      if ((c == '_' ? '-' : c) != canonicalPrefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }
}
