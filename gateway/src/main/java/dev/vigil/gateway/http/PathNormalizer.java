package dev.vigil.gateway.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Normalises request paths once, before any routing or policy step, so that the policy and the
 * upstream act on the same path (kind (a) of the security cases: C01, C03).
 *
 * <p>Steps, in order: split off the query; refuse a fragment, raw backslashes, control characters
 * and percent-encodings that stay ambiguous ({@code %2F}, {@code %5C}, {@code %00}, {@code %23},
 * any encoded control character); decode percent-encoded unreserved characters (RFC 3986 section
 * 2.3) and upper-case the hex of the others; merge repeated slashes; refuse servlet path parameters
 * on dot segments ({@code ..;}, {@code .;}); remove dot segments (RFC 3986 section 5.2.4). A path
 * that is not absolute is refused.
 *
 * <p>Stateless and thread-safe.
 */
public final class PathNormalizer {

  /** Longest request target accepted, in characters. */
  public static final int MAX_LENGTH = 8192;

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
    if (!raw.startsWith("/")) {
      return RequestPath.refused("path \"" + shorten(raw) + "\" is not absolute");
    }
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return RequestPath.refused("path holds a control character");
      }
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
      if (isUnreserved(b)) {
        decoded.append((char) b);
      } else {
        decoded.append('%').append(String.format(Locale.ROOT, "%02X", b));
      }
    }
    String merged = decoded.toString();
    if (merged.contains("//")) {
      merged = merged.replaceAll("/{2,}", "/");
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
