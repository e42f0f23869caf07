package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.parse.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The experimental {@code and} / {@code or} operators between expressions, active in a file that
 * imports {@code future.keywords.and} or {@code future.keywords.or} when experimental keywords are
 * enabled.
 *
 * <p>Grammar, loosest first: {@code chain := and-group ("or" and-group)*}, {@code and-group :=
 * operand ("and" operand)*}, {@code operand := ["not"] (block | "(" chain ")" | expression)}. A
 * block {@code { a := 1; a > 0 }} is a body with its own scope. {@code not} binds to one operand,
 * and {@code with} after the last operand applies to the whole chain. A {@code { ... }} that stands
 * alone, with no {@code and}/{@code or} beside it, is read the ordinary way (a set) when it can be.
 *
 * <p>Each side of an {@link Expr.Logic} is a body. A negated operand of several expressions (or an
 * already negated one) is held as {@code not ({body} and {true})}, which means the same.
 */
final class LogicSyntax {

  private LogicSyntax() {}

  /** One operand: the body it stands for, and where its text starts. */
  private record Operand(List<Expr> body, Token start) {}

  static Expr parse(RegoParser p) {
    Token start = p.cur();
    List<List<Operand>> orGroups = new ArrayList<>();
    List<Operand> andGroup = new ArrayList<>();
    Operand first = operand(p, false);
    if (first == null) {
      return null;
    }
    andGroup.add(first);
    boolean chained = false;
    while (isAnd(p) || isOr(p)) {
      chained = true;
      if (isOr(p)) {
        orGroups.add(andGroup);
        andGroup = new ArrayList<>();
      }
      p.next();
      Operand next = operand(p, true);
      if (next == null) {
        return null;
      }
      andGroup.add(next);
    }
    orGroups.add(andGroup);
    List<Expr.With> with = List.of();
    if (p.isKeyword(p.cur(), "with")) {
      with = p.parseWith();
      if (with == null) {
        return null;
      }
    }
    if (!chained) {
      return single(p, first, with, start);
    }
    List<Expr> result = null;
    for (List<Operand> group : orGroups) {
      List<Expr> conj = fold(p, group, true);
      result = result == null ? conj : List.of(logic(p, false, result, conj, start));
    }
    Expr top = result.get(0);
    return new Expr(top.kind(), false, with, top.location(), p.textFrom(start));
  }

  /** Folds operands left to right: {@code a and b and c} is {@code (a and b) and c}. */
  private static List<Expr> fold(RegoParser p, List<Operand> operands, boolean isAnd) {
    List<Expr> acc = operands.get(0).body();
    for (int i = 1; i < operands.size(); i++) {
      acc = List.of(logic(p, isAnd, acc, operands.get(i).body(), operands.get(0).start()));
    }
    return acc;
  }

  private static Expr logic(
      RegoParser p, boolean isAnd, List<Expr> left, List<Expr> right, Token start) {
    return new Expr(
        new Expr.Logic(isAnd, List.copyOf(left), List.copyOf(right)),
        false,
        List.of(),
        p.loc(start),
        p.textFrom(start));
  }

  /** An expression with no {@code and}/{@code or}: returned as an ordinary expression. */
  private static Expr single(RegoParser p, Operand only, List<Expr.With> with, Token start) {
    if (only.body().size() != 1) {
      p.errorAt(p.loc(start), "a block { ... } must be an operand of `and` or `or`");
      return null;
    }
    Expr e = only.body().get(0);
    List<Expr.With> all = new ArrayList<>(e.with());
    all.addAll(with);
    return new Expr(e.kind(), e.negated(), List.copyOf(all), e.location(), p.textFrom(start));
  }

  private static Operand operand(RegoParser p, boolean inChain) {
    Token start = p.cur();
    int mark = p.mark();
    int errs = p.errorCount();
    boolean negated = false;
    if (p.isKeyword(p.cur(), "not") && !p.keywordStartsRef()) {
      p.next();
      negated = true;
    }
    if (p.cur().kind() == Kind.LBRACE) {
      Operand block = block(p, negated, start, inChain);
      if (block != null) {
        return block;
      }
      p.restore(mark, errs);
    } else if (p.cur().kind() == Kind.LPAREN) {
      Operand group = group(p, negated, start);
      if (group != null) {
        return group;
      }
      p.restore(mark, errs);
    } else {
      p.restore(mark, errs);
    }
    Expr plain = p.parseSimpleLiteral(false);
    return plain == null ? null : new Operand(List.of(plain), start);
  }

  /**
   * Reads {@code { body }} as a block when it stands beside {@code and}/{@code or}, or when it
   * cannot be read as an ordinary expression; returns null (state unspecified) otherwise.
   */
  private static Operand block(RegoParser p, boolean negated, Token start, boolean inChain) {
    int afterNot = p.mark();
    int errs = p.errorCount();
    p.next();
    List<Expr> body = p.parseBody(Kind.RBRACE);
    if (body == null) {
      return null;
    }
    p.next();
    if (inChain || isAnd(p) || isOr(p)) {
      return new Operand(negated ? negate(p, body, start) : body, start);
    }
    int afterBlock = p.mark();
    p.restore(afterNot, errs);
    if (p.parseSimpleLiteral(false) != null && !isAnd(p) && !isOr(p)) {
      return null;
    }
    p.restore(afterBlock, errs);
    return new Operand(negated ? negate(p, body, start) : body, start);
  }

  /** Reads {@code ( chain )} when the ordinary reading of the parentheses fails. */
  private static Operand group(RegoParser p, boolean negated, Token start) {
    int afterNot = p.mark();
    int errs = p.errorCount();
    Expr plain = p.parseSimpleLiteral(false);
    if (plain != null) {
      return null;
    }
    p.restore(afterNot, errs);
    p.next();
    Expr inner = parse(p);
    if (inner == null || p.cur().kind() != Kind.RPAREN) {
      return null;
    }
    p.next();
    List<Expr> body = List.of(inner);
    return new Operand(negated ? negate(p, body, start) : body, start);
  }

  private static List<Expr> negate(RegoParser p, List<Expr> body, Token start) {
    if (body.size() == 1 && !body.get(0).negated()) {
      Expr e = body.get(0);
      return List.of(new Expr(e.kind(), true, e.with(), p.loc(start), p.textFrom(start)));
    }
    Expr always = RuleSyntax.trueExpr(p.loc(start));
    Expr both =
        new Expr(
            new Expr.Logic(true, List.copyOf(body), List.of(always)),
            true,
            List.of(),
            p.loc(start),
            p.textFrom(start));
    return List.of(both);
  }

  private static boolean isAnd(RegoParser p) {
    return p.isKeyword(p.cur(), "and");
  }

  private static boolean isOr(RegoParser p) {
    return p.isKeyword(p.cur(), "or");
  }
}
