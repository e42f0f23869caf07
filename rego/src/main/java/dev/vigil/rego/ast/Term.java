package dev.vigil.rego.ast;

import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * A Rego term, as written in source. Terms are immutable records; every kind of term is listed here
 * so that a {@code switch} over a term needs no default branch.
 */
public sealed interface Term {

  Location location();

  /** A constant scalar: null, boolean, number or string. */
  record Scalar(Value value, Location location) implements Term {}

  /** A variable. The wildcard {@code _} is kept as written; the compiler renames it. */
  record Var(String name, Location location) implements Term {}

  /**
   * A reference: a head term followed by path elements. {@code input.a[x]} has head {@code
   * Var("input")} and path {@code [Scalar("a"), Var("x")]}. The head may also be a composite term
   * or a call, as in {@code [1, 2][i]} or {@code f(x).y}.
   */
  record Ref(Term head, List<Term> path, Location location) implements Term {}

  record ArrayTerm(List<Term> elements, Location location) implements Term {}

  record SetTerm(List<Term> elements, Location location) implements Term {}

  record ObjectTerm(List<Entry> entries, Location location) implements Term {}

  /** One key and value of an object literal or object comprehension. */
  record Entry(Term key, Term value) {}

  record ArrayComprehension(Term term, List<Expr> body, Location location) implements Term {}

  record SetComprehension(Term term, List<Expr> body, Location location) implements Term {}

  record ObjectComprehension(Term key, Term value, List<Expr> body, Location location)
      implements Term {}

  /**
   * A call of a builtin or a user function, including infix operators: {@code a + b} is {@code
   * Call(plus, [a, b])} and {@code x := 1} is {@code Call(assign, [x, 1])}. The operator is a ref
   * such as {@code count}, {@code data.lib.f} or {@code strings.reverse}.
   */
  record Call(Ref operator, List<Term> args, Location location) implements Term {}

  /**
   * A template string {@code $"a {x} b"}: literal parts are {@link Scalar} strings, the rest are
   * the terms written between braces.
   */
  record TemplateString(List<Term> parts, Location location) implements Term {}
}
