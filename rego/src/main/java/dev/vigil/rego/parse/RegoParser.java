package dev.vigil.rego.parse;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.parse.Token.Kind;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The recursive-descent machinery behind {@link Parser}: terms, expressions, bodies and statements.
 *
 * <p>It follows the grammar of OPA's parser closely, including its habit of trying one reading and
 * backing up to try another ({@code {1 | 1}} is first tried as a set comprehension). Backing up is
 * cheap because the whole file is tokenized first: the state is an index into the token list and
 * the length of the error list. Terms already parsed at a position are remembered, so that repeated
 * attempts on nested brackets stay linear.
 *
 * <p>Work is shared with helpers that hold a reference to this parser: {@link ClauseSyntax}
 * (package and imports), {@link RuleSyntax} (rule statements), {@link CollectionSyntax} (arrays,
 * sets, objects, comprehensions), {@link TemplateSyntax} and {@link LogicSyntax}.
 *
 * <p>Errors are collected, not thrown; a failed construct returns null after recording why. Whether
 * a word is a keyword is decided here, per file: {@code in every if contains} are reserved in v1,
 * and in v0 only once imported.
 */
final class RegoParser {

  static final String PARSE_ERROR = "rego_parse_error";
  static final int MAX_NESTING = 1000;
  private static final int MAX_FAILED_STATEMENTS = 10;
  private static final int MAX_ENTER = 1_000_000;

  static final Set<String> BASE_KEYWORDS =
      Set.of(
          "package", "import", "as", "default", "else", "not", "some", "with", "null", "true",
          "false");
  static final List<String> FUTURE_KEYWORDS = List.of("contains", "every", "if", "in");
  private static final Set<String> ROOT_DOCUMENTS = Set.of("data", "input");

  /** A statement of a module, before rules are put together. */
  sealed interface Stmt {
    Location location();
  }

  record PackageStmt(Term.Ref path, Location location) implements Stmt {}

  record ImportStmt(Module.Import imp) implements Stmt {
    public Location location() {
      return imp.location();
    }
  }

  record RulesStmt(List<RuleDraft> rules, Location location) implements Stmt {}

  record BodyStmt(List<Expr> body, Location location) implements Stmt {}

  private record CacheEntry(Term term, int end, List<RegoError> errors) {}

  private final String src;
  private final String file;
  private final List<Token> tokens;
  private final List<Lexer.Comment> comments;
  private final List<RegoError> errors = new ArrayList<>();
  private final Map<Integer, CacheEntry> termCache = new HashMap<>();
  private final Set<String> futureOn = new HashSet<>();
  private final ParserOptions opts;
  private int pos;
  private int depth;
  private int generated;

  /** Advice for the next error, as OPA gives it: a keyword that an import would enable. */
  private String hint;

  private boolean regoV1Imported;

  RegoParser(String file, String src, ParserOptions opts) {
    this.src = src;
    this.file = file == null ? "" : file;
    this.opts = opts;
    Lexer lexer = Lexer.scan(src);
    this.tokens = lexer.tokens();
    this.comments = lexer.comments();
    if (!opts.v0Syntax()) {
      futureOn.addAll(FUTURE_KEYWORDS);
    }
  }

  List<RegoError> errors() {
    return errors;
  }

  List<Lexer.Comment> comments() {
    return comments;
  }

  String file() {
    return file;
  }

  boolean regoV1Imported() {
    return regoV1Imported;
  }

  /** Reserves a future keyword from here to the end of the file. */
  void enableKeyword(String kw) {
    futureOn.add(kw);
  }

  /** Applies {@code import rego.v1} in a v0 file: every keyword reserved, v1 rules. */
  void enableRegoV1() {
    regoV1Imported = true;
    futureOn.addAll(FUTURE_KEYWORDS);
  }

  /** Returns a fresh number for names the parser makes up, such as {@code $tw0}. */
  int nextGeneratedId() {
    return generated++;
  }

  ParserOptions options() {
    return opts;
  }

  /** Returns the deepest bracket nesting of the token stream, to refuse absurd input early. */
  int checkNesting() {
    int level = 0;
    int max = 0;
    for (Token t : tokens) {
      switch (t.kind()) {
        case LBRACK, LBRACE, LPAREN, TEMPLATE_PART -> {
          level++;
          if (level > MAX_NESTING) {
            error(t, "max parsing recursion depth exceeded (nesting deeper than 1000)");
            return level;
          }
          max = Math.max(max, level);
        }
        case RBRACK, RBRACE, RPAREN -> level = Math.max(0, level - 1);
        default -> {}
      }
    }
    return max;
  }

  // ---------------------------------------------------------------- statements

  /** Parses every statement of a file, stopping at the first one that cannot be parsed. */
  List<Stmt> parseStatements() {
    List<Stmt> stmts = new ArrayList<>();
    int failures = 0;
    while (cur().kind() != Kind.EOF) {
      int mark = pos;
      int errs = errors.size();
      Stmt stmt = new ClauseSyntax(this).parsePackage();
      if (stmt == null && errors.size() == errs) {
        restore(mark, errs);
        stmt = new ClauseSyntax(this).parseImport();
      }
      if (stmt == null && errors.size() == errs) {
        restore(mark, errs);
        List<RuleDraft> rules = new RuleSyntax(this).parseRules();
        if (rules != null) {
          stmt = new RulesStmt(rules, rules.get(0).location);
        }
      }
      if (stmt == null && errors.size() == errs) {
        restore(mark, errs);
        List<Expr> body = parseQuery(true, Kind.EOF);
        if (body != null) {
          stmt = new BodyStmt(body, body.get(0).location());
        }
      }
      if (stmt == null) {
        if (errors.size() == errs) {
          illegal("");
        }
        if (++failures == MAX_FAILED_STATEMENTS || !resync()) {
          break;
        }
        continue;
      }
      stmts.add(stmt);
    }
    return stmts;
  }

  /**
   * After a statement fails, skips to the next line that starts in column 1 below the last error,
   * where the next rule most likely begins, so that one parse reports the problems of several
   * statements. OPA stops at the first; its first error is always Vigil's first error too.
   */
  private boolean resync() {
    Location last = errors.get(errors.size() - 1).location();
    int i = pos;
    while (i < tokens.size() - 1) {
      Token t = tokens.get(i);
      if (t.line() > last.line() && t.column() == 1 && t.newlineBefore()) {
        pos = i;
        return true;
      }
      i++;
    }
    return false;
  }

  /** Parses a query: expressions separated by semicolons or line breaks, up to the end. */
  List<Expr> parseQueryStatements() {
    List<Expr> all = new ArrayList<>();
    while (cur().kind() != Kind.EOF) {
      int errs = errors.size();
      List<Expr> body = parseQuery(true, Kind.EOF);
      if (body == null) {
        if (errors.size() == errs) {
          illegal("");
        }
        break;
      }
      all.addAll(body);
    }
    return all;
  }

  // ---------------------------------------------------------------- bodies and expressions

  /** Parses a body in braces or brackets up to (not past) {@code end}. */
  List<Expr> parseBody(Kind end) {
    if (!enter()) {
      return null;
    }
    try {
      return parseQuery(false, end);
    } finally {
      leave();
    }
  }

  List<Expr> parseQuery(boolean requireSemi, Kind end) {
    List<Expr> body = new ArrayList<>();
    if (cur().kind() == end) {
      errorAt(loc(cur()), "found empty body");
      return null;
    }
    while (true) {
      Expr expr = parseLiteral();
      if (expr == null) {
        return null;
      }
      body.add(expr);
      if (cur().kind() == Kind.SEMICOLON) {
        next();
        continue;
      }
      if (cur().kind() == end || requireSemi) {
        return body;
      }
      if (!cur().newlineBefore()) {
        if (errors.isEmpty()) {
          illegal("expected \\n or ; or " + kindName(end));
        }
        return null;
      }
    }
  }

  /** Parses one expression with its {@code not} and {@code with} parts. */
  Expr parseLiteral() {
    if (futureOn.contains("and") || futureOn.contains("or")) {
      return LogicSyntax.parse(this);
    }
    return parseSimpleLiteral(true);
  }

  /** Parses one expression without {@code and} / {@code or}; {@code with} only if allowed. */
  Expr parseSimpleLiteral(boolean allowWith) {
    Token start = cur();
    Expr.Kind kind;
    boolean negated = false;
    List<Expr.With> with = List.of();
    if (isKeyword(cur(), "not") && !keywordStartsRef()) {
      next();
      negated = true;
    }
    if (isKeyword(cur(), "some") && !keywordStartsRef()) {
      if (negated) {
        illegal("illegal negation of 'some'");
        return null;
      }
      kind = parseSome();
    } else if (isKeyword(cur(), "every") && !keywordStartsRef()) {
      if (negated) {
        illegal("illegal negation of 'every'");
        return null;
      }
      kind = parseEvery();
    } else {
      kind = parseExprKind();
    }
    if (kind == null) {
      return null;
    }
    if (allowWith && isKeyword(cur(), "with")) {
      with = parseWith();
      if (with == null) {
        return null;
      }
    }
    if (!futureOn.contains("every")
        && kind instanceof Expr.TermExpr te
        && te.term() instanceof Term.Var v
        && v.name().equals("every")
        && cur().kind() == Kind.IDENT
        && !cur().newlineBefore()) {
      hint = "`import future.keywords.every` for `every x in xs { ... }` expressions";
    }
    return new Expr(kind, negated, with, loc(start), textFrom(start));
  }

  private Expr.Kind parseExprKind() {
    Term lhs = parseTermInfixCall();
    if (lhs == null) {
      return null;
    }
    Kind k = cur().kind();
    if (k == Kind.ASSIGN || k == Kind.UNIFY) {
      Term.Ref op = operatorRef(k == Kind.ASSIGN ? "assign" : "eq", cur());
      next();
      Term rhs = parseTermInfixCall();
      if (rhs == null) {
        return null;
      }
      return new Expr.CallExpr(new Term.Call(op, List.of(lhs, rhs), lhs.location()));
    }
    if (lhs instanceof Term.Call call) {
      return new Expr.CallExpr(call);
    }
    return new Expr.TermExpr(lhs);
  }

  List<Expr.With> parseWith() {
    List<Expr.With> withs = new ArrayList<>();
    while (isKeyword(cur(), "with")) {
      Token start = cur();
      next();
      if (cur().kind() != Kind.IDENT || isReserved(cur())) {
        illegal("expected ident");
        return null;
      }
      Term target = parseTerm();
      if (target == null) {
        return null;
      }
      if (!(target instanceof Term.Ref || target instanceof Term.Var)) {
        illegal("expected with target path");
      }
      if (!isKeyword(cur(), "as")) {
        illegal("expected as keyword");
        return null;
      }
      next();
      Term value = parseTermInfixCall();
      if (value == null) {
        return null;
      }
      withs.add(new Expr.With(target, value, loc(start)));
    }
    return List.copyOf(withs);
  }

  private Expr.Kind parseSome() {
    int mark = pos;
    int errs = errors.size();
    next();
    Term term = parseTermInfixCall();
    if (term instanceof Term.Call call) {
      String op = Terms.operatorName(call);
      List<Term> a = call.args();
      if (op.equals("internal.member_2")) {
        return new Expr.SomeIn(null, a.get(0), a.get(1));
      }
      if (op.equals("internal.member_3")) {
        return new Expr.SomeIn(a.get(0), a.get(1), a.get(2));
      }
      illegal("expected `x in xs` or `x, y in xs` expression");
      return null;
    }
    restore(mark, errs);
    List<Term.Var> vars = new ArrayList<>();
    do {
      next();
      if (cur().kind() != Kind.IDENT || isReserved(cur())) {
        illegal("expected var");
        return null;
      }
      vars.add(new Term.Var(cur().text(), loc(cur())));
      next();
    } while (cur().kind() == Kind.COMMA);
    if (!futureOn.contains("in") && isWord(cur(), "in")) {
      hint = "`import future.keywords.in` for `some x in xs` expressions";
    }
    return new Expr.SomeDecl(List.copyOf(vars));
  }

  private Expr.Kind parseEvery() {
    next();
    Term term = parseTermInfixCall();
    if (term == null) {
      return null;
    }
    if (!(term instanceof Term.Call call)) {
      illegal("expected `x[, y] in xs { ... }` expression");
      return null;
    }
    String op = Terms.operatorName(call);
    List<Term> a = call.args();
    Term key = null;
    Term value;
    Term domain;
    if (op.equals("internal.member_2")) {
      value = a.get(0);
      domain = a.get(1);
    } else if (op.equals("internal.member_3")) {
      key = a.get(0);
      value = a.get(1);
      domain = a.get(2);
      if (!(key instanceof Term.Var)) {
        illegal("expected key to be a variable");
        return null;
      }
    } else {
      illegal("expected `x[, y] in xs { ... }` expression");
      return null;
    }
    if (!(value instanceof Term.Var)) {
      illegal("expected value to be a variable");
      return null;
    }
    if (cur().kind() != Kind.LBRACE) {
      illegal("missing body");
      return null;
    }
    next();
    List<Expr> body = parseBody(Kind.RBRACE);
    if (body == null) {
      return null;
    }
    next();
    return new Expr.Every(key, value, domain, List.copyOf(body));
  }

  // ---------------------------------------------------------------- operators, by precedence

  Term parseTermInfixCall() {
    return parseTermIn(true);
  }

  Term parseTermInfixCallInList() {
    return parseTermIn(false);
  }

  /** {@code x in xs} and {@code k, v in xs}, the loosest binding operator. */
  private Term parseTermIn(boolean keyValue) {
    if (!enter()) {
      return null;
    }
    try {
      Token start = cur();
      Term lhs = parseTermRelation();
      while (lhs != null) {
        if (keyValue && cur().kind() == Kind.COMMA) {
          int mark = pos;
          int errs = errors.size();
          next();
          Term mhs = parseTermRelation();
          if (mhs != null && isKeyword(cur(), "in")) {
            Term.Ref op = memberRef("member_3", cur());
            next();
            Term rhs = parseTermRelation();
            if (rhs != null) {
              lhs = new Term.Call(op, List.of(lhs, mhs, rhs), loc(start));
              continue;
            }
          }
          restore(mark, errs);
        }
        if (!isKeyword(cur(), "in")) {
          return lhs;
        }
        Term.Ref op = memberRef("member_2", cur());
        next();
        Term rhs = parseTermRelation();
        if (rhs == null) {
          return lhs;
        }
        lhs = new Term.Call(op, List.of(lhs, rhs), loc(start));
      }
      return lhs;
    } finally {
      leave();
    }
  }

  private Term parseTermRelation() {
    return parseBinary(0);
  }

  private static final List<Set<Kind>> LEVELS =
      List.of(
          Set.of(Kind.EQUAL, Kind.NEQ, Kind.LT, Kind.GT, Kind.LTE, Kind.GTE),
          Set.of(Kind.OR),
          Set.of(Kind.AND),
          Set.of(Kind.ADD, Kind.SUB),
          Set.of(Kind.MUL, Kind.QUO, Kind.REM));

  /** Parses a left-associative chain of the operators of one precedence level. */
  private Term parseBinary(int level) {
    if (level == LEVELS.size()) {
      return parseTerm();
    }
    if (!enter()) {
      return null;
    }
    try {
      Token start = cur();
      Term lhs = parseBinary(level + 1);
      while (lhs != null && LEVELS.get(level).contains(cur().kind())) {
        Term.Ref op = operatorRef(operatorName(cur().kind()), cur());
        next();
        Term rhs = parseBinary(level + 1);
        if (rhs == null) {
          return lhs;
        }
        lhs = new Term.Call(op, List.of(lhs, rhs), loc(start));
      }
      return lhs;
    } finally {
      leave();
    }
  }

  static String operatorName(Kind k) {
    return switch (k) {
      case EQUAL -> "equal";
      case NEQ -> "neq";
      case LT -> "lt";
      case GT -> "gt";
      case LTE -> "lte";
      case GTE -> "gte";
      case OR -> "or";
      case AND -> "and";
      case ADD -> "plus";
      case SUB -> "minus";
      case MUL -> "mul";
      case QUO -> "div";
      case REM -> "rem";
      default -> throw new IllegalArgumentException("not an operator: " + k);
    };
  }

  private Term.Ref operatorRef(String name, Token at) {
    Location l = loc(at);
    return new Term.Ref(new Term.Var(name, l), List.of(), l);
  }

  private Term.Ref memberRef(String name, Token at) {
    Location l = loc(at);
    return new Term.Ref(
        new Term.Var("internal", l), List.of(new Term.Scalar(StringValue.of(name), l)), l);
  }

  // ---------------------------------------------------------------- terms

  /** Parses a package or import path, whose first word may be a keyword: {@code package in.x}. */
  Term parseTermAllowingKeyword() {
    Token t = cur();
    next();
    return parseTermFinish(new Term.Var(t.text(), loc(t)));
  }

  Term parseTerm() {
    if (!enter()) {
      return null;
    }
    try {
      int start = pos;
      CacheEntry hit = termCache.get(start);
      if (hit != null) {
        pos = hit.end();
        errors.addAll(hit.errors());
        return hit.term();
      }
      int errs = errors.size();
      Term term = parsePrimary();
      if (term != null) {
        term = parseTermFinish(term);
      }
      List<RegoError> added = List.copyOf(errors.subList(errs, errors.size()));
      termCache.put(start, new CacheEntry(term, pos, added));
      return term;
    } finally {
      leave();
    }
  }

  private Term parsePrimary() {
    Token t = cur();
    switch (t.kind()) {
      case IDENT -> {
        return parseWord(t);
      }
      case NUMBER, SUB, DOT -> {
        return parseNumber();
      }
      case STRING -> {
        next();
        return new Term.Scalar(StringValue.of(t.value()), loc(t));
      }
      case TEMPLATE_PART, TEMPLATE_END -> {
        return TemplateSyntax.parse(this);
      }
      case LBRACK -> {
        return new CollectionSyntax(this).parseArray();
      }
      case LBRACE -> {
        return new CollectionSyntax(this).parseSetOrObject();
      }
      case LPAREN -> {
        next();
        Term inner = parseTermInfixCall();
        if (inner == null) {
          return null;
        }
        if (cur().kind() != Kind.RPAREN) {
          errorAt(loc(cur()), "non-terminated expression");
          return null;
        }
        next();
        return inner;
      }
      default -> {
        illegal("");
        return null;
      }
    }
  }

  private Term parseWord(Token t) {
    String w = t.text();
    if (isReserved(t) && keywordStartsRef()) {
      next();
      return new Term.Var(w, loc(t));
    }
    if (isKeyword(t, "null") || isKeyword(t, "true") || isKeyword(t, "false")) {
      next();
      Location l = loc(t);
      return switch (w) {
        case "null" -> new Term.Scalar(NullValue.NULL, l);
        case "true" -> new Term.Scalar(BooleanValue.TRUE, l);
        default -> new Term.Scalar(BooleanValue.FALSE, l);
      };
    }
    if (isReserved(t) && !w.equals("contains") && !keywordStartsRef()) {
      illegal("");
      return null;
    }
    next();
    return new Term.Var(w, loc(t));
  }

  /** Continues a term into a ref or call when {@code . [ (} follows without a space. */
  private Term parseTermFinish(Term head) {
    if (adjacentRefContinuation() || (cur().kind() == Kind.LPAREN && !cur().spaceBefore())) {
      return parseRef(head);
    }
    return rootRef(head);
  }

  static Term rootRef(Term head) {
    if (head instanceof Term.Var v && ROOT_DOCUMENTS.contains(v.name())) {
      return new Term.Ref(v, List.of(), v.location());
    }
    return head;
  }

  /** Parses the rest of a ref: {@code .name}, {@code [term]} and call arguments, repeatedly. */
  Term parseRef(Term head) {
    if (!enter()) {
      return null;
    }
    try {
      switch (head) {
        case Term.Var v -> {}
        case Term.ArrayTerm a -> {}
        case Term.ObjectTerm o -> {}
        case Term.SetTerm s -> {}
        case Term.ArrayComprehension c -> {}
        case Term.SetComprehension c -> {}
        case Term.ObjectComprehension c -> {}
        case Term.Call c -> {}
        default -> errorAt(head.location(), "illegal ref (head cannot be " + valueName(head) + ")");
      }
      List<Term> path = new ArrayList<>();
      while (true) {
        Token t = cur();
        if (t.spaceBefore() && !path.isEmpty()) {
          return new Term.Ref(head, List.copyOf(path), head.location());
        }
        switch (t.kind()) {
          case DOT -> {
            next();
            if (cur().kind() != Kind.IDENT || cur().spaceBefore()) {
              illegal("expected ident");
              return null;
            }
            path.add(new Term.Scalar(StringValue.of(cur().text()), loc(cur())));
            next();
          }
          case LBRACK -> {
            next();
            Term index = parseTermInfixCall();
            if (index == null) {
              return null;
            }
            if (cur().kind() != Kind.RBRACK) {
              illegal("expected ]");
              return null;
            }
            path.add(index);
            next();
          }
          case LPAREN -> {
            Term.Ref operator = new Term.Ref(head, List.copyOf(path), head.location());
            Term call = parseCall(operator);
            if (call == null) {
              return null;
            }
            if (!(adjacentRefContinuation())) {
              return call;
            }
            head = call;
            path.clear();
          }
          default -> {
            return path.isEmpty()
                ? rootRef(head)
                : new Term.Ref(head, List.copyOf(path), head.location());
          }
        }
      }
    } finally {
      leave();
    }
  }

  private Term parseCall(Term.Ref operator) {
    next();
    if (cur().kind() == Kind.RPAREN) {
      next();
      if (operator.path().isEmpty()
          && operator.head() instanceof Term.Var v
          && v.name().equals("set")) {
        return new Term.SetTerm(List.of(), operator.location());
      }
      return new Term.Call(operator, List.of(), operator.location());
    }
    List<Term> args = new CollectionSyntax(this).parseTermList(Kind.RPAREN, new ArrayList<>());
    if (args == null) {
      return null;
    }
    return new Term.Call(operator, List.copyOf(args), operator.location());
  }

  private Term parseNumber() {
    Token start = cur();
    String prefix = "";
    if (cur().kind() == Kind.SUB) {
      prefix = "-";
      next();
      if (cur().kind() != Kind.NUMBER && cur().kind() != Kind.DOT) {
        illegal("expected number");
        return null;
      }
    }
    if (cur().kind() == Kind.DOT) {
      prefix += ".";
      next();
      if (cur().kind() != Kind.NUMBER) {
        illegal("expected number");
        return null;
      }
    }
    String lit = cur().text();
    if (!prefix.endsWith(".") && lit.length() > 1 && lit.charAt(0) == '0') {
      boolean decimal = lit.charAt(1) == '.';
      boolean scientific = lit.length() > 2 && (lit.charAt(1) == 'e' || lit.charAt(1) == 'E');
      if (!decimal && !scientific) {
        illegal("expected number without leading zero");
        return null;
      }
    }
    BigDecimal d;
    try {
      d = new BigDecimal(prefix + lit);
    } catch (NumberFormatException e) {
      illegal("invalid float");
      return null;
    }
    long exponent = (long) d.precision() - d.scale();
    if (d.signum() != 0 && (exponent > 30_000 || exponent < -30_000)) {
      errorAt(loc(cur()), "number too big");
      return null;
    }
    next();
    return new Term.Scalar(NumberValue.of(d), loc(start));
  }

  // ---------------------------------------------------------------- tokens and state

  Token cur() {
    return tokens.get(pos);
  }

  Token peek(int ahead) {
    return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
  }

  void next() {
    if (pos < tokens.size() - 1) {
      pos++;
    }
  }

  int mark() {
    return pos;
  }

  int errorCount() {
    return errors.size();
  }

  void restore(int mark, int errorCount) {
    pos = mark;
    errors.subList(errorCount, errors.size()).clear();
    hint = null;
  }

  /** Returns the source text from {@code start} to the end of the last consumed token. */
  String textFrom(Token start) {
    int end = pos > 0 ? tokens.get(pos - 1).end() : start.offset();
    return end <= start.offset() ? "" : src.substring(start.offset(), end);
  }

  Location loc(Token t) {
    return new Location(file, t.line(), t.column());
  }

  /** True when the word is reserved in this file right now. */
  boolean isKeywordWord(String w) {
    return BASE_KEYWORDS.contains(w) || futureOn.contains(w);
  }

  boolean isKeyword(Token t, String word) {
    return t.kind() == Kind.IDENT && t.text().equals(word) && isKeywordWord(word);
  }

  boolean isReserved(Token t) {
    return t.kind() == Kind.IDENT && isKeywordWord(t.text());
  }

  static boolean isWord(Token t, String word) {
    return t.kind() == Kind.IDENT && t.text().equals(word);
  }

  /** True when the current token is followed, without a space, by {@code .} or {@code [}. */
  boolean keywordStartsRef() {
    Token n = peek(1);
    return (n.kind() == Kind.DOT || n.kind() == Kind.LBRACK) && !n.spaceBefore();
  }

  /** True when the current token is {@code .} or {@code [} written right after the previous. */
  boolean adjacentRefContinuation() {
    Token t = cur();
    return (t.kind() == Kind.DOT || t.kind() == Kind.LBRACK) && !t.spaceBefore();
  }

  boolean enter() {
    depth++;
    if (depth > MAX_ENTER) {
      errorAt(loc(cur()), "max parsing recursion depth exceeded");
      depth--;
      return false;
    }
    return true;
  }

  void leave() {
    depth--;
  }

  // ---------------------------------------------------------------- errors

  void errorAt(Location where, String message) {
    if (hint != null) {
      message += " (hint: " + hint + ")";
      hint = null;
    }
    errors.add(new RegoError(PARSE_ERROR, message, where));
  }

  void error(Token t, String message) {
    errorAt(loc(t), message);
  }

  /** Records {@code unexpected <token> <kind>[: note]} at the current token, as OPA words it. */
  void illegal(String note) {
    Token t = cur();
    if (t.kind() == Kind.ILLEGAL) {
      RegoError e = new RegoError(PARSE_ERROR, t.value(), loc(t));
      if (!errors.contains(e)) {
        errors.add(e);
      }
      return;
    }
    String what = tokenName(t);
    String type = isReserved(t) ? "keyword" : "token";
    error(t, "unexpected " + what + " " + type + (note.isEmpty() ? "" : ": " + note));
  }

  private String tokenName(Token t) {
    return switch (t.kind()) {
      case IDENT -> isReserved(t) ? t.text() : "ident";
      case NUMBER -> "number";
      case STRING -> "string";
      case TEMPLATE_PART, TEMPLATE_END -> "template-string";
      case EOF -> "eof";
      default -> t.kind().symbol == null ? t.kind().name().toLowerCase() : t.kind().symbol;
    };
  }

  static String kindName(Kind k) {
    return k == Kind.EOF ? "eof" : k.symbol;
  }

  static boolean isString(Term t, String s) {
    return t instanceof Term.Scalar sc
        && sc.value() instanceof StringValue sv
        && sv.value().equals(s);
  }

  /** OPA's name for the kind of a term, as error messages use it. */
  static String valueName(Term t) {
    return switch (t) {
      case Term.Scalar s ->
          switch (s.value()) {
            case StringValue v -> "string";
            case NumberValue v -> "number";
            case BooleanValue v -> "boolean";
            case NullValue v -> "null";
            default -> "value";
          };
      case Term.Var v -> "var";
      case Term.Ref r -> "ref";
      case Term.ArrayTerm a -> "array";
      case Term.SetTerm s -> "set";
      case Term.ObjectTerm o -> "object";
      case Term.ArrayComprehension c -> "arraycomprehension";
      case Term.SetComprehension c -> "setcomprehension";
      case Term.ObjectComprehension c -> "objectcomprehension";
      case Term.Call c -> "call";
      case Term.TemplateString ts -> "templatestring";
    };
  }
}
