package dev.vigil.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads {@code application/x-www-form-urlencoded} bodies (the console's forms). */
final class Forms {

  /** Bodies past this size are refused; the console's forms are a few hundred bytes. */
  static final int MAX_BODY = 16 * 1024;

  private Forms() {}

  /**
   * Returns the fields of a form body; the first value of a repeated field wins.
   *
   * @throws IllegalArgumentException when the body is too large or not URL encoding
   */
  static Map<String, String> parse(String body) {
    if (body == null || body.isEmpty()) {
      return Map.of();
    }
    if (body.length() > MAX_BODY) {
      throw new IllegalArgumentException("the form is too large");
    }
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.putIfAbsent(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the form is not valid URL encoding");
    }
  }
}
