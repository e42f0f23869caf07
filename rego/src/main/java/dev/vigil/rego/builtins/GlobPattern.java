package dev.vigil.rego.builtins;

import com.google.re2j.Pattern;
import java.util.List;

/**
 * Compiles a glob in the syntax of the Go library {@code gobwas/glob}, which OPA's {@code
 * glob.match} uses, into an RE2/J pattern that matches whole strings.
 *
 * <ul>
 *   <li>{@code *} matches any run of characters that are not delimiters; {@code **} matches any run
 *       of characters at all; {@code ?} matches one character that is not a delimiter.
 *   <li>{@code [abc]}, {@code [a-z]}, {@code [!abc]} and {@code [!a-z]} match one character of (or
 *       not of) a list or a single range.
 *   <li>{@code {a,b*,c}} matches any of the comma-separated sub-patterns.
 *   <li>{@code \} makes the next character literal.
 * </ul>
 */
final class GlobPattern {

  private final String glob;
  private final String notDelimiter;
  private final String anyChar;
  private int pos;
  private int depth;

  /** The deepest nesting of {@code {...}} alternatives accepted, to keep recursion shallow. */
  static final int MAX_NESTING = 100;

  private GlobPattern(String glob, List<Integer> delimiters) {
    this.glob = glob;
    if (delimiters.isEmpty()) {
      notDelimiter = "(?s:.)";
    } else {
      StringBuilder b = new StringBuilder("[^");
      for (int d : delimiters) {
        b.append(hex(d));
      }
      notDelimiter = b.append(']').toString();
    }
    anyChar = "(?s:.)";
  }

  /**
   * Compiles the glob.
   *
   * @throws BuiltinException naming the position of a syntax error
   */
  static Pattern compile(String glob, List<Integer> delimiters) {
    GlobPattern g = new GlobPattern(glob, delimiters);
    StringBuilder regex = new StringBuilder("^");
    g.sequence(regex, false);
    if (g.pos < glob.length()) {
      throw error("unexpected '" + glob.charAt(g.pos) + "' at position " + g.pos);
    }
    return Pattern.compile(regex.append('$').toString());
  }

  private static BuiltinException error(String message) {
    return BuiltinException.error(message);
  }

  private static String hex(int cp) {
    return "\\x{" + Integer.toHexString(cp) + "}";
  }

  /** Reads until the end, or (inside braces) until an unescaped ',' or '}'. */
  private void sequence(StringBuilder out, boolean inTerms) {
    while (pos < glob.length()) {
      int c = glob.codePointAt(pos);
      if (inTerms && (c == ',' || c == '}')) {
        return;
      }
      pos += Character.charCount(c);
      switch (c) {
        case '*' -> {
          if (pos < glob.length() && glob.charAt(pos) == '*') {
            pos++;
            out.append(anyChar).append('*');
          } else {
            out.append(notDelimiter).append('*');
          }
        }
        case '?' -> out.append(notDelimiter);
        case '[' -> range(out);
        case '{' -> terms(out);
        case '\\' -> out.append(hex(escaped()));
        case ']', '}' ->
            throw error("unexpected '" + (char) c + "' at position " + (pos - 1) + " in glob");
        default -> out.append(hex(c));
      }
    }
  }

  private int escaped() {
    if (pos >= glob.length()) {
      throw error("unexpected end of input after escape character in glob");
    }
    int c = glob.codePointAt(pos);
    pos += Character.charCount(c);
    return c;
  }

  private void range(StringBuilder out) {
    boolean not = false;
    if (pos < glob.length() && glob.charAt(pos) == '!') {
      not = true;
      pos++;
    }
    StringBuilder cls = new StringBuilder(not ? "[^" : "[");
    int first = pos < glob.length() ? glob.codePointAt(pos) : -1;
    int afterFirst = first < 0 ? pos : pos + Character.charCount(first);
    if (first >= 0
        && first != ']'
        && afterFirst < glob.length()
        && glob.charAt(afterFirst) == '-') {
      int lo = first;
      pos = afterFirst + 1;
      if (pos >= glob.length()) {
        throw error("unexpected end of input in range of glob");
      }
      int hi = glob.codePointAt(pos);
      pos += Character.charCount(hi);
      if (pos >= glob.length() || glob.charAt(pos) != ']') {
        throw error("expected close range character in glob");
      }
      pos++;
      if (hi < lo) {
        throw error(
            "range is out of order in glob: '"
                + new String(Character.toChars(lo))
                + "-"
                + new String(Character.toChars(hi))
                + "'");
      }
      out.append(cls).append(hex(lo)).append('-').append(hex(hi)).append(']');
      return;
    }
    int count = 0;
    while (true) {
      if (pos >= glob.length()) {
        throw error("unexpected end of input in range of glob");
      }
      int c = glob.codePointAt(pos);
      pos += Character.charCount(c);
      if (c == ']') {
        break;
      }
      if (c == '\\') {
        c = escaped();
      }
      cls.append(hex(c));
      count++;
    }
    if (count == 0) {
      out.append(not ? "(?s:.)" : "[^\\x{0}-\\x{10ffff}]");
      return;
    }
    out.append(cls).append(']');
  }

  private void terms(StringBuilder out) {
    if (++depth > MAX_NESTING) {
      throw error("alternatives {...} are nested more than " + MAX_NESTING + " deep in glob");
    }
    out.append("(?:");
    while (true) {
      sequence(out, true);
      if (pos >= glob.length()) {
        throw error("unexpected end of input in alternatives of glob");
      }
      char c = glob.charAt(pos++);
      if (c == '}') {
        break;
      }
      out.append('|');
    }
    out.append(')');
    depth--;
  }

  /** Escapes the glob meta characters {@code * ? \ [ ] { }}, as gobwas/glob's QuoteMeta. */
  static String quoteMeta(String s) {
    StringBuilder b = new StringBuilder(s.length() * 2);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ("*?\\[]{}".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
