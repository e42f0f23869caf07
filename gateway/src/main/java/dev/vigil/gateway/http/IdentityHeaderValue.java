package dev.vigil.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes an identity the gateway vouches for (a user id, an e-mail address, groups) as a header
 * value the app reads back exactly. A header carries bytes: a character outside ASCII went out as
 * its Latin-1 byte or as {@code ?}, so two people whose names differ only there reached the app as
 * one user, and a control character would have ended the line. Such characters, a space at either
 * end (which readers trim) and {@code %} itself are percent-encoded as UTF-8 (RFC 3986 §2.1), and
 * so is {@code ,} in a group, since groups are joined with it: every value decodes to exactly one
 * identity, and a plain ASCII name is sent as it is.
 */
public final class IdentityHeaderValue {

  private IdentityHeaderValue() {}

  /** Returns {@code value} as one header value. */
  public static String of(String value) {
    return encode(value, false);
  }

  /** Returns {@code items} as one header value, each item encoded and joined with commas. */
  public static String list(List<String> items) {
    return items.stream().map(i -> encode(i, true)).collect(Collectors.joining(","));
  }

  private static String encode(String value, boolean item) {
    if (plain(value, item)) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 16);
    int last = value.length() - 1;
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      boolean end = i == 0 || i + Character.charCount(cp) > last;
      if (cp < 0x80 && kept((char) cp, item) && !(cp == ' ' && end)) {
        out.append((char) cp);
      } else {
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  private static boolean plain(String value, boolean item) {
    for (int i = 0; i < value.length(); i++) {
      if (!kept(value.charAt(i), item)) {
        return false;
      }
    }
    return value.isEmpty() || (value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' ');
  }

  private static boolean kept(char c, boolean item) {
    return c >= 0x20 && c < 0x7F && c != '%' && !(item && c == ',');
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
