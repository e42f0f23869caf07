package dev.vigil.pdp.extauthz;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Normalises request paths once, so that the policy and the upstream see the same path: unreserved
 * characters are percent-decoded, dot segments removed (RFC 3986 section 5.2.4) and duplicate
 * slashes merged. Encodings whose meaning differs between servers ({@code %2F}, {@code %5C}, {@code
 * %00}, {@code %23}, {@code %25}, control characters, a backslash, a malformed escape, a fragment,
 * {@code ..;} path parameters) are refused. The rules are the gateway's ({@code
 * dev.vigil.gateway.http.PathNormalizer}), plus {@code %25}, refused here against double decoding.
 */
public final class RequestPaths {

  /** The longest request target accepted, in characters (the gateway's limit too). */
  public static final int MAX_LENGTH = 8192;

  private RequestPaths() {}

  /**
   * Returns the normalised path of a request target (its query removed).
   *
   * @throws IllegalArgumentException naming the target when it is refused
   */
  public static String normalise(String target) {
    if (target.length() > MAX_LENGTH) {
      throw refused(target, "longer than " + MAX_LENGTH + " characters");
    }
    if (target.indexOf('#') >= 0) {
      throw refused(target, "a fragment ('#') in the request target");
    }
    String path = pathOf(target);
    if (!path.startsWith("/")) {
      throw refused(target, "the path must start with /");
    }
    String decoded = decodeUnreserved(path, target);
    return removeDotSegments(decoded);
  }

  /** Returns the query of a request target without its {@code ?}, or null when it has none. */
  public static String queryOf(String target) {
    int q = target.indexOf('?');
    if (q < 0) {
      return null;
    }
    int hash = target.indexOf('#', q);
    return hash < 0 ? target.substring(q + 1) : target.substring(q + 1, hash);
  }

  private static String pathOf(String target) {
    int end = target.length();
    int q = target.indexOf('?');
    int hash = target.indexOf('#');
    if (q >= 0) {
      end = q;
    }
    if (hash >= 0 && hash < end) {
      end = hash;
    }
    return target.substring(0, end);
  }

  private static String decodeUnreserved(String path, String target) {
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x21 || c == 0x7F) {
        throw refused(target, "control character or space in the path");
      }
      if (c == '\\') {
        throw refused(target, "backslash in the path");
      }
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (i + 2 >= path.length() || hex(path.charAt(i + 1)) < 0 || hex(path.charAt(i + 2)) < 0) {
        throw refused(target, "malformed percent-encoding");
      }
      int b = hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2));
      if (b == '/' || b == '\\' || b < 0x20 || b == 0x7F || b == '%' || b == '#') {
        throw refused(target, "ambiguous encoding %" + path.substring(i + 1, i + 3));
      }
      if (unreserved(b)) {
        out.append((char) b);
      } else {
        out.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
      }
      i += 2;
    }
    return out.toString();
  }

  private static String removeDotSegments(String path) {
    Deque<String> kept = new ArrayDeque<>();
    String[] parts = path.split("/", -1);
    for (int i = 1; i < parts.length; i++) {
      String s = parts[i];
      if (s.startsWith("..;") || s.startsWith(".;")) {
        // Servlet containers drop path parameters before resolving dot segments; others do not.
        throw refused(path, "path parameter on a dot segment (\"" + s + "\")");
      }
      boolean last = i == parts.length - 1;
      if (s.equals("..")) {
        kept.pollLast();
        if (last) {
          kept.addLast("");
        }
      } else if (s.equals(".") || (s.isEmpty() && !last)) {
        if (last) {
          kept.addLast("");
        }
      } else {
        kept.addLast(s);
      }
    }
    return "/" + String.join("/", kept);
  }

  private static boolean unreserved(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static IllegalArgumentException refused(String target, String why) {
    String shown = target.length() > 200 ? target.substring(0, 200) + "..." : target;
    return new IllegalArgumentException(
        "request path \"" + shown.replaceAll("[\\x00-\\x1f\\x7f]", "?") + "\" refused: " + why);
  }
}
