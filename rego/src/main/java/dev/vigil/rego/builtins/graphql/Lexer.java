package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits GraphQL text into tokens (GraphQL spec, October 2021, section 2.1), in one pass over the
 * input. Columns count code points, as gqlparser counts runes. Comments and commas are skipped.
 */
final class Lexer {

  private final String input;
  private int start;
  private int startRunes;
  private int end;
  private int endRunes;
  private int line = 1;
  private int lineStartRunes;

  Lexer(String input) {
    this.input = input;
  }

  /** Reads the next token; at the end of the input, returns EOF tokens forever. */
  Token next() {
    while (true) {
      skipIgnored();
      start = end;
      startRunes = endRunes;
      if (end >= input.length()) {
        return token(Kind.EOF, "");
      }
      char c = input.charAt(start);
      end++;
      endRunes++;
      Kind punct = punctuator(c);
      if (punct != null) {
        return token(punct, "");
      }
      switch (c) {
        case '.' -> {
          if (input.startsWith("...", start)) {
            end += 2;
            endRunes += 2;
            return token(Kind.SPREAD, "");
          }
        }
        case '#' -> {
          skipComment();
          continue;
        }
        case '"' -> {
          return input.startsWith("\"\"\"", start) ? readBlockString() : readString();
        }
        default -> {
          if (isNameStart(c)) {
            return readName();
          }
          if (c == '-' || (c >= '0' && c <= '9')) {
            return readNumber();
          }
        }
      }
      end--;
      endRunes--;
      return unexpectedCharacter(c);
    }
  }

  private static Kind punctuator(char c) {
    return switch (c) {
      case '!' -> Kind.BANG;
      case '$' -> Kind.DOLLAR;
      case '&' -> Kind.AMP;
      case '(' -> Kind.PAREN_L;
      case ')' -> Kind.PAREN_R;
      case ':' -> Kind.COLON;
      case '=' -> Kind.EQUALS;
      case '@' -> Kind.AT;
      case '[' -> Kind.BRACKET_L;
      case ']' -> Kind.BRACKET_R;
      case '{' -> Kind.BRACE_L;
      case '}' -> Kind.BRACE_R;
      case '|' -> Kind.PIPE;
      default -> null;
    };
  }

  private Token unexpectedCharacter(char c) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return error(String.format("Cannot contain the invalid character \"\\u%04d\"", (int) c));
    }
    if (c == '\'') {
      return error(
          "Unexpected single quote character ('), did you mean to use a double quote (\")?");
    }
    // gqlparser looks at the first UTF-8 byte only, and prints it as a Latin-1 character.
    int firstByte = c < 0x80 ? c : firstUtf8Byte(input.codePointAt(start));
    return error("Cannot parse the unexpected character \"" + (char) firstByte + "\".");
  }

  private static int firstUtf8Byte(int cp) {
    if (cp < 0x800) {
      return 0xC0 | (cp >> 6);
    }
    return cp < 0x10000 ? 0xE0 | (cp >> 12) : 0xF0 | (cp >> 18);
  }

  private static boolean isNameStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }

  private void skipIgnored() {
    while (end < input.length()) {
      char c = input.charAt(end);
      switch (c) {
        case '\t', ' ', ',', '\uFEFF' -> advance();
        case '\n' -> {
          advance();
          newLine();
        }
        case '\r' -> {
          advance();
          newLine();
          if (end < input.length() && input.charAt(end) == '\n') {
            advance();
          }
        }
        default -> {
          return;
        }
      }
    }
  }

  private void advance() {
    end++;
    endRunes++;
  }

  /** Advances over one code point, counting it as one rune. */
  private void advanceCodePoint() {
    end += Character.charCount(input.codePointAt(end));
    endRunes++;
  }

  private void newLine() {
    line++;
    lineStartRunes = endRunes;
  }

  private void skipComment() {
    while (end < input.length()) {
      char c = input.charAt(end);
      if (c > 0x1f || c == '\t') {
        advanceCodePoint();
      } else {
        break;
      }
    }
  }

  private Token readName() {
    while (end < input.length() && isNameChar(input.charAt(end))) {
      advance();
    }
    return token(Kind.NAME, input.substring(start, end));
  }

  private Token readNumber() {
    end--;
    endRunes--;
    boolean isFloat = false;
    accept('-');
    if (accept('0')) {
      int consumed = acceptDigits();
      if (consumed != 0) {
        end -= consumed;
        endRunes -= consumed;
        return error("Invalid number, unexpected digit after 0: " + describeNext() + ".");
      }
    } else if (acceptDigits() == 0) {
      return error("Invalid number, expected digit but got: " + describeNext() + ".");
    }
    if (accept('.')) {
      isFloat = true;
      if (acceptDigits() == 0) {
        return error("Invalid number, expected digit but got: " + describeNext() + ".");
      }
    }
    if (accept('e') || accept('E')) {
      isFloat = true;
      if (!accept('-')) {
        accept('+');
      }
      if (acceptDigits() == 0) {
        return error("Invalid number, expected digit but got: " + describeNext() + ".");
      }
    }
    return token(isFloat ? Kind.FLOAT : Kind.INT, input.substring(start, end));
  }

  private boolean accept(char c) {
    if (end < input.length() && input.charAt(end) == c) {
      advance();
      return true;
    }
    return false;
  }

  private int acceptDigits() {
    int consumed = 0;
    while (end < input.length() && input.charAt(end) >= '0' && input.charAt(end) <= '9') {
      advance();
      consumed++;
    }
    return consumed;
  }

  private String describeNext() {
    if (end < input.length()) {
      char c = input.charAt(end);
      return "\"" + (char) (c < 0x80 ? c : firstUtf8Byte(input.codePointAt(end))) + "\"";
    }
    return "<EOF>";
  }

  private Token readString() {
    start++;
    startRunes++;
    StringBuilder buf = null;
    while (end < input.length()) {
      char c = input.charAt(end);
      if (c == '\n' || c == '\r') {
        break;
      }
      if (c < 0x20 && c != '\t') {
        return error(String.format("Invalid character within String: \"\\u%04d\".", (int) c));
      }
      if (c == '"') {
        String value = buf != null ? buf.toString() : input.substring(start, end);
        Token t = token(Kind.STRING, value);
        advance();
        return t;
      }
      if (c != '\\') {
        int cp = input.codePointAt(end);
        advanceCodePoint();
        if (buf != null) {
          buf.appendCodePoint(cp);
        }
        continue;
      }
      if (end + 1 >= input.length()) {
        advance();
        return error("Invalid character escape sequence.");
      }
      if (buf == null) {
        buf = new StringBuilder(input.substring(start, end));
      }
      char escape = input.charAt(end + 1);
      if (escape == 'u') {
        if (end + 6 >= input.length()) {
          advance();
          return error("Invalid character escape sequence: \\" + input.substring(end) + ".");
        }
        int r = unhex(input.substring(end + 2, end + 6));
        if (r < 0) {
          advance();
          return error(
              "Invalid character escape sequence: \\" + input.substring(end, end + 5) + ".");
        }
        buf.append((char) r);
        end += 6;
        endRunes += 6;
        continue;
      }
      char decoded =
          switch (escape) {
            case '"', '/', '\\' -> escape;
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            default -> 0;
          };
      if (decoded == 0) {
        advance();
        return error("Invalid character escape sequence: \\" + escape + ".");
      }
      buf.append(decoded);
      end += 2;
      endRunes += 2;
    }
    return error("Unterminated string.");
  }

  private static int unhex(String hex) {
    int v = 0;
    for (int i = 0; i < hex.length(); i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  private Token readBlockString() {
    start += 3;
    startRunes += 3;
    end += 2;
    endRunes += 2;
    StringBuilder buf = new StringBuilder();
    while (end < input.length()) {
      char c = input.charAt(end);
      if (c == '"' && input.startsWith("\"\"\"", end)) {
        Token t = token(Kind.BLOCK_STRING, blockStringValue(buf.toString()));
        end += 3;
        endRunes += 3;
        return t;
      }
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return error(String.format("Invalid character within String: \"\\u%04d\".", (int) c));
      }
      if (c == '\\' && input.startsWith("\\\"\"\"", end)) {
        buf.append("\"\"\"");
        end += 4;
        endRunes += 4;
      } else if (c == '\r') {
        if (end + 1 < input.length() && input.charAt(end + 1) == '\n') {
          advance();
        }
        buf.append('\n');
        advance();
        newLine();
      } else {
        buf.appendCodePoint(input.codePointAt(end));
        advanceCodePoint();
        if (c == '\n') {
          newLine();
        }
      }
    }
    return error("Unterminated string.");
  }

  /** Removes the common indentation and blank first and last lines (spec section 2.9.4). */
  static String blockStringValue(String raw) {
    List<String> lines = new ArrayList<>(List.of(raw.split("\n", -1)));
    int common = Integer.MAX_VALUE;
    for (int i = 1; i < lines.size(); i++) {
      String l = lines.get(i);
      int indent = leadingWhitespace(l);
      if (indent < l.length() && indent < common) {
        common = indent;
        if (common == 0) {
          break;
        }
      }
    }
    if (common != Integer.MAX_VALUE) {
      for (int i = 1; i < lines.size(); i++) {
        String l = lines.get(i);
        lines.set(i, l.length() < common ? "" : l.substring(common));
      }
    }
    int from = 0;
    int to = lines.size();
    while (from < to && leadingWhitespace(lines.get(from)) == Integer.MAX_VALUE) {
      from++;
    }
    while (from < to && leadingWhitespace(lines.get(to - 1)) == Integer.MAX_VALUE) {
      to--;
    }
    return String.join("\n", lines.subList(from, to));
  }

  private static int leadingWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != ' ' && s.charAt(i) != '\t') {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private Token token(Kind kind, String value) {
    return new Token(kind, value, line, startRunes - lineStartRunes + 1, null);
  }

  private Token error(String message) {
    return new Token(Kind.INVALID, "", line, endRunes - lineStartRunes + 1, message);
  }
}
