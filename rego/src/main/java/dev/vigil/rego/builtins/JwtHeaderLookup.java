package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;

/**
 * Finds the {@code alg} of a JOSE header given as text, with the messages OPA's signing path gives:
 * text that is not JSON at all is "cannot parse JSON", while a value that is not an object simply
 * has no {@code alg}.
 */
final class JwtHeaderLookup {

  private static final String PREFIX = "missing or invalid 'alg' header: ";

  private JwtHeaderLookup() {}

  /** Parses the header; null when it is a JSON-like value without members. */
  static ObjectValue parse(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw BuiltinException.error(PREFIX + "cannot parse JSON: cannot parse empty string");
    }
    Value v;
    try {
      v = Json.parse(text);
    } catch (RuntimeException e) {
      if ("{[\"tfn".indexOf(trimmed.charAt(0)) >= 0) {
        throw BuiltinException.error(PREFIX + "cannot parse JSON: " + e.getMessage());
      }
      return null;
    }
    return v instanceof ObjectValue o ? o : null;
  }

  static String alg(ObjectValue header) {
    Value alg = header == null ? null : header.get("alg");
    if (alg == null) {
      throw BuiltinException.error(PREFIX + "jwsbb: header \"alg\" not found");
    }
    if (!(alg instanceof StringValue s)) {
      throw BuiltinException.error(PREFIX + "jwsbb: header \"alg\" is not a string");
    }
    return s.value();
  }
}
