package dev.vigil.rego.builtins;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * IP addresses and CIDR blocks as Go's {@code net} package reads, compares and prints them, which
 * is what OPA's {@code net.*} builtins use.
 *
 * <p>Addresses are held as Go holds them: 16 bytes, with IPv4 addresses in the IPv4-mapped range
 * {@code ::ffff:0:0/96}, and a network as its masked address (4 bytes for IPv4 blocks) and mask.
 * Parsing is strict (RFC 4291 text for IPv6, dotted decimal without leading zeros for IPv4, no
 * zones), so that no text is resolved as a host name. Printing follows RFC 5952.
 */
final class NetCidr {

  private static final byte[] V4_IN_V6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

  final byte[] ip;
  final byte[] mask;

  private NetCidr(byte[] ip, byte[] mask) {
    this.ip = ip;
    this.mask = mask;
  }

  /** Thrown when text is not an address or a block. */
  static final class FormatException extends RuntimeException {
    FormatException(String message) {
      super(message, null, false, false);
    }
  }

  // ---- addresses ----

  /** Parses an IPv4 or IPv6 address as {@code net.ParseIP}; returns 16 bytes or null. */
  static byte[] parseIp(String s) {
    if (s.indexOf(':') < 0) {
      byte[] v4 = parseV4(s);
      return v4 == null ? null : toV6(v4);
    }
    return parseV6(s);
  }

  /** Returns true when the text is IPv4 text (as opposed to IPv6, even IPv4-mapped). */
  private static boolean isV4Text(String s) {
    return s.indexOf(':') < 0;
  }

  private static byte[] parseV4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  private static byte[] parseV6(String s) {
    byte[] out = new byte[16];
    int ellipsis = -1;
    int i = 0;
    if (s.startsWith("::")) {
      ellipsis = 0;
      s = s.substring(2);
      if (s.isEmpty()) {
        return out;
      }
    }
    while (i < 16) {
      int end = 0;
      int v = 0;
      while (end < s.length()
          && end < 5
          && Character.digit(s.charAt(end), 16) >= 0
          && s.charAt(end) < 0x80) {
        v = v * 16 + Character.digit(s.charAt(end), 16);
        end++;
      }
      if (end == 0 || end > 4) {
        return null;
      }
      if (end < s.length() && s.charAt(end) == '.') {
        if (ellipsis < 0 && i != 12 || i + 4 > 16) {
          return null;
        }
        byte[] v4 = parseV4(s);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, i, 4);
        i += 4;
        s = "";
        break;
      }
      out[i] = (byte) (v >> 8);
      out[i + 1] = (byte) v;
      i += 2;
      s = s.substring(end);
      if (s.isEmpty()) {
        break;
      }
      if (s.charAt(0) != ':' || s.length() == 1) {
        return null;
      }
      s = s.substring(1);
      if (s.charAt(0) == ':') {
        if (ellipsis >= 0) {
          return null;
        }
        ellipsis = i;
        s = s.substring(1);
        if (s.isEmpty()) {
          break;
        }
      }
    }
    if (!s.isEmpty()) {
      return null;
    }
    if (i < 16) {
      if (ellipsis < 0) {
        return null;
      }
      int shift = 16 - i;
      for (int j = i - 1; j >= ellipsis; j--) {
        out[j + shift] = out[j];
      }
      for (int j = ellipsis + shift - 1; j >= ellipsis; j--) {
        out[j] = 0;
      }
    } else if (ellipsis >= 0) {
      return null;
    }
    return out;
  }

  private static byte[] toV6(byte[] v4) {
    byte[] out = Arrays.copyOf(V4_IN_V6, 16);
    System.arraycopy(v4, 0, out, 12, 4);
    return out;
  }

  /** Returns the 4-byte form of an IPv4 address (4 bytes, or 16 in the mapped range), or null. */
  static byte[] to4(byte[] ip) {
    if (ip.length == 4) {
      return ip;
    }
    if (ip.length == 16 && Arrays.equals(ip, 0, 12, V4_IN_V6, 0, 12)) {
      return Arrays.copyOfRange(ip, 12, 16);
    }
    return null;
  }

  /** Prints an address as Go's {@code IP.String}: dotted IPv4, or RFC 5952 IPv6. */
  static String format(byte[] ip) {
    byte[] v4 = to4(ip);
    if (v4 != null) {
      return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = (ip[2 * i] & 0xff) << 8 | (ip[2 * i + 1] & 0xff);
    }
    int runStart = -1;
    int runEnd = -1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j > i && j - i > runEnd - runStart) {
        runStart = i;
        runEnd = j;
      }
      i = Math.max(i, j);
    }
    if (runEnd - runStart < 2) {
      runStart = -1;
      runEnd = -1;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == runStart) {
        sb.append("::");
        i = runEnd - 1;
        continue;
      }
      if (i > 0 && i != runEnd) {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  // ---- networks ----

  /**
   * Parses a block as {@code net.ParseCIDR}.
   *
   * @throws FormatException with Go's {@code invalid CIDR address: X}
   */
  static NetCidr parse(String s) {
    int slash = s.indexOf('/');
    byte[] addr = slash < 0 ? null : parseIp(s.substring(0, slash));
    if (addr == null) {
      throw new FormatException("invalid CIDR address: " + s);
    }
    boolean v4 = isV4Text(s.substring(0, slash));
    int bits = v4 ? 32 : 128;
    String len = s.substring(slash + 1);
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new FormatException("invalid CIDR address: " + s);
    }
    int n = Integer.parseInt(len);
    if (n > bits) {
      throw new FormatException("invalid CIDR address: " + s);
    }
    byte[] m = maskOf(n, bits);
    return new NetCidr(applyMask(addr, m), m);
  }

  /** Returns a mask of n leading ones in a mask of the given bit length. */
  static byte[] maskOf(int n, int bits) {
    byte[] m = new byte[bits / 8];
    for (int i = 0; i < m.length; i++) {
      int ones = Math.max(0, Math.min(8, n - i * 8));
      m[i] = (byte) (0xff00 >> ones);
    }
    return m;
  }

  /** Masks an address as Go's {@code IP.Mask}; null when the lengths cannot match. */
  static byte[] applyMask(byte[] ip, byte[] mask) {
    if (mask.length == 16 && ip.length == 4 && allFf(mask, 12)) {
      mask = Arrays.copyOfRange(mask, 12, 16);
    }
    if (mask.length == 4 && ip.length == 16 && Arrays.equals(ip, 0, 12, V4_IN_V6, 0, 12)) {
      ip = Arrays.copyOfRange(ip, 12, 16);
    }
    if (ip.length != mask.length) {
      return null;
    }
    byte[] out = new byte[ip.length];
    for (int i = 0; i < ip.length; i++) {
      out[i] = (byte) (ip[i] & mask[i]);
    }
    return out;
  }

  private static boolean allFf(byte[] b, int upTo) {
    for (int i = 0; i < upTo; i++) {
      if (b[i] != (byte) 0xff) {
        return false;
      }
    }
    return true;
  }

  /** Returns Go's network number and mask: IPv4 networks in 4 bytes, or null when unusable. */
  private byte[][] networkAndMask() {
    byte[] nn = to4(ip);
    if (nn == null) {
      nn = ip;
      if (nn.length != 16) {
        return null;
      }
    }
    byte[] m = mask;
    if (m.length == 4 && nn.length != 4) {
      return null;
    }
    if (m.length == 16 && nn.length == 4) {
      m = Arrays.copyOfRange(m, 12, 16);
    }
    return new byte[][] {nn, m};
  }

  /** Returns true when the block contains the address, as Go's {@code IPNet.Contains}. */
  boolean contains(byte[] addr) {
    byte[][] nm = networkAndMask();
    if (nm == null) {
      return false;
    }
    byte[] x = to4(addr);
    if (x == null) {
      x = addr;
    }
    if (x.length != nm[0].length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if ((nm[0][i] & nm[1][i]) != (x[i] & nm[1][i])) {
        return false;
      }
    }
    return true;
  }

  int prefixLength() {
    int n = 0;
    for (byte b : mask) {
      n += Integer.bitCount(b & 0xff);
    }
    return n;
  }

  int bits() {
    return mask.length * 8;
  }

  /** Returns the last address of the block, in the length of the block's address. */
  byte[] last() {
    byte[] out = ip.clone();
    byte[] m = mask.length == out.length ? mask : Arrays.copyOfRange(mask, mask.length - 4, 16);
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (out[i] | ~m[i]);
    }
    return out;
  }

  /** Prints the block as Go's {@code IPNet.String}. */
  @Override
  public String toString() {
    byte[][] nm = networkAndMask();
    if (nm == null) {
      return format(ip) + "/" + prefixLength();
    }
    int ones = 0;
    for (byte b : nm[1]) {
      ones += Integer.bitCount(b & 0xff);
    }
    return format(nm[0]) + "/" + ones;
  }

  // ---- merging ----

  /** A range of addresses in the 128-bit space, with IPv4 in its mapped range. */
  record Range(BigInteger first, BigInteger last) {}

  private static final BigInteger V4_BASE = new BigInteger("ffff00000000", 16);
  private static final BigInteger V4_END = new BigInteger("ffffffffffff", 16);

  /** Returns the block's addresses as a range of the 128-bit space. */
  Range range() {
    byte[] first = ip.length == 4 ? toV6(ip) : ip;
    byte[] lastBytes = last();
    byte[] last = lastBytes.length == 4 ? toV6(lastBytes) : lastBytes;
    return new Range(new BigInteger(1, first), new BigInteger(1, last));
  }

  /** Merges ranges into the fewest blocks that cover exactly their union. */
  static List<String> merge(List<Range> ranges) {
    List<Range> sorted = new ArrayList<>(ranges);
    sorted.sort((a, b) -> a.first().compareTo(b.first()));
    List<Range> merged = new ArrayList<>();
    for (Range r : sorted) {
      if (!merged.isEmpty()) {
        Range prev = merged.get(merged.size() - 1);
        if (r.first().compareTo(prev.last().add(BigInteger.ONE)) <= 0) {
          merged.set(merged.size() - 1, new Range(prev.first(), prev.last().max(r.last())));
          continue;
        }
      }
      merged.add(r);
    }
    List<String> out = new ArrayList<>();
    for (Range r : merged) {
      decompose(r.first(), r.last(), out);
    }
    return out;
  }

  private static void decompose(BigInteger first, BigInteger last, List<String> out) {
    while (first.compareTo(last) <= 0) {
      int size = first.signum() == 0 ? 128 : first.getLowestSetBit();
      size = Math.min(size, 128);
      while (size > 0
          && first.add(BigInteger.ONE.shiftLeft(size)).subtract(BigInteger.ONE).compareTo(last)
              > 0) {
        size--;
      }
      out.add(blockString(first, 128 - size));
      first = first.add(BigInteger.ONE.shiftLeft(size));
    }
  }

  private static String blockString(BigInteger first, int prefix) {
    byte[] raw = first.toByteArray();
    byte[] ip = new byte[16];
    int copy = Math.min(16, raw.length);
    System.arraycopy(raw, raw.length - copy, ip, 16 - copy, copy);
    if (prefix >= 96 && first.compareTo(V4_BASE) >= 0 && first.compareTo(V4_END) <= 0) {
      return format(ip) + "/" + (prefix - 96);
    }
    return format(ip) + "/" + prefix;
  }

  /**
   * Returns the block a bare IPv4 address stands for in {@code net.cidr_merge}: Go's classful
   * default mask (/8, /16 or /24), and the address alone above class C.
   */
  static NetCidr classful(byte[] v4) {
    int first = v4[0] & 0xff;
    int n = first < 0x80 ? 8 : first < 0xc0 ? 16 : first < 0xe0 ? 24 : 32;
    byte[] m = maskOf(n, 32);
    return new NetCidr(applyMask(v4, m), m);
  }
}
