package dev.vigil.pdp;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a Host header (or HTTP/2 {@code :authority}) the gateway routes on, and its one
 * spelling: a registered name, an IPv4 address or a bracketed IPv6 literal, and an optional port
 * (RFC 9110 §7.2, with the host of RFC 3986 §3.2.2). Anything else, such as markup, spaces, an
 * empty label ({@code a..b}, {@code .a}) or a character other than a letter, digit, {@code -} or
 * {@code _} in a name, is refused with 400 before routing, so that a route's host match and the log
 * only ever see a host.
 *
 * <p>A name is compared in lower case and without its one trailing dot: {@code Secure.Example.} is
 * the same host as {@code secure.example} in DNS, and must not fall through to a catch-all route.
 */
public final class HostHeader {

  private HostHeader() {}

  /**
   * Why a listener refuses a request's host before routing: {@code code} is {@code BAD_HOST} or
   * {@code NO_HOST}, {@code reason} never quotes the value (it may be markup).
   */
  public record Refusal(String code, String reason) {}

  /**
   * Returns why the host of {@code req} cannot be read one way, or null when it can: more than one
   * Host header, a Host or HTTP/2 {@code :authority} that is not a host, an {@code :authority} and
   * a Host naming different hosts (RFC 9113 §8.3.1), or no host at all in an HTTP/1.1 or HTTP/2
   * request (RFC 9112 §3.2, RFC 9113 §8.3.1: an {@code http} or {@code https} target always has
   * one). An HTTP/1.0 request may come without one. Every Vigil listener asks this, whichever
   * protocol the request came in, so that routing, policy, the log and the next hop see one host.
   */
  public static Refusal refusal(HttpServerRequest req) {
    List<String> hosts = req.headers().getAll("Host");
    String authority = null;
    if (req.version() == HttpVersion.HTTP_2) {
      // The :authority as sent. Without one, Vert.x takes the Host field out of the headers and
      // gives it as the request's authority: it is the Host then.
      HostAndPort sent = req.authority(true);
      if (sent != null) {
        authority = text(sent);
      } else if (hosts.isEmpty() && req.authority() != null) {
        hosts = List.of(text(req.authority()));
      }
    }
    return refusal(hosts, authority, req.version());
  }

  private static String text(HostAndPort a) {
    return a.host() + (a.port() >= 0 ? ":" + a.port() : "");
  }

  /**
   * Returns why a request with these Host fields and {@code :authority} (null when none was sent,
   * and for HTTP/1.x) is refused, or null; see {@link #refusal(HttpServerRequest)}.
   */
  public static Refusal refusal(List<String> hosts, String authority, HttpVersion version) {
    if (hosts.size() > 1) {
      return new Refusal("BAD_HOST", "the request has more than one Host header");
    }
    String host = hosts.isEmpty() ? null : hosts.get(0);
    if (host != null && !valid(host)) {
      return new Refusal("BAD_HOST", "the Host header is not a host name");
    }
    if (authority != null && !valid(authority)) {
      return new Refusal("BAD_HOST", "the :authority is not a host name");
    }
    if (authority != null && host != null && !normalize(authority).equals(normalize(host))) {
      return new Refusal("BAD_HOST", "the :authority and the Host header name different hosts");
    }
    if (host == null && authority == null && version != HttpVersion.HTTP_1_0) {
      return new Refusal(
          "NO_HOST",
          version == HttpVersion.HTTP_2
              ? "the request has neither :authority nor a Host header"
              : "the request has no Host header");
    }
    return null;
  }

  /** Tells whether {@code value} is a host with an optional port; null or empty is not. */
  public static boolean valid(String value) {
    return normalize(value) != null;
  }

  /**
   * Returns the host with its port as the gateway routes on it and tells the upstream: lower case,
   * one trailing dot of a name removed; null when {@code value} is null or not a host.
   */
  public static String normalize(String value) {
    if (value == null || value.isEmpty() || value.length() > 255) {
      return null;
    }
    int end;
    if (value.charAt(0) == '[') {
      end = value.indexOf(']');
      if (end < 2) {
        return null;
      }
      for (int i = 1; i < end; i++) {
        char c = value.charAt(i);
        if (!(hexDigit(c) || c == ':' || c == '.')) {
          return null;
        }
      }
      end++;
    } else {
      end = 0;
      while (end < value.length() && (nameChar(value.charAt(end)) || value.charAt(end) == '.')) {
        end++;
      }
      if (!labels(value, end)) {
        return null;
      }
    }
    if (end != value.length() && !port(value, end)) {
      return null;
    }
    String host = value.substring(0, end);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return host.toLowerCase(Locale.ROOT) + value.substring(end);
  }

  /**
   * Tells whether {@code value[0, end)} is dot-separated non-empty labels, with one optional final
   * dot.
   */
  private static boolean labels(String value, int end) {
    if (end == 0 || value.charAt(0) == '.') {
      return false;
    }
    for (int i = 1; i < end; i++) {
      if (value.charAt(i) == '.' && value.charAt(i - 1) == '.') {
        return false;
      }
    }
    return true;
  }

  /** A colon and a port number (1 to 5 digits, at most 65535), to the end. */
  private static boolean port(String value, int colon) {
    int digits = value.length() - colon - 1;
    if (value.charAt(colon) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    int port = 0;
    for (int i = colon + 1; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65_535;
  }

  /**
   * The characters of a label of a host name or IPv4 address: letters, digits and hyphens (RFC 1123
   * §2.1), and the underscore that service names use.
   */
  private static boolean nameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-';
  }

  private static boolean hexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
