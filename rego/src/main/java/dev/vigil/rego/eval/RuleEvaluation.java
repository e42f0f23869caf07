package dev.vigil.rego.eval;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.compile.CompiledRule;
import dev.vigil.rego.compile.RuleSet;
import dev.vigil.rego.eval.Evaluator.Cont;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes the values of rule sets and function calls for one {@link Evaluator}: complete rules
 * (one value, conflicts checked), partial sets, objects built from ref heads, and functions, each
 * with else chains and defaults, memoised in the current frame. Rules whose head is a constant stop
 * at their first solution.
 */
final class RuleEvaluation {

  private static final Object UNDEFINED = new Object();

  private final Evaluator ev;
  private final Map<RuleSet, Boolean> inProgress = new HashMap<>();
  CompiledRule currentRule;
  RuleSet currentSet;

  private record FnKey(RuleSet rules, List<Value> args) {}

  RuleEvaluation(Evaluator ev) {
    this.ev = ev;
  }

  Value callFunction(RuleSet rs, Value[] args) {
    FnKey key = new FnKey(rs, List.of(args));
    Frame f = ev.frame;
    Object cached = f.cache.get(key);
    if (cached != null) {
      return cached == UNDEFINED ? null : (Value) cached;
    }
    ev.enter();
    Value result =
        oneValue(
            rs, rs.rules(), args, "functions must not produce multiple outputs for same inputs");
    ev.leave();
    f.cache.put(key, result == null ? UNDEFINED : result);
    return result;
  }

  interface RuleCont {
    boolean go(CompiledRule rule, Env env);
  }

  /** Evaluates a rule and, when its body has no solution, the rules of its else chain. */
  private void evalChain(RuleSet rs, CompiledRule r, Value[] args, RuleCont k) {
    for (CompiledRule alt = r; alt != null; alt = alt.elseRule()) {
      // A rule without a body (a fact such as `s contains 1`) evaluates no expression: it is
      // charged here, so that thousands of them still reach a check of the time budget.
      ev.tick();
      CompiledRule c = alt;
      Env env = new Env();
      boolean[] any = {false};
      CompiledRule saved = currentRule;
      RuleSet savedSet = currentSet;
      currentRule = c;
      currentSet = rs;
      if (ev.listener != null) {
        ev.listener.enterRule(rs.name(), c.location());
      }
      Cont body =
          ev.listener == null
              ? () ->
                  ev.evalBody(
                      c.body(),
                      0,
                      env,
                      () -> {
                        any[0] = true;
                        return k.go(c, env);
                      })
              : () ->
                  evalTraced(
                      rs.name(),
                      c.body(),
                      env,
                      () -> {
                        any[0] = true;
                        return k.go(c, env);
                      });
      if (ev.tracing != null) {
        body = tracedRule(rs, c, env, any, k);
      }
      if (args != null) {
        bindArgs(c.args(), args, 0, env, body);
      } else {
        body.go();
      }
      currentRule = saved;
      currentSet = savedSet;
      if (ev.listener != null) {
        ev.listener.exitRule(rs.name(), c.location(), any[0]);
      }
      if (any[0]) {
        return;
      }
    }
  }

  /** Returns the evaluation of a rule's body as a query of its own in the trace. */
  private Cont tracedRule(RuleSet rs, CompiledRule c, Env env, boolean[] any, RuleCont k) {
    Tracing.Body run =
        ev.listener == null
            ? kk -> ev.evalBody(c.body(), 0, env, kk)
            : kk -> evalTraced(rs.name(), c.body(), env, kk);
    return () ->
        ev.tracing.child(
            new TraceEvent.RuleNode(rs.name(), c.source()),
            c.location(),
            env,
            run,
            () -> {
              any[0] = true;
              return k.go(c, env);
            });
  }

  /** Evaluates a rule body and reports its furthest failing expression to the ev.listener. */
  private boolean evalTraced(String rule, List<Expr> body, Env env, Cont k) {
    int[] furthest = {-1};
    Expr[] failed = {null};
    List<Value>[] operands = new List[] {null};
    boolean[] any = {false};
    boolean r =
        tracedFrom(
            body,
            0,
            env,
            () -> {
              any[0] = true;
              return k.go();
            },
            furthest,
            failed,
            operands);
    if (!any[0] && failed[0] != null) {
      ev.listener.exprFailed(rule, failed[0], operands[0], furthest[0]);
    }
    return r;
  }

  private boolean tracedFrom(
      List<Expr> body,
      int i,
      Env env,
      Cont k,
      int[] furthest,
      Expr[] failed,
      List<Value>[] operands) {
    if (i == body.size()) {
      return k.go();
    }
    Expr e = body.get(i);
    boolean[] passed = {false};
    boolean r =
        ev.evalStep(
            body,
            i,
            env,
            () -> {
              passed[0] = true;
              return tracedFrom(body, i + 1, env, k, furthest, failed, operands);
            });
    if (!passed[0] && i > furthest[0]) {
      furthest[0] = i;
      failed[0] = e;
      operands[0] = operandValues(e, env);
    }
    return r;
  }

  private List<Value> operandValues(Expr e, Env env) {
    List<Term> terms =
        switch (e.kind()) {
          case Expr.CallExpr c -> c.call().args();
          case Expr.TermExpr t -> List.of(t.term());
          default -> List.of();
        };
    List<Value> out = new ArrayList<>();
    for (Term t : terms) {
      Value[] first = {null};
      ev.evalTerm(
          t,
          env,
          v -> {
            first[0] = v;
            return false;
          });
      out.add(first[0]);
    }
    return out;
  }

  private boolean bindArgs(List<Term> params, Value[] args, int i, Env env, Cont k) {
    if (i == params.size()) {
      return k.go();
    }
    return ev.unifyValue(params.get(i), args[i], env, () -> bindArgs(params, args, i + 1, env, k));
  }

  static RegoException conflict(String message, Location loc) {
    return new RegoException(new RegoError("eval_conflict_error", message, loc));
  }

  /**
   * Returns the rules worth evaluating. With a listener every rule is, since an explanation needs
   * the condition that failed in each body, and the index leaves out the bodies it knows would.
   */
  private List<CompiledRule> candidates(RuleSet rs) {
    if (rs.index() == null || !ev.policy.indexing() || ev.listener != null) {
      return rs.rules();
    }
    Value v = ev.frame.input;
    for (Value key : rs.index().path()) {
      v = v == null ? null : Documents.lookup(v, key);
    }
    int[] picks = rs.index().candidates(v);
    if (picks.length == rs.rules().size()) {
      return rs.rules();
    }
    List<CompiledRule> out = new ArrayList<>(picks.length);
    for (int p : picks) {
      out.add(rs.rules().get(p));
    }
    return out;
  }

  Value ruleSetValue(RuleSet rs) {
    Frame f = ev.frame;
    Object cached = f.cache.get(rs);
    if (cached != null) {
      return cached == UNDEFINED ? null : (Value) cached;
    }
    if (inProgress.putIfAbsent(rs, Boolean.TRUE) != null) {
      throw new RegoException(
          new RegoError(
              "rego_recursion_error", "rule " + rs.name() + " is recursive", Location.NONE));
    }
    ev.enter();
    Value v;
    try {
      v =
          switch (rs.kind()) {
            case COMPLETE -> evalComplete(rs);
            case PARTIAL_SET -> evalPartialSet(rs);
            case OBJECT -> evalObject(rs);
            case FUNCTION -> null;
          };
    } finally {
      inProgress.remove(rs);
    }
    ev.leave();
    f.cache.put(rs, v == null ? UNDEFINED : v);
    return v;
  }

  private Value evalComplete(RuleSet rs) {
    return oneValue(rs, candidates(rs), null, "complete rules must not produce multiple outputs");
  }

  /**
   * The one value of a complete rule or a function call (args not null): the value every rule whose
   * body holds gives, else the default rule's, else undefined (null).
   *
   * @throws RegoException with {@code conflictMessage} when two rules give different values
   */
  private Value oneValue(
      RuleSet rs, List<CompiledRule> rules, Value[] args, String conflictMessage) {
    Value[] result = {null};
    for (CompiledRule r : rules) {
      evalChain(
          rs,
          r,
          args,
          (c, env) ->
              ev.evalTerm(
                  c.value(),
                  env,
                  v -> {
                    if (result[0] == null) {
                      result[0] = v;
                    } else if (!equalCharged(result[0], v)) {
                      throw conflict(conflictMessage, c.location());
                    }
                    return !(c.value() instanceof Term.Scalar);
                  }));
    }
    if (result[0] == null && rs.defaultRule() != null) {
      evalChain(
          rs,
          rs.defaultRule(),
          args,
          (c, env) ->
              ev.evalTerm(
                  c.value(),
                  env,
                  v -> {
                    result[0] = v;
                    return false;
                  }));
    }
    return result[0];
  }

  /** Compares two values of one rule, charging the walk over them to the time budget. */
  private boolean equalCharged(Value a, Value b) {
    ev.chargeWhole(b);
    return a.equals(b);
  }

  private Value evalPartialSet(RuleSet rs) {
    Set<Value> out = new HashSet<>();
    Evaluator.Growth size = ev.new Growth("the set of rule " + rs.name(), location(rs));
    for (CompiledRule r : candidates(rs)) {
      evalChain(
          rs,
          r,
          null,
          (c, env) ->
              ev.evalTerm(
                  c.key(),
                  env,
                  v -> {
                    ev.chargeWhole(v);
                    if (out.add(v)) {
                      size.add(v);
                    }
                    return true;
                  }));
    }
    return ev.built(SetValue.wrap(out), "the set of rule " + rs.name(), location(rs));
  }

  private static Location location(RuleSet rs) {
    return rs.rules().isEmpty() ? Location.NONE : rs.rules().get(0).location();
  }

  private Value evalObject(RuleSet rs) {
    Map<Value, Object> root = new LinkedHashMap<>();
    for (CompiledRule r : candidates(rs)) {
      evalChain(
          rs,
          r,
          null,
          (c, env) -> {
            List<Term> suffix = c.suffix();
            return ev.evalArgs(
                suffix,
                suffix.size(),
                env,
                keys -> {
                  Value[] path = keys.clone();
                  Term leaf = c.key() != null ? c.key() : c.value();
                  return ev.evalTerm(
                      leaf,
                      env,
                      v -> {
                        ev.chargeWhole(v);
                        insert(root, path, v, c.key() != null, c);
                        return true;
                      });
                });
          });
    }
    return ev.built(Documents.freeze(root), "the object of rule " + rs.name(), location(rs));
  }

  @SuppressWarnings("unchecked")
  private void insert(
      Map<Value, Object> root, Value[] path, Value v, boolean multi, CompiledRule rule) {
    Map<Value, Object> m = root;
    for (int i = 0; i < path.length - 1; i++) {
      Object next = m.get(path[i]);
      if (next == null) {
        next = new LinkedHashMap<Value, Object>();
        m.put(path[i], next);
      } else if (!(next instanceof Map)) {
        throw conflict("object keys must be unique", rule.location());
      }
      m = (Map<Value, Object>) next;
    }
    Value last = path[path.length - 1];
    Object existing = m.get(last);
    if (multi) {
      if (existing == null) {
        existing = new HashSet<Value>();
        m.put(last, existing);
      } else if (!(existing instanceof Set)) {
        throw conflict("object keys must be unique", rule.location());
      }
      ((Set<Value>) existing).add(v);
      return;
    }
    if (existing == null) {
      m.put(last, v);
    } else if (!(existing instanceof Value ev) || !ev.equals(v)) {
      throw conflict("object keys must be unique", rule.location());
    }
  }
}
