package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * Builds values shaped like Go's JSON encoding of its crypto types, which is what OPA returns: byte
 * slices as standard base64, big integers as numbers, nil slices as null, and field names as Go
 * spells them.
 */
final class X509GoJson {

  private X509GoJson() {}

  /** An object whose fields keep the order they were put in (for readability when debugging). */
  static final class Fields {
    private final Map<Value, Value> map = new LinkedHashMap<>();

    Fields put(String name, Value v) {
      map.put(StringValue.of(name), v == null ? NullValue.NULL : v);
      return this;
    }

    Fields put(String name, String s) {
      return put(name, StringValue.of(s));
    }

    Fields put(String name, boolean b) {
      return put(name, BooleanValue.of(b));
    }

    Fields put(String name, long n) {
      return put(name, NumberValue.of(n));
    }

    ObjectValue build() {
      return ObjectValue.of(new HashMap<>(map));
    }
  }

  static Value bytes(byte[] b) {
    return b == null ? NullValue.NULL : StringValue.of(Base64.getEncoder().encodeToString(b));
  }

  static Value big(BigInteger n) {
    return n == null ? NullValue.NULL : NumberValue.of(n);
  }

  /** A Go slice: null when empty, as a nil slice encodes. */
  static Value slice(List<? extends Value> items) {
    return items == null || items.isEmpty() ? NullValue.NULL : ArrayValue.of(items);
  }

  static Value strings(List<String> items) {
    return slice(items == null ? null : items.stream().map(StringValue::of).toList());
  }

  /** An object identifier as Go's asn1.ObjectIdentifier encodes: an array of integers. */
  static Value oid(ASN1ObjectIdentifier oid) {
    List<Value> parts = new ArrayList<>();
    for (String p : oid.getId().split("\\.")) {
      parts.add(NumberValue.of(new BigInteger(p)));
    }
    return ArrayValue.of(parts);
  }

  /** A public key as Go's rsa, ecdsa and ed25519 types encode. */
  static Value publicKey(PublicKey key) {
    return switch (key) {
      case RSAPublicKey k ->
          new Fields().put("N", big(k.getModulus())).put("E", big(k.getPublicExponent())).build();
      case ECPublicKey k ->
          new Fields()
              .put("Curve", ObjectValue.EMPTY)
              .put("X", big(k.getW().getAffineX()))
              .put("Y", big(k.getW().getAffineY()))
              .build();
      case EdECPublicKey k -> bytes(ed25519Bytes(k));
      case null -> NullValue.NULL;
      default -> NullValue.NULL;
    };
  }

  /** The 32 raw bytes of an Ed25519 public key: the last bytes of its SubjectPublicKeyInfo. */
  static byte[] ed25519Bytes(PublicKey k) {
    byte[] spki = k.getEncoded();
    return java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
  }

  /** A distinguished name as Go's pkix.Name encodes, filled from the RDN sequence. */
  static Value name(X500Name name) {
    Map<String, List<String>> multi = new HashMap<>();
    String serial = "";
    String common = "";
    List<Value> names = new ArrayList<>();
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        if (!(atv.getValue() instanceof ASN1String s)) {
          continue;
        }
        String value = s.getString();
        String id = atv.getType().getId();
        names.add(new Fields().put("Type", oid(atv.getType())).put("Value", value).build());
        switch (id) {
          case "2.5.4.3" -> common = value;
          case "2.5.4.5" -> serial = value;
          case "2.5.4.6", "2.5.4.10", "2.5.4.11", "2.5.4.7", "2.5.4.8", "2.5.4.9", "2.5.4.17" ->
              multi.computeIfAbsent(id, x -> new ArrayList<>()).add(value);
          default -> {}
        }
      }
    }
    return new Fields()
        .put("Country", strings(multi.get("2.5.4.6")))
        .put("Organization", strings(multi.get("2.5.4.10")))
        .put("OrganizationalUnit", strings(multi.get("2.5.4.11")))
        .put("Locality", strings(multi.get("2.5.4.7")))
        .put("Province", strings(multi.get("2.5.4.8")))
        .put("StreetAddress", strings(multi.get("2.5.4.9")))
        .put("PostalCode", strings(multi.get("2.5.4.17")))
        .put("SerialNumber", serial)
        .put("CommonName", common)
        .put("Names", slice(names))
        .put("ExtraNames", NullValue.NULL)
        .build();
  }

  /**
   * An IP address as Go's {@code net.IP} prints it: dotted IPv4 (also for IPv4-mapped IPv6), and
   * IPv6 with the longest run of two or more zero groups shortened to {@code ::} (RFC 5952).
   */
  static String ip(byte[] b) {
    boolean mapped = b.length == 16;
    for (int i = 0; i < 12 && mapped; i++) {
      mapped = b[i] == (i < 10 ? 0 : (byte) 0xff);
    }
    if (b.length == 4 || mapped) {
      int o = b.length - 4;
      return (b[o] & 0xff)
          + "."
          + (b[o + 1] & 0xff)
          + "."
          + (b[o + 2] & 0xff)
          + "."
          + (b[o + 3] & 0xff);
    }
    if (b.length != 16) {
      StringBuilder sb = new StringBuilder("?");
      for (byte x : b) {
        sb.append(String.format("%02x", x));
      }
      return sb.toString();
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
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
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  /** A URL as Go's url.URL struct encodes, for the URIs of a SAN. */
  static Value url(java.net.URI u) {
    String host = u.getRawAuthority() == null ? "" : u.getRawAuthority();
    host = host.substring(host.lastIndexOf('@') + 1);
    return new Fields()
        .put("Scheme", u.getScheme() == null ? "" : u.getScheme())
        .put("Opaque", u.isOpaque() ? u.getRawSchemeSpecificPart() : "")
        .put("User", NullValue.NULL)
        .put("Host", host)
        .put("Path", u.getPath() == null ? "" : u.getPath())
        .put("RawPath", "")
        .put("OmitHost", false)
        .put("ForceQuery", false)
        .put("RawQuery", u.getRawQuery() == null ? "" : u.getRawQuery())
        .put("Fragment", u.getFragment() == null ? "" : u.getFragment())
        .put("RawFragment", "")
        .build();
  }
}
