package dev.vigil.rego.builtins.graphql;

/** Quotes text as Go's {@code strconv.Quote} does, since gqlparser's messages use it. */
final class GoQuote {

  private GoQuote() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case 7 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 11 -> b.append("\\v");
                default -> appendOther(b, c);
              }
            });
    return b.append('"').toString();
  }

  private static void appendOther(StringBuilder b, int c) {
    if (c < 0x20 || c == 0x7f) {
      b.append(String.format("\\x%02x", c));
    } else if (Character.isISOControl(c) || !Character.isDefined(c)) {
      b.append(c > 0xFFFF ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
    } else {
      b.appendCodePoint(c);
    }
  }
}
