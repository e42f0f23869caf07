package dev.vigil.gateway.http;

import io.vertx.core.MultiMap;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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

  /**
   * Decodes one name or value: {@code +} is a space, {@code %XX} a byte, and the bytes must be
   * UTF-8 (WHATWG URL, application/x-www-form-urlencoded parsing). {@link java.net.URLDecoder}
   * would turn an escape that is not UTF-8 ({@code caf%E9}, Latin-1) into U+FFFD, so that a reason
   * kept in an audit trail would not be the one sent.
   */
  private static String decode(String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 2 < s.length() ? hex(s.charAt(i + 1)) : -1;
        int lo = hi < 0 ? -1 : hex(s.charAt(i + 2));
        if (lo < 0) {
          throw new IllegalArgumentException("form field is not valid URL encoding");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
        bytes.writeBytes((c == '+' ? " " : s.substring(i, end)).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("form field is not valid URL encoding of UTF-8 text");
    }
  }

  /** An ASCII hex digit's value, or -1: {@link Character#digit} takes other scripts' digits. */
  private static int hex(char c) {
    return c < 128 ? Character.digit(c, 16) : -1;
  }
}
