package dev.vigil.rego;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.Builtin;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.eval.EvalListener;
import dev.vigil.rego.eval.Tracer;
import dev.vigil.rego.parse.Parser;
import dev.vigil.rego.parse.ParserOptions;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A query whose expression values are captured, as {@code opa eval} and OPA's REST API report them:
 * {@code data.authz.allow} answers {@code false} when the rule is false, rather than being
 * undefined as a plain query expression would be.
 *
 * <p>Each expression that is a term becomes {@code term = capture}, and each call of a builtin that
 * returns a value gets an output operand. When the query has more than one expression, or iterates,
 * a check that the captured value is truthy is appended for each capture, so such queries keep
 * their usual meaning. Assignments, unifications and negations are left alone. Thread-safe.
 */
public final class CapturingQuery {

  private static final String CAPTURE_PREFIX = "vigil_capture_";

  private final PreparedQuery prepared;
  private final List<String> captures;
  private final List<String> texts;

  private CapturingQuery(PreparedQuery prepared, List<String> captures, List<String> texts) {
    this.prepared = prepared;
    this.captures = captures;
    this.texts = texts;
  }

  /**
   * Parses, rewrites and prepares a query.
   *
   * @throws RegoException for parse and compile errors
   */
  public static CapturingQuery prepare(Policy policy, String query, boolean v0) {
    List<Expr> body = Parser.parseQuery(query, v0 ? ParserOptions.v0() : ParserOptions.v1());
    boolean check = body.size() > 1 || iterates(body);
    List<Expr> rewritten = new ArrayList<>();
    List<Expr> checks = new ArrayList<>();
    List<String> captures = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    BuiltinRegistry builtins = BuiltinRegistry.standard();
    for (Expr e : body) {
      texts.add(e.text());
      String name = CAPTURE_PREFIX + captures.size();
      Term.Var capture = new Term.Var(name, e.location());
      Expr out = e;
      boolean captured = false;
      if (!e.negated()) {
        if (e.kind() instanceof Expr.TermExpr t) {
          out = call(e, "eq", List.of(t.term(), capture));
          captured = true;
        } else if (e.kind() instanceof Expr.CallExpr c && returnsValue(c.call(), builtins)) {
          List<Term> args = new ArrayList<>(c.call().args());
          args.add(capture);
          out =
              new Expr(
                  new Expr.CallExpr(new Term.Call(c.call().operator(), args, c.call().location())),
                  false,
                  e.with(),
                  e.location(),
                  e.text());
          captured = true;
        }
      }
      rewritten.add(out);
      captures.add(captured ? name : null);
      if (captured && check) {
        checks.add(new Expr(new Expr.TermExpr(capture), false, List.of(), e.location(), e.text()));
      }
    }
    rewritten.addAll(checks);
    return new CapturingQuery(policy.prepare(rewritten), captures, texts);
  }

  private static Expr call(Expr e, String op, List<Term> args) {
    Location loc = e.location();
    Term.Ref ref = new Term.Ref(new Term.Var(op, loc), List.of(), loc);
    return new Expr(
        new Expr.CallExpr(new Term.Call(ref, args, loc)), false, e.with(), loc, e.text());
  }

  private static boolean returnsValue(Term.Call call, BuiltinRegistry builtins) {
    String name = operatorName(call.operator());
    if (name == null || name.equals("eq") || name.equals("assign")) {
      return false;
    }
    Builtin b = builtins.get(name);
    return b != null && b.decl().arity() == call.args().size();
  }

  private static String operatorName(Term.Ref ref) {
    if (!(ref.head() instanceof Term.Var v)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(v.name());
    for (Term p : ref.path()) {
      if (p instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        sb.append('.').append(str.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  /** Returns true when a ref in the query has a variable in its path (it may iterate). */
  private static boolean iterates(List<Expr> body) {
    for (Expr e : body) {
      if (e.kind() instanceof Expr.SomeIn || e.kind() instanceof Expr.SomeDecl) {
        return true;
      }
      if (e.kind() instanceof Expr.TermExpr t && hasVarInRef(t.term())) {
        return true;
      }
      if (e.kind() instanceof Expr.CallExpr c) {
        for (Term a : c.call().args()) {
          if (hasVarInRef(a)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean hasVarInRef(Term t) {
    if (t instanceof Term.Ref r) {
      for (Term p : r.path()) {
        if (!(p instanceof Term.Scalar)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Evaluates the query; see {@link PreparedQuery#eval(Value, EvalOptions)}. */
  public QueryResult eval(Value input, EvalOptions options) {
    return eval(input, options, null, null);
  }

  /** Evaluates with a listener and a print sink (either may be null). */
  public QueryResult eval(
      Value input, EvalOptions options, EvalListener listener, Consumer<String> printSink) {
    return eval(input, options, listener, printSink, null);
  }

  /**
   * Evaluates with a listener, a print sink and a tracer (any may be null); see {@link
   * PreparedQuery#eval(Value, EvalOptions, EvalListener, Consumer, Tracer)}. The trace shows the
   * query as rewritten: {@code data.a.p} is evaluated as {@code data.a.p = vigil_capture_0}.
   */
  public QueryResult eval(
      Value input,
      EvalOptions options,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    QueryResult raw = prepared.eval(input, options, listener, printSink, tracer);
    List<QueryResult.Row> rows = new ArrayList<>(raw.rows().size());
    for (QueryResult.Row row : raw.rows()) {
      List<Value> values = new ArrayList<>(texts.size());
      for (int i = 0; i < texts.size(); i++) {
        String c = captures.get(i);
        Value v = c == null ? null : row.bindings().get(c);
        values.add(v != null ? v : (i < row.expressions().size() ? row.expressions().get(i) : v));
      }
      Map<String, Value> bindings = new HashMap<>();
      row.bindings()
          .forEach(
              (k, v) -> {
                if (!k.startsWith(CAPTURE_PREFIX)) {
                  bindings.put(k, v);
                }
              });
      rows.add(new QueryResult.Row(values, bindings));
    }
    return new QueryResult(rows);
  }

  /** Returns the source text of each expression of the query as written. */
  public List<String> expressionTexts() {
    return texts;
  }
}
