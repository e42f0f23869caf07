package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.parse.Token.Kind;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Template strings: {@code $"a {x} b"} and the raw, multi-line {@code $`a {x} b`}. The lexer has
 * already cut them into pieces around each {@code {expression}}; here each expression is parsed and
 * checked (no {@code not}, {@code =}, {@code :=}, {@code some}, {@code every} or {@code with}).
 */
final class TemplateSyntax {

  private TemplateSyntax() {}

  static Term parse(RegoParser p) {
    Token start = p.cur();
    Location loc = p.loc(start);
    List<Term> parts = new ArrayList<>();
    while (true) {
      Token piece = p.cur();
      if (piece.kind() == Kind.ILLEGAL) {
        p.illegal("");
        return null;
      }
      if (!piece.value().isEmpty()) {
        parts.add(new Term.Scalar(StringValue.of(piece.value()), p.loc(piece)));
      }
      if (piece.kind() == Kind.TEMPLATE_END) {
        p.next();
        return new Term.TemplateString(List.copyOf(parts), loc);
      }
      p.next();
      Expr expr = p.parseLiteral();
      if (expr == null) {
        p.errorAt(p.loc(p.cur()), "invalid template-string expression");
        return null;
      }
      Term term = termOf(p, expr);
      if (term == null) {
        return null;
      }
      parts.add(term);
      if (p.cur().kind() != Kind.RBRACE) {
        p.errorAt(p.loc(p.cur()), "expected } to end template string expression");
        return null;
      }
      p.next();
    }
  }

  private static Term termOf(RegoParser p, Expr expr) {
    String problem = null;
    if (expr.negated()) {
      problem = "unexpected negation ('not') in template-string expression";
    }
    Term term = null;
    if (problem == null) {
      switch (expr.kind()) {
        case Expr.TermExpr te -> term = te.term();
        case Expr.CallExpr ce -> {
          String op = Terms.operatorName(ce.call());
          if (op.equals("eq")) {
            problem = "unexpected unification ('=') in template-string expression";
          } else if (op.equals("assign")) {
            problem = "unexpected assignment (':=') in template-string expression";
          } else {
            term = ce.call();
          }
        }
        case Expr.Every e -> problem = "unexpected 'every' in template-string expression";
        case Expr.SomeDecl s -> problem = "unexpected 'some' in template-string expression";
        case Expr.SomeIn s -> problem = "unexpected 'some' in template-string expression";
        case Expr.Logic l -> problem = "unexpected 'and'/'or' in template-string expression";
      }
    }
    if (problem != null) {
      p.errorAt(expr.location(), problem);
      return null;
    }
    return expr.with().isEmpty() ? term : withModifiers(p, expr, term);
  }

  /**
   * Holds {@code {x with input as y}} as {@code [$twN | $twN = x with input as y][0]}: the same
   * value, or undefined, in a form a template part (a term) can carry.
   */
  private static Term withModifiers(RegoParser p, Expr expr, Term term) {
    Location l = expr.location();
    Term.Var v = new Term.Var("$tw" + p.nextGeneratedId(), l);
    Term.Ref eq = new Term.Ref(new Term.Var("eq", l), List.of(), l);
    Expr bind =
        new Expr(
            new Expr.CallExpr(new Term.Call(eq, List.of(v, term), l)),
            false,
            expr.with(),
            l,
            expr.text());
    Term.ArrayComprehension values = new Term.ArrayComprehension(v, List.of(bind), l);
    return new Term.Ref(values, List.of(new Term.Scalar(NumberValue.of(0), l)), l);
  }
}
