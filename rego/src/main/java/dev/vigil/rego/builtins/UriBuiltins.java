package dev.vigil.rego.builtins;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builtins of the URI family, which read URLs as Go's {@code net/url} does (RFC 3986): a host may
 * percent-encode only non-ASCII bytes, userinfo is checked, a port is ASCII digits only.
 */
final class UriBuiltins {

  private UriBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "uri.parse",
        List.of(Type.STRING),
        Type.object(Type.STRING, Type.STRING),
        "Parses a URI into scheme, hostname, port, path, raw_path, raw_query and fragment;"
            + " empty parts are left out.",
        (ctx, a) -> parse(Operands.string(a, 0)));
    r.register(
        "uri.is_valid",
        List.of(Type.ANY),
        Type.BOOLEAN,
        "Checks that the string is a non-empty URI reference that uri.parse accepts.",
        (ctx, a) -> BooleanValue.of(a[0] instanceof StringValue s && isValid(s.value())));
  }

  private static boolean isValid(String s) {
    if (s.isEmpty()) {
      return false;
    }
    try {
      UriGoUrl.parse(s);
      return true;
    } catch (UriGoUrl.UrlException e) {
      return false;
    }
  }

  private static Value parse(String s) {
    UriGoUrl.Url url;
    try {
      url = UriGoUrl.parse(s);
    } catch (UriGoUrl.UrlException e) {
      throw BuiltinException.error(e.getMessage());
    }
    Map<Value, Value> out = new HashMap<>();
    put(out, "scheme", url.scheme());
    put(out, "hostname", url.hostname());
    put(out, "port", url.port());
    put(out, "path", url.path());
    put(out, "raw_path", url.rawPath().isEmpty() ? url.path() : url.rawPath());
    put(out, "raw_query", url.rawQuery());
    put(out, "fragment", url.fragment());
    return ObjectValue.wrap(out);
  }

  private static void put(Map<Value, Value> out, String key, String value) {
    if (value != null && !value.isEmpty()) {
      out.put(StringValue.of(key), StringValue.of(value));
    }
  }
}
