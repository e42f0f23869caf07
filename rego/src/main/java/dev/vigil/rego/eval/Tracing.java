package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.eval.Evaluator.Cont;
import dev.vigil.rego.eval.TraceEvent.Node;
import dev.vigil.rego.eval.TraceEvent.Op;
import java.util.Map;

/**
 * The evaluator's side of a trace: which query is running, and the events at the points OPA emits
 * them. A child query (a rule body, a comprehension) gets the next id; while its continuation runs
 * the parent's code, the parent's id is current again, and the child's is restored when the
 * continuation returns and the search goes back into the child. Used by one evaluator.
 */
final class Tracing {

  /** Runs a body with the continuation it is given. */
  interface Body {
    boolean run(Cont k);
  }

  private final Tracer tracer;
  private int nextId = 1;
  private int queryId;
  private int parentId;

  Tracing(Tracer tracer) {
    this.tracer = tracer;
  }

  private void emit(Op op, Node node, Location location, Env env, String message) {
    tracer.event(
        new TraceEvent(
            op,
            queryId,
            parentId,
            node,
            location == null ? Location.NONE : location,
            env == null ? Map.of() : env.snapshot(),
            message));
  }

  /** Runs the query asked (id 0): Enter, its body, then Exit and Redo around each solution. */
  boolean query(Node node, Location location, Env env, Body body, Cont k) {
    emit(Op.ENTER, node, location, env, null);
    return body.run(
        () -> {
          emit(Op.EXIT, node, location, env, null);
          boolean go = k.go();
          if (go) {
            emit(Op.REDO, node, location, env, null);
          }
          return go;
        });
  }

  /**
   * Runs {@code body} as a child query of the current one: Enter with a new id, then for each
   * solution Exit, the continuation under the parent's id, and Redo when the search goes on.
   */
  boolean child(Node node, Location location, Env env, Body body, Cont k) {
    int savedQuery = queryId;
    int savedParent = parentId;
    int id = nextId++;
    queryId = id;
    parentId = savedQuery;
    try {
      emit(Op.ENTER, node, location, env, null);
      return body.run(
          () -> {
            emit(Op.EXIT, node, location, env, null);
            queryId = savedQuery;
            parentId = savedParent;
            boolean go;
            try {
              go = k.go();
            } finally {
              queryId = id;
              parentId = savedQuery;
            }
            if (go) {
              emit(Op.REDO, node, location, env, null);
            }
            return go;
          });
    } finally {
      queryId = savedQuery;
      parentId = savedParent;
    }
  }

  /**
   * Evaluates the expression at {@code index} of a body: Eval, then Redo after each solution the
   * search goes on from, or Fail when it has none.
   */
  boolean step(Evaluator ev, Expr e, int index, Env env, Cont next) {
    Node node = new TraceEvent.ExprNode(e, index);
    emit(Op.EVAL, node, e.location(), env, null);
    boolean[] defined = {false};
    boolean go =
        ev.evalExpr(
            e,
            env,
            () -> {
              defined[0] = true;
              boolean more = next.go();
              if (more) {
                emit(Op.REDO, node, e.location(), env, null);
              }
              return more;
            });
    if (!defined[0]) {
      emit(Op.FAIL, node, e.location(), env, null);
    }
    return go;
  }

  /** Records a {@code trace(msg)} call of the current query. */
  void note(String message, Location location) {
    emit(Op.NOTE, null, location, null, message);
  }
}
