package dev.vigil.rego.builtins;

/**
 * Quotes strings as Go's {@code strconv.Quote} and {@code %q} do, so that error messages quoting an
 * input read exactly as OPA's: printable characters as they are, {@code \n} style escapes for the
 * usual controls, {@code \x00} for other ASCII controls and {@code \u00a0} for other unprintable
 * characters.
 */
final class EncodingGoQuote {

  private EncodingGoQuote() {}

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    sb.append('"');
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      appendRune(c, sb);
    }
    return sb.append('"').toString();
  }

  private static void appendRune(int c, StringBuilder sb) {
    switch (c) {
      case '"' -> sb.append("\\\"");
      case '\\' -> sb.append("\\\\");
      case 0x07 -> sb.append("\\a");
      case '\b' -> sb.append("\\b");
      case '\f' -> sb.append("\\f");
      case '\n' -> sb.append("\\n");
      case '\r' -> sb.append("\\r");
      case '\t' -> sb.append("\\t");
      case 0x0b -> sb.append("\\v");
      default -> {
        if (isPrint(c)) {
          sb.appendCodePoint(c);
        } else if (c < 0x80) {
          sb.append(String.format("\\x%02x", c));
        } else if (Character.isSurrogate((char) c) && c < 0x10000) {
          sb.append("\\ufffd");
        } else if (c < 0x10000) {
          sb.append(String.format("\\u%04x", c));
        } else {
          sb.append(String.format("\\U%08x", c));
        }
      }
    }
  }

  /** Returns true for what Go's {@code unicode.IsPrint} accepts. */
  static boolean isPrint(int c) {
    if (c == ' ') {
      return true;
    }
    if (c < 0x20 || c == 0x7f) {
      return false;
    }
    return switch (Character.getType(c)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.UNASSIGNED,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SPACE_SEPARATOR ->
          false;
      default -> true;
    };
  }
}
