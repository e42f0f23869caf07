package dev.vigil.gateway.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Normalises request paths once, before any routing or policy step, so that the policy and the
 * upstream act on the same path (kind (a) of the security cases: C01, C03).
 *
 * <p>Steps, in order: split off the query (refused, as the path is, when it holds a raw control
 * character, space or character above {@code ~}, since it is relayed as it came); refuse a
 * fragment, raw backslashes, control characters and percent-encodings that stay ambiguous ({@code
 * %2F}, {@code %5C}, {@code %00}, {@code %23}, any encoded control character); decode
 * percent-encoded unreserved characters (RFC 3986 section 2.3) and upper-case the hex of the
 * others; merge repeated slashes; refuse servlet path parameters ({@code ;} in any segment: {@code
 * /admin;x/users}, {@code ..;}); remove dot segments (RFC 3986 section 5.2.4). A path that is not
 * absolute is refused, and so are percent-encoded bytes that are not well-formed UTF-8 (overlong
 * forms, surrogates, broken sequences), which a lenient decoder upstream could read as {@code /} or
 * {@code .}.
 *
 * <p>Stateless and thread-safe.
 */
public final class PathNormalizer {

  /** Longest request target accepted, in characters. */
  public static final int MAX_LENGTH = 8192;

  /** A scheme and "://" at the start: the absolute form of a request target. */
  private static final Pattern ABSOLUTE_FORM = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

  private PathNormalizer() {}

  /** Normalises a request target such as {@code /a/./b/../c?x=1}. */
  public static RequestPath normalize(String target) {
    return normalize(target, true);
  }

  /**
   * Normalises a request target; {@code shortcut} lets a path with no segment that starts with a
   * dot skip the dot-segment steps, which leave such a path as it is. The tests run both ways and
   * compare.
   */
  static RequestPath normalize(String target, boolean shortcut) {
    if (target == null || target.isEmpty()) {
      return RequestPath.refused("empty request target");
    }
    if (target.length() > MAX_LENGTH) {
      return RequestPath.refused("request target longer than " + MAX_LENGTH + " characters");
    }
    if (target.indexOf('#') >= 0) {
      return RequestPath.refused("request target holds a fragment ('#')");
    }
    String raw = target;
    String query = null;
    int q = target.indexOf('?');
    if (q >= 0) {
      raw = target.substring(0, q);
      query = target.substring(q + 1);
    }
    String rawFault = query == null ? null : rawFault(query);
    if (rawFault != null) {
      // The query goes upstream as it came, in the request line: a NUL or DEL there is left to
      // each upstream parser to make sense of, so it is refused as in the path.
      return RequestPath.refused("query holds " + rawFault);
    }
    // Checked before any refusal below quotes the target, so that a quote (in the answer and the
    // service log) never carries a control character such as a terminal's ESC.
    rawFault = rawFault(raw);
    if (rawFault != null) {
      return RequestPath.refused("path holds " + rawFault);
    }
    if (ABSOLUTE_FORM.matcher(raw).lookingAt()) {
      // RFC 9112 §3.2.2: meant for proxies. The gateway is no forward proxy, and a second
      // authority beside Host is one more way for two parsers to disagree on the host: refused.
      return RequestPath.refused(
          "request target \""
              + shorten(target)
              + "\" is in absolute form; send the path alone, with the host in the Host header");
    }
    if (!raw.startsWith("/")) {
      return RequestPath.refused("path \"" + shorten(raw) + "\" is not absolute");
    }
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\') {
        return RequestPath.refused("path holds a backslash");
      }
      if (c != '%') {
        decoded.append(c);
        continue;
      }
      if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
        return RequestPath.refused("path holds a malformed percent-encoding");
      }
      int b = hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2));
      i += 2;
      if (b == '/' || b == '\\' || b == 0 || b == '#' || b < 0x20 || b == 0x7f) {
        return RequestPath.refused(String.format("path holds an ambiguous encoding %%%02X", b));
      }
      if (b >= 0x80) {
        int end = utf8End(raw, i - 2);
        if (end < 0) {
          return RequestPath.refused(
              "path holds percent-encoded bytes that are not valid UTF-8 (overlong, surrogate or"
                  + " broken sequence)");
        }
        for (int j = i - 2; j < end; j += 3) {
          decoded.append('%').append(raw.substring(j + 1, j + 3).toUpperCase(Locale.ROOT));
        }
        i = end - 1;
      } else if (isUnreserved(b)) {
        decoded.append((char) b);
      } else {
        decoded.append('%').append(String.format(Locale.ROOT, "%02X", b));
      }
    }
    String merged = decoded.toString();
    if (merged.contains("//")) {
      merged = merged.replaceAll("/{2,}", "/");
    }
    int semicolon = merged.indexOf(';');
    if (semicolon >= 0) {
      // Servlet containers (Tomcat, Jetty, Spring) drop a ";..." parameter from each segment, so
      // "/admin;x/users" would be routed and decided as itself but served as "/admin/users".
      // Refused on every segment, not only dot segments; an encoded %3B is data and passes.
      int end = merged.indexOf('/', semicolon);
      int start = merged.lastIndexOf('/', semicolon) + 1;
      return RequestPath.refused(
          "path holds a ; parameter (\""
              + merged.substring(start, end < 0 ? merged.length() : end)
              + "\"), which servlet upstreams drop, so they would serve another path");
    }
    if (shortcut && merged.indexOf("/.") < 0) {
      // No segment starts with a dot: there is no parameter on a dot segment to refuse, and with
      // slashes merged, removing dot segments would give the same text back.
      return new RequestPath(merged, query, null);
    }
    for (String seg : merged.split("/", -1)) {
      if (seg.startsWith(".;") || seg.startsWith("..;")) {
        return RequestPath.refused("path holds a parameter on a dot segment (\"" + seg + "\")");
      }
    }
    return new RequestPath(removeDotSegments(merged), query, null);
  }

  /** Removes {@code .} and {@code ..} segments of an absolute path (RFC 3986 section 5.2.4). */
  static String removeDotSegments(String path) {
    Deque<String> out = new ArrayDeque<>();
    String[] segs = path.split("/", -1);
    boolean trailingSlash = false;
    for (int i = 1; i < segs.length; i++) {
      String s = segs[i];
      boolean last = i == segs.length - 1;
      switch (s) {
        case "." -> trailingSlash = last;
        case ".." -> {
          if (!out.isEmpty()) {
            out.removeLast();
          }
          trailingSlash = last;
        }
        default -> {
          if (last && s.isEmpty()) {
            trailingSlash = true;
          } else {
            out.addLast(s);
            trailingSlash = false;
          }
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String s : out) {
      sb.append('/').append(s);
    }
    if (sb.isEmpty() || trailingSlash) {
      sb.append('/');
    }
    return sb.toString();
  }

  /**
   * Checks the run of percent-encoded bytes of 0x80 and above that starts at {@code start} (a
   * {@code %}), and returns the index just past it, or -1 when its bytes are not well-formed UTF-8
   * (RFC 3629 §3: no overlong form such as {@code %C0%AF} for {@code /}, no surrogate, no stray or
   * missing continuation byte). Such bytes would decode differently in the upstream.
   */
  private static int utf8End(String raw, int start) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    int i = start;
    while (i + 2 < raw.length() && raw.charAt(i) == '%') {
      int hi = hex(raw.charAt(i + 1));
      int lo = hex(raw.charAt(i + 2));
      if (hi < 0 || lo < 0 || hi * 16 + lo < 0x80) {
        break;
      }
      bytes.write(hi * 16 + lo);
      i += 3;
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()));
      return i;
    } catch (CharacterCodingException e) {
      return -1;
    }
  }

  /**
   * Names the first character of {@code s} that no HTTP/1.1 request line carries as it is (RFC 9112
   * §3, RFC 3986 §2), or returns null: a control character, a space (which only an HTTP/2 {@code
   * :path} can hold) or one above {@code ~}. The last would go upstream re-encoded in UTF-8, other
   * bytes than the client sent, and the app would decode what policy never saw.
   */
  private static String rawFault(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "a control character";
      }
      if (c == ' ') {
        return "a space";
      }
      if (c > 0x7e) {
        return "a character that is not ASCII; percent-encode it (as UTF-8)";
      }
    }
    return null;
  }

  private static boolean isUnreserved(int b) {
    return (b >= 'A' && b <= 'Z')
        || (b >= 'a' && b <= 'z')
        || (b >= '0' && b <= '9')
        || b == '-'
        || b == '.'
        || b == '_'
        || b == '~';
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }
}
