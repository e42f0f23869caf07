package dev.vigil.gateway.http;

import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the fields of a form ({@code application/x-www-form-urlencoded}, in a body or a query) as
 * one value per name, and refuses a name given twice: of {@code password=a&password=b} one reader
 * takes the first value and another the last (a proxy, a framework, the app behind), so that what
 * one checked is not what another acts on. Every form the gateway and the console read goes through
 * here. Stateless and thread-safe.
 */
public final class FormFields {

  private FormFields() {}

  /**
   * Returns the fields of a form body, decoded as UTF-8; a pair without {@code =} or without a name
   * is no field.
   *
   * @throws IllegalArgumentException naming the field that appears twice, or saying the body is not
   *     URL encoding
   */
  public static Map<String, String> parse(String body) {
    Map<String, String> fields = new HashMap<>();
    if (body == null || body.isEmpty()) {
      return fields;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        String name = decode(pair.substring(0, eq));
        if (fields.put(name, decode(pair.substring(eq + 1))) != null) {
          throw twice(name);
        }
      }
    }
    return fields;
  }

  /**
   * Checks that no parameter of a query is given twice.
   *
   * @throws IllegalArgumentException naming the first parameter that is
   */
  public static void requireSingle(MultiMap params) {
    for (String name : params.names()) {
      if (params.getAll(name).size() > 1) {
        throw twice(name);
      }
    }
  }

  private static IllegalArgumentException twice(String name) {
    return new IllegalArgumentException(
        "form field \"" + printable(name) + "\" appears twice; a field may appear only once");
  }

  /** A name a client chose, for a message: no control characters, at most 100 of them. */
  private static String printable(String name) {
    String safe = name.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 100 ? safe.substring(0, 100) + "..." : safe;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("form field is not valid URL encoding");
    }
  }
}
