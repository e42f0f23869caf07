package dev.vigil.pdp.extauthz;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The set of proxies whose forwarding headers ({@code X-Forwarded-*}, {@code X-Original-*}) may
 * describe a request: CIDR blocks of IPv4 and IPv6 addresses. Empty by default, so that no client
 * can choose the path, method or host a decision is made for (case C05).
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustedProxies {

  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  private record Block(byte[] network, int prefix) {

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private static final TrustedProxies NONE = new TrustedProxies(List.of());

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = blocks;
  }

  /** Returns the empty set: forwarding headers are never honoured. */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Parses CIDR blocks such as {@code 127.0.0.1/32}, {@code 10.0.0.0/8} or {@code ::1/128}; a bare
   * address is a single host.
   *
   * @throws IllegalArgumentException naming the block that is not a CIDR block
   */
  public static TrustedProxies parse(List<String> cidrs) {
    List<Block> blocks = new ArrayList<>();
    for (String cidr : cidrs) {
      blocks.add(block(cidr.trim()));
    }
    return new TrustedProxies(List.copyOf(blocks));
  }

  /** Returns true when there is no trusted proxy. */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /**
   * Returns true when the address (an IP literal, IPv6 with or without brackets) lies in one of the
   * blocks. Anything that is not an IP literal is not trusted; an IPv4-mapped IPv6 address is
   * matched as its IPv4 address.
   */
  public boolean trusts(String address) {
    byte[] bytes = literal(address);
    if (bytes == null) {
      return false;
    }
    for (Block b : blocks) {
      if (b.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static Block block(String cidr) {
    int slash = cidr.indexOf('/');
    String host = slash < 0 ? cidr : cidr.substring(0, slash);
    byte[] network = literal(host);
    if (network == null) {
      throw new IllegalArgumentException(
          "trusted proxy \"" + cidr + "\" is not an IP address or CIDR block");
    }
    int max = network.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = cidr.substring(slash + 1);
      if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > max) {
        throw new IllegalArgumentException(
            "trusted proxy \"" + cidr + "\": prefix length must be 0.." + max);
      }
      prefix = Integer.parseInt(p);
    }
    return new Block(network, prefix);
  }

  /** Parses an IP literal without any name lookup; returns null when it is not one. */
  static byte[] literal(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    int zone = t.indexOf('%');
    if (zone >= 0) {
      t = t.substring(0, zone);
    }
    if (t.isEmpty() || !LITERAL.matcher(t).matches()) {
      return null;
    }
    if (!t.contains(":") && !t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return null;
    }
    try {
      // Only literals reach here, so this never resolves a name.
      byte[] b = InetAddress.getByName(t).getAddress();
      return mappedToIpv4(b);
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  private static byte[] mappedToIpv4(byte[] b) {
    if (b.length != 16) {
      return b;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return b;
      }
    }
    if (b[10] != (byte) 0xFF || b[11] != (byte) 0xFF) {
      return b;
    }
    return new byte[] {b[12], b[13], b[14], b[15]};
  }
}
