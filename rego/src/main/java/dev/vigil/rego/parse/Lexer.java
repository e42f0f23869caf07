package dev.vigil.rego.parse;

import dev.vigil.rego.parse.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits Rego source into tokens, all at once, so that the parser can back up by index.
 *
 * <p>Keywords come out as identifiers: which words are reserved depends on the Rego version and the
 * file's imports, which only the parser knows. Problems (an unterminated string, a stray {@code !})
 * come out as {@link Kind#ILLEGAL} tokens carrying the complaint, and the parser reports them where
 * it meets them.
 *
 * <p>Template strings {@code $"a {x} b"} are cut into pieces: {@code $"a {} is a TEMPLATE_PART,
 * then the tokens of {@code x}, then the {@code }} that closes the expression, then {@code b"}, a
 * TEMPLATE_END. A stack of open template expressions, each counting its own braces, tells which
 * {@code }} resumes a template string.
 */
final class Lexer {

  /** A {@code #} comment: where it starts and its text after the {@code #}. */
  record Comment(int line, int column, String text) {}

  private final String src;
  private final List<Token> tokens = new ArrayList<>();
  private final List<Comment> comments = new ArrayList<>();
  private final Deque<int[]> templateDepths = new ArrayDeque<>();
  private final Deque<Boolean> templateRaw = new ArrayDeque<>();
  private int pos;
  private int line = 1;
  private int lineStart;
  private boolean space;
  private boolean newline;

  private Lexer(String src) {
    this.src = src;
  }

  /** Returns the tokens of {@code src}, ending with one EOF token. */
  static Lexer scan(String src) {
    Lexer lexer = new Lexer(src);
    lexer.run();
    return lexer;
  }

  List<Token> tokens() {
    return tokens;
  }

  List<Comment> comments() {
    return comments;
  }

  private void run() {
    if (src.startsWith("\uFEFF")) {
      pos = 1;
      lineStart = 1;
    }
    while (true) {
      skipSpaceAndComments();
      if (pos >= src.length()) {
        add(Kind.EOF, pos, null);
        return;
      }
      scanToken();
    }
  }

  private void skipSpaceAndComments() {
    space = false;
    newline = false;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        newline = true;
        space = true;
        pos++;
        line++;
        lineStart = pos;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        space = true;
        pos++;
      } else if (c == '#') {
        int start = pos;
        while (pos < src.length() && src.charAt(pos) != '\n') {
          Token bad = illegalChar(pos);
          if (bad != null) {
            tokens.add(bad);
          }
          pos++;
        }
        int end = pos > start + 1 && src.charAt(pos - 1) == '\r' ? pos - 1 : pos;
        comments.add(new Comment(line, start - lineStart + 1, src.substring(start + 1, end)));
        space = true;
      } else {
        return;
      }
    }
  }

  private void scanToken() {
    int start = pos;
    char c = src.charAt(pos);
    if (isLetter(c)) {
      while (pos < src.length() && (isLetter(src.charAt(pos)) || isDigit(src.charAt(pos)))) {
        pos++;
      }
      add(Kind.IDENT, start, null);
    } else if (isDigit(c)) {
      scanNumber(start);
    } else if (c == '"') {
      scanString(start);
    } else if (c == '`') {
      scanRawString(start);
    } else if (c == '$' && pos + 1 < src.length() && (peek(1) == '"' || peek(1) == '`')) {
      boolean raw = peek(1) == '`';
      pos += 2;
      scanTemplatePiece(start, raw);
    } else {
      scanPunctuation(start, c);
    }
  }

  private void scanPunctuation(int start, char c) {
    pos++;
    Kind kind =
        switch (c) {
          case '[' -> Kind.LBRACK;
          case ']' -> Kind.RBRACK;
          case '{' -> Kind.LBRACE;
          case '}' -> Kind.RBRACE;
          case '(' -> Kind.LPAREN;
          case ')' -> Kind.RPAREN;
          case '.' -> Kind.DOT;
          case ',' -> Kind.COMMA;
          case ';' -> Kind.SEMICOLON;
          case '+' -> Kind.ADD;
          case '-' -> Kind.SUB;
          case '*' -> Kind.MUL;
          case '/' -> Kind.QUO;
          case '%' -> Kind.REM;
          case '&' -> Kind.AND;
          case '|' -> Kind.OR;
          case ':' -> follows('=') ? Kind.ASSIGN : Kind.COLON;
          case '=' -> follows('=') ? Kind.EQUAL : Kind.UNIFY;
          case '<' -> follows('=') ? Kind.LTE : Kind.LT;
          case '>' -> follows('=') ? Kind.GTE : Kind.GT;
          case '!' -> follows('=') ? Kind.NEQ : Kind.ILLEGAL;
          default -> Kind.ILLEGAL;
        };
    if (kind == Kind.ILLEGAL) {
      if (Character.isHighSurrogate(c) && pos < src.length()) {
        pos++;
      }
      String problem =
          switch (c) {
            case '!' -> "illegal ! character";
            case '$' -> "illegal $ character";
            case '\0' -> "illegal null character";
            case '\uFEFF' -> "illegal byte-order mark";
            default -> "illegal token";
          };
      add(kind, start, problem);
      return;
    }
    if (kind == Kind.LBRACE && !templateDepths.isEmpty()) {
      templateDepths.peek()[0]++;
    }
    if (kind == Kind.RBRACE && !templateDepths.isEmpty()) {
      if (templateDepths.peek()[0] == 0) {
        add(kind, start, null);
        templateDepths.pop();
        boolean raw = templateRaw.pop();
        space = false;
        newline = false;
        scanTemplatePiece(pos - 1, raw);
        return;
      }
      templateDepths.peek()[0]--;
    }
    add(kind, start, null);
  }

  private boolean follows(char c) {
    if (pos < src.length() && src.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void scanNumber(int start) {
    String problem = null;
    while (pos < src.length() && isDigit(src.charAt(pos))) {
      pos++;
    }
    if (pos < src.length() && src.charAt(pos) == '.') {
      pos++;
      int digits = pos;
      while (pos < src.length() && isDigit(src.charAt(pos))) {
        pos++;
      }
      if (pos == digits) {
        problem = "expected fraction";
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      int digits = pos;
      while (pos < src.length() && isDigit(src.charAt(pos))) {
        pos++;
      }
      if (pos == digits) {
        problem = "expected exponent";
      }
    }
    if (pos < src.length() && isLetter(src.charAt(pos))) {
      problem = "illegal number format";
      while (pos < src.length() && (isLetter(src.charAt(pos)) || isDigit(src.charAt(pos)))) {
        pos++;
      }
    }
    add(problem == null ? Kind.NUMBER : Kind.ILLEGAL, start, problem);
  }

  private void scanString(int start) {
    pos++;
    StringBuilder value = new StringBuilder();
    while (true) {
      if (pos >= src.length() || src.charAt(pos) == '\n') {
        add(Kind.ILLEGAL, start, "non-terminated string");
        return;
      }
      char c = src.charAt(pos);
      if (c == '"') {
        pos++;
        add(Kind.STRING, start, value.toString());
        return;
      }
      Token bad = illegalChar(pos);
      if (bad != null) {
        skipRestOfString('"');
        tokens.add(bad);
        return;
      }
      if (c == '\\') {
        String problem = unescape(value, false);
        if (problem != null) {
          skipRestOfString('"');
          if (problem.equals("illegal string literal")) {
            problem += ": " + src.substring(start, pos);
          }
          add(Kind.ILLEGAL, start, problem);
          return;
        }
      } else {
        value.append(c);
        pos++;
      }
    }
  }

  private void skipRestOfString(char quote) {
    while (pos < src.length() && src.charAt(pos) != quote && src.charAt(pos) != '\n') {
      pos += src.charAt(pos) == '\\' && pos + 1 < src.length() ? 2 : 1;
    }
    if (pos < src.length() && src.charAt(pos) == quote) {
      pos++;
    }
  }

  private void scanRawString(int start) {
    pos++;
    int from = pos;
    Token bad = null;
    while (pos < src.length() && src.charAt(pos) != '`') {
      if (bad == null) {
        bad = illegalChar(pos);
      }
      countNewline(src.charAt(pos));
      pos++;
    }
    if (pos >= src.length()) {
      add(Kind.ILLEGAL, start, "non-terminated string");
      return;
    }
    if (bad != null) {
      pos++;
      tokens.add(bad);
      return;
    }
    String value = src.substring(from, pos);
    pos++;
    add(Kind.STRING, start, value);
  }

  /**
   * Scans template text up to an unescaped {@code {} (a part: an expression follows) or the closing
   * quote (the end). {@code pos} is just past the opening {@code $"} or {@code }}.
   */
  private void scanTemplatePiece(int start, boolean raw) {
    char quote = raw ? '`' : '"';
    StringBuilder value = new StringBuilder();
    int startLine = line;
    int startLineStart = lineStart;
    while (true) {
      if (pos >= src.length() || (!raw && src.charAt(pos) == '\n')) {
        addAt(Kind.ILLEGAL, start, "non-terminated string", startLine, startLineStart);
        return;
      }
      char c = src.charAt(pos);
      if (c == quote) {
        pos++;
        addAt(Kind.TEMPLATE_END, start, value.toString(), startLine, startLineStart);
        return;
      }
      Token bad = illegalChar(pos);
      if (bad != null) {
        skipRestOfString(quote);
        tokens.add(bad);
        return;
      }
      if (c == '{') {
        pos++;
        addAt(Kind.TEMPLATE_PART, start, value.toString(), startLine, startLineStart);
        templateDepths.push(new int[] {0});
        templateRaw.push(raw);
        return;
      }
      if (c == '\\' && pos + 1 < src.length() && src.charAt(pos + 1) == '{') {
        value.append('{');
        pos += 2;
      } else if (c == '\\' && !raw) {
        String problem = unescape(value, true);
        if (problem != null) {
          skipRestOfString(quote);
          addAt(Kind.ILLEGAL, start, problem, startLine, startLineStart);
          return;
        }
      } else {
        countNewline(c);
        value.append(c);
        pos++;
      }
    }
  }

  private void countNewline(char c) {
    if (c == '\n') {
      line++;
      lineStart = pos + 1;
    }
  }

  /** Decodes the JSON escape at {@code pos} (RFC 8259 section 7) and returns null, or a problem. */
  private String unescape(StringBuilder out, boolean template) {
    if (pos + 1 >= src.length()) {
      return "non-terminated string";
    }
    char e = src.charAt(pos + 1);
    pos += 2;
    switch (e) {
      case '"', '\\', '/' -> out.append(e);
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'u' -> {
        int unit = hex4(pos);
        if (unit < 0) {
          return "illegal string literal";
        }
        pos += 4;
        appendUnit(out, unit);
      }
      default -> {
        return "illegal escape sequence";
      }
    }
    return null;
  }

  /** Appends a UTF-16 unit from a \\u escape, pairing surrogates as Go's JSON decoder does. */
  private void appendUnit(StringBuilder out, int unit) {
    if (Character.isHighSurrogate((char) unit)
        && pos + 5 < src.length()
        && src.charAt(pos) == '\\'
        && src.charAt(pos + 1) == 'u') {
      int low = hex4(pos + 2);
      if (low >= 0 && Character.isLowSurrogate((char) low)) {
        out.append((char) unit).append((char) low);
        pos += 6;
        return;
      }
    }
    if (Character.isSurrogate((char) unit)) {
      out.append('\uFFFD');
    } else {
      out.append((char) unit);
    }
  }

  private int hex4(int at) {
    if (at + 4 > src.length()) {
      return -1;
    }
    int v = 0;
    for (int i = at; i < at + 4; i++) {
      int d = Character.digit(src.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  /**
   * Returns the error token for a character OPA's scanner refuses wherever it stands, in a string
   * or a comment too: a NUL, or a byte-order mark past the start of the file; null for any other.
   * It is placed at the character, as OPA places it.
   */
  private Token illegalChar(int at) {
    char c = src.charAt(at);
    String problem =
        c == '\0' ? "illegal null character" : c == '\uFEFF' ? "illegal byte-order mark" : null;
    if (problem == null) {
      return null;
    }
    return new Token(
        Kind.ILLEGAL,
        String.valueOf(c),
        problem,
        line,
        at - lineStart + 1,
        at,
        at + 1,
        space,
        newline);
  }

  private char peek(int ahead) {
    return src.charAt(pos + ahead);
  }

  private void add(Kind kind, int start, String value) {
    addAt(kind, start, value, line, lineStart);
  }

  private void addAt(Kind kind, int start, String value, int atLine, int atLineStart) {
    int startLine = atLine;
    int column = start - atLineStart + 1;
    if (start < atLineStart) {
      // a raw string spanning lines: recompute the start position
      startLine = line - (int) src.substring(start, pos).chars().filter(ch -> ch == '\n').count();
      column = start - (src.lastIndexOf('\n', start - 1) + 1) + 1;
    }
    String text = src.substring(start, Math.min(pos, src.length()));
    tokens.add(new Token(kind, text, value, startLine, column, start, pos, space, newline));
  }

  static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
