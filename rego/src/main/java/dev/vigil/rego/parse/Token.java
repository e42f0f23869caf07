package dev.vigil.rego.parse;

/**
 * One lexical token of Rego source.
 *
 * @param kind what the token is
 * @param text the exact source text of the token
 * @param value for strings and template parts, the decoded text; for illegal tokens, the lexer's
 *     complaint; otherwise null
 * @param line 1-based line of the first character
 * @param column 1-based column of the first character
 * @param offset index of the first character in the source
 * @param end index just past the last character
 * @param spaceBefore true when whitespace or a comment separates it from the previous token
 * @param newlineBefore true when a line break separates it from the previous token
 */
record Token(
    Kind kind,
    String text,
    String value,
    int line,
    int column,
    int offset,
    int end,
    boolean spaceBefore,
    boolean newlineBefore) {

  /** Token kinds. Keywords are identifiers here; the parser decides which words are reserved. */
  enum Kind {
    IDENT,
    NUMBER,
    STRING,
    /** A template string piece ending in {@code {}: more follows after an expression. */
    TEMPLATE_PART,
    /** The last piece of a template string, ending in its closing quote. */
    TEMPLATE_END,
    LBRACK("["),
    RBRACK("]"),
    LBRACE("{"),
    RBRACE("}"),
    LPAREN("("),
    RPAREN(")"),
    DOT("."),
    COMMA(","),
    SEMICOLON(";"),
    COLON(":"),
    UNIFY("="),
    ASSIGN(":="),
    EQUAL("=="),
    NEQ("!="),
    LT("<"),
    GT(">"),
    LTE("<="),
    GTE(">="),
    ADD("+"),
    SUB("-"),
    MUL("*"),
    QUO("/"),
    REM("%"),
    AND("&"),
    OR("|"),
    EOF,
    ILLEGAL;

    final String symbol;

    Kind() {
      this.symbol = null;
    }

    Kind(String symbol) {
      this.symbol = symbol;
    }
  }
}
