package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * Receives evaluation events, to explain a decision. Every method has a no-op default; an
 * evaluation without a listener pays nothing for this hook. Called on the evaluating thread.
 */
public interface EvalListener {

  /** A rule body starts evaluating; {@code rule} is the rule's name such as {@code data.a.p}. */
  default void enterRule(String rule, Location location) {}

  /** A rule body finished; {@code succeeded} is true when it produced at least one solution. */
  default void exitRule(String rule, Location location, boolean succeeded) {}

  /**
   * The body of a rule produced no solution, and {@code expr} is the furthest expression that
   * evaluation reached and that failed.
   *
   * @param operands the values of the expression's operands when it failed, in order; null for an
   *     operand that was undefined
   */
  default void exprFailed(String rule, Expr expr, List<Value> operands) {}

  /**
   * As {@link #exprFailed(String, Expr, List)}, with how close the body came: {@code held} is the
   * number of the body's expressions before {@code expr}, all of which held. Calls the method
   * without it unless overridden.
   */
  default void exprFailed(String rule, Expr expr, List<Value> operands, int held) {
    exprFailed(rule, expr, operands);
  }
}
