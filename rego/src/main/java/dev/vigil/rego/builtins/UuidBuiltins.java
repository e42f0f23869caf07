package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Builtins of the UUID family: random version 4 UUIDs and parsing of RFC 4122 UUIDs. */
final class UuidBuiltins {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** 100-nanosecond intervals from 1582-10-15 (the Gregorian epoch of RFC 4122) to 1970. */
  private static final long GREGORIAN_TO_UNIX_100NS = 12_219_292_800L * 10_000_000L;

  private record CacheKey(Value arg) {}

  private UuidBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        new BuiltinDecl(
            "uuid.rfc4122",
            List.of(STRING),
            STRING,
            "Returns a random version 4 UUID, the same one for the same operand within a query.",
            true),
        (c, a) ->
            (Value)
                c.queryCache().computeIfAbsent(new CacheKey(a[0]), k -> StringValue.of(random())));
    r.register(
        "uuid.parse",
        List.of(STRING),
        Type.object(STRING, Type.ANY),
        "Parses a UUID into its version, variant and, for versions 1 and 2, its fields;"
            + " undefined when the string is not a UUID.",
        (c, a) -> parse(Operands.string(a, 0)));
  }

  static String random() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    b[6] = (byte) ((b[6] & 0x0f) | 0x40);
    b[8] = (byte) ((b[8] & 0x3f) | 0x80);
    return format(b);
  }

  private static String format(byte[] b) {
    String hex = HexFormat.of().formatHex(b);
    return hex.substring(0, 8)
        + "-"
        + hex.substring(8, 12)
        + "-"
        + hex.substring(12, 16)
        + "-"
        + hex.substring(16, 20)
        + "-"
        + hex.substring(20);
  }

  /** Reads the forms Go's google/uuid accepts: plain, braced (any two wrappers), urn:uuid:, hex. */
  static byte[] bytes(String s) {
    String hex;
    switch (s.length()) {
      case 36 -> hex = dashed(s);
      case 38 -> hex = dashed(s.substring(1, 37));
      case 45 -> hex = s.regionMatches(true, 0, "urn:uuid:", 0, 9) ? dashed(s.substring(9)) : null;
      case 32 -> hex = s;
      default -> hex = null;
    }
    if (hex == null || !hex.matches("[0-9a-fA-F]{32}")) {
      return null;
    }
    return HexFormat.of().parseHex(hex);
  }

  private static String dashed(String s) {
    if (s.length() != 36
        || s.charAt(8) != '-'
        || s.charAt(13) != '-'
        || s.charAt(18) != '-'
        || s.charAt(23) != '-') {
      return null;
    }
    return s.replace("-", "");
  }

  private static Value parse(String s) {
    byte[] u = bytes(s);
    if (u == null) {
      return null;
    }
    int version = (u[6] & 0xff) >> 4;
    Map<Value, Value> out = new HashMap<>();
    out.put(StringValue.of("version"), NumberValue.of(version));
    out.put(StringValue.of("variant"), StringValue.of(variant(u[8])));
    if (version == 1 || version == 2) {
      long time = (be(u, 0, 4)) | (be(u, 4, 2) << 32) | ((be(u, 6, 2) & 0xfff) << 48);
      BigInteger nanos =
          BigInteger.valueOf(time)
              .subtract(BigInteger.valueOf(GREGORIAN_TO_UNIX_100NS))
              .multiply(BigInteger.valueOf(100));
      out.put(StringValue.of("time"), NumberValue.of(nanos));
      StringBuilder node = new StringBuilder();
      for (int i = 10; i < 16; i++) {
        node.append(i > 10 ? "-" : "").append(String.format("%02x", u[i] & 0xff));
      }
      out.put(StringValue.of("nodeid"), StringValue.of(node.toString()));
      out.put(StringValue.of("macvariables"), StringValue.of(macVariables(u[10])));
      out.put(StringValue.of("clocksequence"), NumberValue.of(be(u, 8, 2) & 0x3fff));
      if (version == 2) {
        out.put(StringValue.of("id"), NumberValue.of(be(u, 0, 4)));
        out.put(StringValue.of("domain"), StringValue.of(domain(u[9] & 0xff)));
      }
    }
    return ObjectValue.wrap(out);
  }

  private static long be(byte[] b, int from, int n) {
    long v = 0;
    for (int i = from; i < from + n; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  private static String variant(byte b) {
    if ((b & 0xc0) == 0x80) {
      return "RFC4122";
    }
    if ((b & 0xe0) == 0xc0) {
      return "Microsoft";
    }
    if ((b & 0xe0) == 0xe0) {
      return "Future";
    }
    return "Reserved";
  }

  private static String macVariables(byte b) {
    if ((b & 3) == 3) {
      return "local:multicast";
    }
    if ((b & 1) == 1) {
      return "global:multicast";
    }
    if ((b & 2) == 2) {
      return "local:unicast";
    }
    return "global:unicast";
  }

  private static String domain(int d) {
    return switch (d) {
      case 0 -> "Person";
      case 1 -> "Group";
      case 2 -> "Org";
      default -> "Domain" + d;
    };
  }
}
