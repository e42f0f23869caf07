package dev.vigil.gateway.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Checks where to send a user after login (kind (c) of the security cases: C06, C07). Only a
 * single-slash relative path without backslashes or control characters, or an absolute http or
 * https URL without user info whose host is on the allow-list, passes; anything else becomes {@code
 * /}. Plain http passes because a gateway served without TLS sends its users to http URLs; the
 * allow-list names hosts and ports, not schemes.
 *
 * <p>Allow-list entries are hosts ({@code app.example.com}, exact), or domains written with a
 * leading dot ({@code .example.com}: the domain's sub-domains, compared label by label, and the
 * apex itself, as oauth2-proxy does). An entry may fix a port ({@code app.example.com:8443});
 * without one, only a URL that names no port (the scheme's default) passes. Immutable and
 * thread-safe.
 */
public final class RedirectTarget {

  private final List<String> allowList;

  public RedirectTarget(List<String> allowList) {
    this.allowList = allowList.stream().map(s -> s.toLowerCase(Locale.ROOT).strip()).toList();
  }

  /**
   * Checks one allow-list entry as the configuration gives it: a host name, or a domain with a
   * leading dot, either with an optional {@code :port}. Wildcards, schemes, paths and empty labels
   * are refused: they never matched anything, and a list that looks wider than it is misleads.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static void checkEntry(String entry) {
    String e = entry.strip().toLowerCase(Locale.ROOT);
    String host = e;
    int colon = e.lastIndexOf(':');
    if (colon >= 0 && !e.endsWith("]")) {
      host = e.substring(0, colon);
      String port = e.substring(colon + 1);
      if (!port.matches("[0-9]{1,5}")
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException(
            "redirect host \"" + entry + "\": the port must be a number from 1 to 65535");
      }
    }
    String name = host.startsWith(".") ? host.substring(1) : host;
    boolean ipv6 = name.startsWith("[") && name.endsWith("]") && name.length() > 2;
    if (!ipv6 && !name.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)*")) {
      throw new IllegalArgumentException(
          "redirect host \""
              + entry
              + "\" is not a host name (app.example.com), a domain with a leading dot"
              + " (.example.com) or either with :port; wildcards and empty labels never match");
    }
  }

  /** Returns the checked target, or {@code "/"} when it is not safe. */
  public String check(String rd) {
    if (rd == null || rd.isEmpty()) {
      return "/";
    }
    for (int i = 0; i < rd.length(); i++) {
      char c = rd.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\' || Character.isWhitespace(c)) {
        return "/";
      }
    }
    if (rd.startsWith("/")) {
      return isSafeRelative(rd) ? rd : "/";
    }
    return isAllowedAbsolute(rd) ? rd : "/";
  }

  /** A relative target: one leading slash, then never a second slash before the path. */
  private static boolean isSafeRelative(String rd) {
    if (rd.length() > 1 && (rd.charAt(1) == '/')) {
      return false;
    }
    // "/." followed by "/" or "\" after optional dots would be read as "//host" by some clients.
    int i = 1;
    while (i < rd.length() && rd.charAt(i) == '.') {
      i++;
    }
    return !(i > 1 && i < rd.length() && rd.charAt(i) == '/');
  }

  private boolean isAllowedAbsolute(String rd) {
    URI uri;
    try {
      uri = new URI(rd);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))) {
      return false;
    }
    if (uri.getRawUserInfo() != null || uri.getHost() == null) {
      return false;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    for (String entry : allowList) {
      String entryHost = entry;
      int entryPort = -1;
      int colon = entry.lastIndexOf(':');
      if (colon > 0 && entry.indexOf(']') < colon) {
        entryHost = entry.substring(0, colon);
        try {
          entryPort = Integer.parseInt(entry.substring(colon + 1));
        } catch (NumberFormatException e) {
          continue;
        }
      }
      if (port != entryPort && !(port == -1 && entryPort == -1)) {
        continue;
      }
      if (entryHost.startsWith(".")) {
        String base = entryHost.substring(1);
        if (host.equals(base) || host.endsWith("." + base)) {
          return true;
        }
      } else if (host.equals(entryHost)) {
        return true;
      }
    }
    return false;
  }
}
