package dev.vigil.rego.eval;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP address literals (never a host name) and prints them as Go's net package does. */
final class IpLiterals {

  private IpLiterals() {}

  /** Returns the canonical text of an IPv4 or IPv6 literal, or null when it is not one. */
  static String canonical(String text) {
    boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = text.indexOf(':') >= 0 && text.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) {
      return null;
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
    if (a instanceof Inet4Address) {
      return a.getHostAddress();
    }
    if (a instanceof Inet6Address) {
      return compress(a.getAddress());
    }
    return null;
  }

  /** Writes an IPv6 address with the longest run of zero groups shortened (RFC 5952). */
  private static String compress(byte[] b) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }
}
