package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A JWS in compact serialization (RFC 7515 section 7.1) split into its three base64url sections,
 * with OPA's messages for each way it can be malformed.
 */
record JwtToken(String header, String payload, String signature) {

  /** Splits a token; it must have exactly three sections. */
  static JwtToken split(String token) {
    if (token.indexOf('.') < 0) {
      throw BuiltinException.error("encoded JWT had no period separators");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw BuiltinException.error("encoded JWT must have 3 sections, found " + parts.length);
    }
    return new JwtToken(parts[0], parts[1], parts[2]);
  }

  /** Decodes the header into an object, refusing encrypted tokens (RFC 7516 section 9). */
  ObjectValue decodedHeader() {
    String text = decodeSection(header, "JWT header had invalid encoding: ");
    ObjectValue o = jsonObject(text, "bad JWT header: ");
    if (o.containsKey(StringValue.of("enc"))) {
      throw BuiltinException.error("JWT is a JWE object, which is not supported");
    }
    return o;
  }

  String decodedPayload() {
    return decodeSection(payload, "JWT payload had invalid encoding: ");
  }

  byte[] decodedSignature() {
    return decodeBytes(signature, "");
  }

  /** The bytes the signature covers: the first two sections joined by a period. */
  byte[] signingInput() {
    return (header + "." + payload).getBytes(StandardCharsets.UTF_8);
  }

  static String decodeSection(String section, String prefix) {
    return new String(decodeBytes(section, prefix), StandardCharsets.UTF_8);
  }

  static byte[] decodeBytes(String section, String prefix) {
    try {
      return CryptoBase64.decodeUrlLenient(section);
    } catch (CryptoBase64.Base64Exception | IllegalArgumentException e) {
      throw BuiltinException.error(prefix + e.getMessage());
    }
  }

  /** Parses a JSON object; of duplicate keys the last wins, as with Go's decoder. */
  static ObjectValue jsonObject(String text, String prefix) {
    Value v;
    try {
      v = Json.parse(text);
    } catch (RuntimeException e) {
      throw BuiltinException.error(prefix + "invalid JSON: " + e.getMessage());
    }
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.error(prefix + "decoded JSON type was not an Object");
  }

  /** The JOSE header parameters that decide verification (RFC 7515 section 4.1). */
  record Header(String alg, String kid, String cty, boolean valid) {

    static Header of(ObjectValue h) {
      String alg = stringParam(h, "alg");
      String kid = stringParam(h, "kid");
      stringParam(h, "typ");
      String cty = stringParam(h, "cty");
      Set<String> crit = crit(h.get("crit"));
      boolean valid = !alg.isEmpty();
      // In any order: only whether some parameter is marked critical counts, so no sort.
      for (Value k : h.asMap().keySet()) {
        String name = ((StringValue) k).value();
        if (!List.of("alg", "kid", "typ", "cty", "crit").contains(name) && crit.contains(name)) {
          valid = false;
        }
      }
      return new Header(alg, kid, cty, valid);
    }

    private static String stringParam(ObjectValue h, String name) {
      Value v = h.get(name);
      if (v == null) {
        return "";
      }
      if (v instanceof StringValue s) {
        return s.value();
      }
      throw BuiltinException.error(name + ": must be a string");
    }

    private static Set<String> crit(Value v) {
      Set<String> out = new HashSet<>();
      if (v == null) {
        return out;
      }
      if (!(v instanceof ArrayValue a)) {
        throw BuiltinException.error("crit: must be a list");
      }
      for (Value e : a.elements()) {
        if (!(e instanceof StringValue s)) {
          break;
        }
        out.add(s.value());
      }
      if (out.isEmpty()) {
        throw BuiltinException.error("crit: must be a nonempty list");
      }
      return out;
    }
  }
}
