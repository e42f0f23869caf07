package dev.vigil.rego.builtins.graphql;

/**
 * One lexical token. An {@link Kind#INVALID} token carries the lexer's complaint in {@code error};
 * the parser raises it only when it consumes that token, as gqlparser does.
 */
record Token(Kind kind, String value, int line, int column, String error) {

  enum Kind {
    INVALID("<Invalid>"),
    EOF("<EOF>"),
    BANG("!"),
    DOLLAR("$"),
    AMP("&"),
    PAREN_L("("),
    PAREN_R(")"),
    SPREAD("..."),
    COLON(":"),
    EQUALS("="),
    AT("@"),
    BRACKET_L("["),
    BRACKET_R("]"),
    BRACE_L("{"),
    PIPE("|"),
    BRACE_R("}"),
    NAME("Name"),
    INT("Int"),
    FLOAT("Float"),
    STRING("String"),
    BLOCK_STRING("BlockString");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  Ast.Position position() {
    return new Ast.Position(line, column);
  }

  /** Describes the token as gqlparser does: its kind, then its quoted value when it has one. */
  @Override
  public String toString() {
    return value.isEmpty() ? kind.toString() : kind + " " + GoQuote.quote(value);
  }
}
