package dev.vigil.gateway.http;

import java.util.regex.Pattern;

/**
 * The shape of a Host header (or HTTP/2 {@code :authority}) the gateway routes on: a registered
 * name, an IPv4 address or a bracketed IPv6 literal, and an optional port (RFC 9110 §7.2, with the
 * host of RFC 3986 §3.2.2). Anything else, such as markup or spaces, is refused with 400 before
 * routing, so that a route's host match and the log only ever see a host.
 */
public final class HostHeader {

  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~-]+)(:[0-9]{1,5})?");

  private HostHeader() {}

  /** Tells whether {@code value} is a host with an optional port; null or empty is not. */
  public static boolean valid(String value) {
    return value != null && value.length() <= 255 && HOST.matcher(value).matches();
  }
}
