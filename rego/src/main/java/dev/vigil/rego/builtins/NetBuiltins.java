package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Builtins of the Net family: CIDR arithmetic on IPv4 and IPv6 blocks, and host name lookup.
 *
 * <p>Policies get no network by default: {@code net.lookup_ip_addr} resolves a name only when the
 * engine allows network access. Without it, an IP literal is answered as itself and {@code
 * localhost} (RFC 6761) as the loopback addresses, since neither needs the network; any other name
 * is refused with an error that says how to allow it.
 */
final class NetBuiltins {

  private NetBuiltins() {}

  /** The most addresses {@code net.cidr_expand} lists, so that a wide block fails, not exhausts. */
  static final int EXPAND_LIMIT = 65_536;

  private static final Type STRING = Type.STRING;
  private static final Type CIDR_MATCH_OPERAND =
      Type.anyOf(STRING, Type.array(Type.ANY), Type.set(Type.ANY), Type.object(Type.ANY, Type.ANY));

  static void register(BuiltinRegistry r) {
    r.register(
        "net.cidr_contains",
        List.of(STRING, STRING),
        Type.BOOLEAN,
        "Checks if a CIDR or IP is contained within another CIDR.",
        (ctx, a) -> BooleanValue.of(contains(Operands.string(a, 0), Operands.string(a, 1))));
    r.register(
        "net.cidr_overlap",
        List.of(STRING, STRING),
        Type.BOOLEAN,
        "Deprecated (v0 only): checks if an IP is contained within a CIDR; use net.cidr_contains.",
        (ctx, a) -> BooleanValue.of(contains(Operands.string(a, 0), Operands.string(a, 1))));
    r.register(
        "net.cidr_intersects",
        List.of(STRING, STRING),
        Type.BOOLEAN,
        "Checks if a CIDR intersects with another CIDR.",
        (ctx, a) -> {
          NetCidr x = cidr(Operands.string(a, 0));
          NetCidr y = cidr(Operands.string(a, 1));
          return BooleanValue.of(x.contains(y.ip) || y.contains(x.ip));
        });
    r.register(
        "net.cidr_contains_matches",
        List.of(CIDR_MATCH_OPERAND, CIDR_MATCH_OPERAND),
        Type.set(Type.array(Type.ANY)),
        "Checks which CIDRs or IPs in the second operand are contained in CIDRs of the first,"
            + " returning pairs of their keys.",
        (ctx, a) -> containsMatches(ctx, a[0], a[1]));
    r.register(
        "net.cidr_expand",
        List.of(STRING),
        Type.set(STRING),
        "Expands a CIDR to the set of IP addresses it contains.",
        (ctx, a) -> expand(ctx, Operands.string(a, 0)));
    r.register(
        "net.cidr_is_valid",
        List.of(Type.ANY),
        Type.BOOLEAN,
        "Checks if a string is a valid CIDR.",
        (ctx, a) -> BooleanValue.of(a[0] instanceof StringValue s && isCidr(s.value())));
    r.register(
        "net.cidr_merge",
        List.of(Type.anyOf(Type.array(STRING), Type.set(STRING))),
        Type.set(STRING),
        "Merges IP addresses and subnets into the smallest possible list of CIDRs.",
        (ctx, a) -> merge(ctx, a[0]));
    r.register(
        new BuiltinDecl(
            "net.lookup_ip_addr",
            List.of(STRING),
            Type.set(STRING),
            "Returns the IP addresses of a host name; needs network access to be enabled.",
            true),
        (ctx, a) -> lookup(ctx, Operands.string(a, 0)));
  }

  private static NetCidr cidr(String s) {
    try {
      return NetCidr.parse(s);
    } catch (NetCidr.FormatException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static boolean isCidr(String s) {
    try {
      NetCidr.parse(s);
      return true;
    } catch (NetCidr.FormatException e) {
      return false;
    }
  }

  /** Checks whether block a contains the address or the whole block b, as OPA does. */
  private static boolean contains(String a, String b) {
    NetCidr net = cidr(a);
    return contains(net, addressOrBlock(b));
  }

  /** Parses an address (a byte array) or else a block ({@link NetCidr}). */
  private static Object addressOrBlock(String b) {
    byte[] ip = NetCidr.parseIp(b);
    if (ip != null) {
      return ip;
    }
    try {
      return NetCidr.parse(b);
    } catch (NetCidr.FormatException e) {
      throw BuiltinException.error(
          "not a valid textual representation of an IP address or CIDR: " + b);
    }
  }

  private static boolean contains(NetCidr net, Object addressOrBlock) {
    return switch (addressOrBlock) {
      case byte[] ip -> net.contains(ip);
      case NetCidr inner -> net.contains(inner.ip) && net.contains(inner.last());
      default -> throw new IllegalArgumentException("not an address or block");
    };
  }

  /** One element of a cidr_contains_matches operand: its CIDR or IP and its key. */
  private record Match(Value cidr, Value key) {}

  /**
   * Reads an operand's elements in OPA's order (a set's elements and an object's keys sorted), the
   * sort charged to {@code ctx}: elements may be arrays as deep as the caller likes.
   */
  private static List<Match> matchElements(BuiltinContext ctx, int operand, Value v) {
    List<Match> out = new ArrayList<>();
    switch (v) {
      case StringValue s -> out.add(new Match(s, s));
      case ArrayValue arr -> {
        for (int i = 0; i < arr.size(); i++) {
          out.add(new Match(matchCidr(operand, arr.get(i)), NumberValue.of(i)));
        }
      }
      case SetValue set -> {
        for (Value e : set.elements(ctx::charge)) {
          out.add(new Match(matchCidr(operand, e), e));
        }
      }
      case ObjectValue o -> {
        for (Value k : o.keys(ctx::charge)) {
          out.add(new Match(matchCidr(operand, o.get(k)), k));
        }
      }
      default -> {}
    }
    return out;
  }

  private static Value matchCidr(int operand, Value element) {
    if (element instanceof StringValue) {
      return element;
    }
    if (element instanceof ArrayValue arr && arr.size() > 0) {
      return arr.get(0);
    }
    throw BuiltinException.error(
        "operand " + operand + ": element must be string or non-empty array");
  }

  /**
   * Tests every pair of the two operands' elements: the product of their counts, charged a unit per
   * pair, each CIDR or address parsed once rather than once per pair, and the matches counted
   * against the size limit as they are found, since every pair may match.
   */
  private static Value containsMatches(BuiltinContext ctx, Value first, Value second) {
    Set<Value> out = new HashSet<>();
    long size = 1;
    List<Match> seconds = matchElements(ctx, 2, second);
    Object[] inner = new Object[seconds.size()];
    for (Match m1 : matchElements(ctx, 1, first)) {
      NetCidr net = null;
      for (int j = 0; j < seconds.size(); j++) {
        ctx.charge(1);
        String c1 = operandString(m1.cidr());
        String c2 = operandString(seconds.get(j).cidr());
        if (net == null) {
          net = cidr(c1);
        }
        if (inner[j] == null) {
          inner[j] = addressOrBlock(c2);
        }
        if (contains(net, inner[j])) {
          ArrayValue pair = ArrayValue.of(m1.key(), seconds.get(j).key());
          if (out.add(pair)) {
            size += Values.unsharedSize(pair);
            ctx.checkSize("net.cidr_contains_matches", size);
          }
        }
      }
    }
    return SetValue.wrap(out);
  }

  private static String operandString(Value v) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operandType(1, v, "string");
  }

  private static Value expand(BuiltinContext ctx, String s) {
    NetCidr net = cidr(s);
    int hostBits = net.bits() - net.prefixLength();
    if (hostBits > 16) {
      throw BuiltinException.error(
          "CIDR "
              + s
              + " has 2^"
              + hostBits
              + " addresses, more than the "
              + EXPAND_LIMIT
              + " that can be expanded");
    }
    BigInteger first = new BigInteger(1, net.ip);
    int count = 1 << hostBits;
    Set<Value> out = new HashSet<>();
    for (int i = 0; i < count; i++) {
      ctx.charge(1);
      byte[] raw = first.add(BigInteger.valueOf(i)).toByteArray();
      byte[] ip = new byte[net.ip.length];
      int copy = Math.min(ip.length, raw.length);
      System.arraycopy(raw, raw.length - copy, ip, ip.length - copy, copy);
      out.add(StringValue.of(NetCidr.format(ip)));
    }
    return SetValue.wrap(out);
  }

  /** Merges the operand's blocks, a set's elements read in order, the sort charged to ctx. */
  private static Value merge(BuiltinContext ctx, Value operand) {
    List<Value> items =
        operand instanceof SetValue s ? s.elements(ctx::charge) : ((ArrayValue) operand).elements();
    List<NetCidr.Range> ranges = new ArrayList<>();
    for (Value item : items) {
      if (!(item instanceof StringValue s)) {
        throw BuiltinException.error("element must be string");
      }
      byte[] ip = NetCidr.parseIp(s.value());
      NetCidr net;
      if (ip == null) {
        net = cidr(s.value());
      } else {
        byte[] v4 = NetCidr.to4(ip);
        if (v4 == null) {
          throw BuiltinException.error("IPv6 invalid: needs prefix length");
        }
        net = NetCidr.classful(v4);
      }
      ranges.add(net.range());
    }
    Set<Value> out = new HashSet<>();
    for (String block : NetCidr.merge(ranges)) {
      out.add(StringValue.of(block));
    }
    return SetValue.wrap(out);
  }

  private static Value lookup(BuiltinContext ctx, String name) {
    byte[] literal = NetCidr.parseIp(name);
    if (literal != null) {
      return SetValue.of(StringValue.of(NetCidr.format(literal)));
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("localhost") || lower.endsWith(".localhost")) {
      return SetValue.of(StringValue.of("127.0.0.1"), StringValue.of("::1"));
    }
    if (!ctx.networkAllowed()) {
      throw BuiltinException.error(
          "network access is disabled for policies, so "
              + EncodingGoQuote.quote(name)
              + " cannot be resolved; enable it with the engine option networkAllowed");
    }
    try {
      Set<Value> out = new HashSet<>();
      for (InetAddress address : InetAddress.getAllByName(name)) {
        out.add(StringValue.of(NetCidr.format(address.getAddress())));
      }
      return SetValue.wrap(out);
    } catch (UnknownHostException e) {
      throw BuiltinException.error("lookup " + name + ": no such host");
    }
  }
}
