package dev.vigil.rego.ast;

import java.util.List;

/**
 * One expression of a rule body or query.
 *
 * @param kind what the expression does
 * @param negated true for {@code not ...}
 * @param with the {@code with} modifiers, in source order; empty when none
 * @param location where the expression starts
 * @param text the source text of the expression, for output and explanations
 */
public record Expr(Kind kind, boolean negated, List<With> with, Location location, String text) {

  /** What an expression does. */
  public sealed interface Kind {}

  /** A bare term, true when its value is defined and not {@code false}. */
  public record TermExpr(Term term) implements Kind {}

  /** A call, including operators: {@code x = y}, {@code x := y}, {@code x == y}, {@code f(x)}. */
  public record CallExpr(Term.Call call) implements Kind {}

  /** {@code some x, y}: declares local variables. */
  public record SomeDecl(List<Term.Var> vars) implements Kind {}

  /** {@code some k, v in xs} or {@code some v in xs}; {@code key} is null in the second form. */
  public record SomeIn(Term key, Term value, Term collection) implements Kind {}

  /** {@code every k, v in xs { body }}; {@code key} is null when only the value is named. */
  public record Every(Term key, Term value, Term domain, List<Expr> body) implements Kind {}

  /**
   * {@code a and b} or {@code a or b} (experimental keywords): each side is a body, one expression
   * long unless written as a block {@code { ... }}.
   */
  public record Logic(boolean isAnd, List<Expr> left, List<Expr> right) implements Kind {}

  /** One {@code with target as value} modifier. */
  public record With(Term target, Term value, Location location) {}
}
