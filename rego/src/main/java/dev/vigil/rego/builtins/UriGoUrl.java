package dev.vigil.rego.builtins;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * URLs and query strings as Go's {@code net/url} reads and writes them (RFC 3986), so that OPA's
 * {@code urlquery.*} and {@code uri.*} builtins give the same results and the same error texts:
 * {@code invalid URL escape "%zz"}, {@code net/url: invalid userinfo}, {@code invalid port ":x"
 * after host}. Escaping works on the UTF-8 bytes of the text.
 */
final class UriGoUrl {

  private UriGoUrl() {}

  /** The component a piece of text belongs to; each escapes a different set of characters. */
  enum Mode {
    PATH,
    PATH_SEGMENT,
    HOST,
    ZONE,
    USER_PASSWORD,
    QUERY_COMPONENT,
    FRAGMENT
  }

  /** Thrown with the text of the Go error that {@code net/url} returns. */
  static final class UrlException extends RuntimeException {
    UrlException(String message) {
      super(message, null, false, false);
    }
  }

  /** The parts of a parsed URL, named as Go's {@code url.URL} fields. */
  record Url(
      String scheme,
      String opaque,
      String user,
      String host,
      String path,
      String rawPath,
      String rawQuery,
      String fragment) {

    /** Returns the host without a port and without IPv6 brackets. */
    String hostname() {
      return splitHostPort(host)[0];
    }

    /** Returns the port, or an empty string. */
    String port() {
      return splitHostPort(host)[1];
    }
  }

  // ---- escaping (RFC 3986 section 2) ----

  static boolean shouldEscape(int c, Mode mode) {
    if ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
      return false;
    }
    if ((mode == Mode.HOST || mode == Mode.ZONE) && "!$&'()*+,;=:[]<>\"".indexOf(c) >= 0) {
      return false;
    }
    if ("-_.~".indexOf(c) >= 0) {
      return false;
    }
    if ("$&+,/:;=?@".indexOf(c) >= 0) {
      return switch (mode) {
        case PATH -> c == '?';
        case PATH_SEGMENT -> c == '/' || c == ';' || c == ',' || c == '?';
        case USER_PASSWORD -> c == '@' || c == '/' || c == '?' || c == ':';
        case QUERY_COMPONENT -> true;
        case FRAGMENT -> false;
        case HOST, ZONE -> true;
      };
    }
    if (mode == Mode.FRAGMENT && "!()*".indexOf(c) >= 0) {
      return false;
    }
    return true;
  }

  static String escape(String s, Mode mode) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == ' ' && mode == Mode.QUERY_COMPONENT) {
        sb.append('+');
      } else if (shouldEscape(c, mode)) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      } else {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /** Returns {@code url.QueryEscape(s)}. */
  static String queryEscape(String s) {
    return escape(s, Mode.QUERY_COMPONENT);
  }

  /** Returns {@code url.QueryUnescape(s)}. */
  static String queryUnescape(String s) {
    return unescape(s, Mode.QUERY_COMPONENT);
  }

  static String unescape(String text, Mode mode) {
    byte[] s = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < s.length; ) {
      int c = s[i] & 0xff;
      if (c == '%') {
        if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
          throw escapeError(s, i, Math.min(3, s.length - i));
        }
        int v = hex(s[i + 1]) << 4 | hex(s[i + 2]);
        boolean pct25 = v == 0x25;
        if (mode == Mode.HOST && hex(s[i + 1]) < 8 && !pct25) {
          throw escapeError(s, i, 3);
        }
        if (mode == Mode.ZONE && !pct25 && v != ' ' && shouldEscape(v, Mode.HOST)) {
          throw escapeError(s, i, 3);
        }
        i += 3;
      } else {
        if ((mode == Mode.HOST || mode == Mode.ZONE) && c < 0x80 && shouldEscape(c, mode)) {
          throw new UrlException(
              "invalid character "
                  + EncodingGoQuote.quote(String.valueOf((char) c))
                  + " in host name");
        }
        i++;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length);
    for (int i = 0; i < s.length; i++) {
      int c = s[i] & 0xff;
      if (c == '%') {
        out.write(hex(s[i + 1]) << 4 | hex(s[i + 2]));
        i += 2;
      } else if (c == '+' && mode == Mode.QUERY_COMPONENT) {
        out.write(' ');
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static UrlException escapeError(byte[] s, int from, int len) {
    String bad = new String(s, from, len, StandardCharsets.UTF_8);
    return new UrlException("invalid URL escape " + EncodingGoQuote.quote(bad));
  }

  private static boolean isHex(byte b) {
    return Character.digit(b, 16) >= 0 && b < 0x80;
  }

  private static int hex(byte b) {
    return Character.digit(b, 16);
  }

  // ---- query strings ----

  /**
   * Parses a query string as {@code url.ParseQuery}: pairs split at {@code &}, each decoded. The
   * values of each key keep their order; the first error is reported after all pairs are read.
   */
  static Map<String, List<String>> parseQuery(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String firstError = null;
    String rest = query;
    while (!rest.isEmpty()) {
      int amp = rest.indexOf('&');
      String key = amp >= 0 ? rest.substring(0, amp) : rest;
      rest = amp >= 0 ? rest.substring(amp + 1) : "";
      if (key.contains(";")) {
        firstError = firstError == null ? "invalid semicolon separator in query" : firstError;
        continue;
      }
      if (key.isEmpty()) {
        continue;
      }
      int eq = key.indexOf('=');
      String value = eq >= 0 ? key.substring(eq + 1) : "";
      key = eq >= 0 ? key.substring(0, eq) : key;
      try {
        String k = queryUnescape(key);
        String v = queryUnescape(value);
        out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      } catch (UrlException e) {
        firstError = firstError == null ? e.getMessage() : firstError;
      }
    }
    if (firstError != null) {
      throw new UrlException(firstError);
    }
    return out;
  }

  // ---- URLs (RFC 3986 section 3) ----

  /**
   * Parses a URL reference as {@code url.Parse}.
   *
   * @throws UrlException with Go's text, such as {@code parse "x": invalid URL escape "%zz"}
   */
  static Url parse(String raw) {
    int hash = raw.indexOf('#');
    String u = hash >= 0 ? raw.substring(0, hash) : raw;
    String frag = hash >= 0 ? raw.substring(hash + 1) : "";
    Url url;
    try {
      url = parseNoFragment(u);
    } catch (UrlException e) {
      throw new UrlException("parse " + EncodingGoQuote.quote(u) + ": " + e.getMessage());
    }
    if (frag.isEmpty()) {
      return url;
    }
    String fragment;
    try {
      fragment = unescape(frag, Mode.FRAGMENT);
    } catch (UrlException e) {
      throw new UrlException("parse " + EncodingGoQuote.quote(raw) + ": " + e.getMessage());
    }
    return new Url(
        url.scheme(),
        url.opaque(),
        url.user(),
        url.host(),
        url.path(),
        url.rawPath(),
        url.rawQuery(),
        fragment);
  }

  private static Url parseNoFragment(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new UrlException("net/url: invalid control character in URL");
      }
    }
    if (raw.equals("*")) {
      return new Url("", "", null, "", "*", "", "", "");
    }
    String[] schemeRest = scheme(raw);
    String scheme = schemeRest[0].toLowerCase(java.util.Locale.ROOT);
    String rest = schemeRest[1];
    String query = "";
    if (rest.endsWith("?") && rest.indexOf('?') == rest.length() - 1) {
      rest = rest.substring(0, rest.length() - 1);
    } else {
      int q = rest.indexOf('?');
      if (q >= 0) {
        query = rest.substring(q + 1);
        rest = rest.substring(0, q);
      }
    }
    if (!rest.startsWith("/")) {
      if (!scheme.isEmpty()) {
        return new Url(scheme, rest, null, "", "", "", query, "");
      }
      int slash = rest.indexOf('/');
      String segment = slash >= 0 ? rest.substring(0, slash) : rest;
      if (segment.contains(":")) {
        throw new UrlException("first path segment in URL cannot contain colon");
      }
    }
    String user = null;
    String host = "";
    if ((!scheme.isEmpty() || !rest.startsWith("///")) && rest.startsWith("//")) {
      String authority = rest.substring(2);
      rest = "";
      int slash = authority.indexOf('/');
      if (slash >= 0) {
        rest = authority.substring(slash);
        authority = authority.substring(0, slash);
      }
      int at = authority.lastIndexOf('@');
      host = parseHost(at >= 0 ? authority.substring(at + 1) : authority);
      if (at >= 0) {
        user = parseUserinfo(authority.substring(0, at));
      }
    }
    String path = unescape(rest, Mode.PATH);
    String rawPath = escape(path, Mode.PATH).equals(rest) ? "" : rest;
    return new Url(scheme, "", user, host, path, rawPath, query, "");
  }

  private static String[] scheme(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
        continue;
      }
      if ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          return new String[] {"", raw};
        }
        continue;
      }
      if (c == ':') {
        if (i == 0) {
          throw new UrlException("missing protocol scheme");
        }
        return new String[] {raw.substring(0, i), raw.substring(i + 1)};
      }
      return new String[] {"", raw};
    }
    return new String[] {"", raw};
  }

  private static String parseUserinfo(String userinfo) {
    for (int i = 0; i < userinfo.length(); i++) {
      char c = userinfo.charAt(i);
      boolean ok =
          'a' <= c && c <= 'z'
              || 'A' <= c && c <= 'Z'
              || '0' <= c && c <= '9'
              || "-._:~!$&'()*+,;=%@".indexOf(c) >= 0;
      if (!ok) {
        throw new UrlException("net/url: invalid userinfo");
      }
    }
    int colon = userinfo.indexOf(':');
    if (colon < 0) {
      return unescape(userinfo, Mode.USER_PASSWORD);
    }
    return unescape(userinfo.substring(0, colon), Mode.USER_PASSWORD)
        + ":"
        + unescape(userinfo.substring(colon + 1), Mode.USER_PASSWORD);
  }

  private static String parseHost(String host) {
    if (host.startsWith("[")) {
      int close = host.lastIndexOf(']');
      if (close < 0) {
        throw new UrlException("missing ']' in host");
      }
      String colonPort = host.substring(close + 1);
      if (!validOptionalPort(colonPort)) {
        throw new UrlException("invalid port " + EncodingGoQuote.quote(colonPort) + " after host");
      }
      int zone = host.substring(0, close).indexOf("%25");
      if (zone >= 0) {
        return unescape(host.substring(0, zone), Mode.HOST)
            + unescape(host.substring(zone, close), Mode.ZONE)
            + unescape(host.substring(close), Mode.HOST);
      }
    } else {
      int colon = host.lastIndexOf(':');
      if (colon >= 0 && !validOptionalPort(host.substring(colon))) {
        throw new UrlException(
            "invalid port " + EncodingGoQuote.quote(host.substring(colon)) + " after host");
      }
    }
    return unescape(host, Mode.HOST);
  }

  static boolean validOptionalPort(String port) {
    if (port.isEmpty()) {
      return true;
    }
    if (port.charAt(0) != ':') {
      return false;
    }
    for (int i = 1; i < port.length(); i++) {
      char c = port.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static String[] splitHostPort(String hostPort) {
    String host = hostPort;
    String port = "";
    int colon = host.lastIndexOf(':');
    if (colon >= 0 && validOptionalPort(host.substring(colon))) {
      port = host.substring(colon + 1);
      host = host.substring(0, colon);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new String[] {host, port};
  }
}
