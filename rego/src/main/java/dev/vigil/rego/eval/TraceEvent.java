package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.Map;

/**
 * One step of an evaluation, in the terms of OPA's trace ({@code topdown.Event}).
 *
 * <p>Every body that runs is a query with its own id: the query asked, each rule body, each
 * comprehension, negation, {@code every} body and side of {@code and}/{@code or}. A query's events
 * carry its id and the id of the query that started it; the query asked is 0, with parent 0.
 *
 * @param op what happened
 * @param queryId the query the step belongs to
 * @param parentId the query that started it
 * @param node the rule, body or expression of the step; null for a note
 * @param location where the node (or the {@code trace} call of a note) is in the source; {@link
 *     Location#NONE} when unknown
 * @param locals the variables the query had bound at the step, by name in name order
 * @param message the text of a note; null for other steps
 */
public record TraceEvent(
    Op op,
    int queryId,
    int parentId,
    Node node,
    Location location,
    Map<String, Value> locals,
    String message) {

  /** The kinds of steps, named as OPA names them. */
  public enum Op {
    /** A body or rule starts evaluating. */
    ENTER("Enter"),
    /** A body or rule produced a solution. */
    EXIT("Exit"),
    /** An expression is about to be evaluated. */
    EVAL("Eval"),
    /** An expression produced no solution. */
    FAIL("Fail"),
    /** Evaluation goes back into an expression, body or rule for its next solution. */
    REDO("Redo"),
    /** A {@code trace(msg)} call. */
    NOTE("Note");

    private final String label;

    Op(String label) {
      this.label = label;
    }

    /** Returns OPA's name of the op, such as {@code Enter}. */
    public String label() {
      return label;
    }
  }

  /** What a step is about. */
  public sealed interface Node {}

  /**
   * A rule: one body of a rule set, its else branch or its default.
   *
   * @param path the rule's document, such as {@code data.authz.allow}
   * @param rule the rule as written
   */
  public record RuleNode(String path, Rule rule) implements Node {}

  /**
   * A body run as a query of its own (the query asked, a comprehension's, a negation's).
   *
   * @param exprs the expressions in evaluation order
   */
  public record BodyNode(List<Expr> exprs) implements Node {}

  /**
   * An expression of a body.
   *
   * @param expr the expression, as compiled
   * @param index its position in its body, from 0
   */
  public record ExprNode(Expr expr, int index) implements Node {}
}
