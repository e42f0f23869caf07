package dev.vigil.rego.eval;

import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Annotations;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.BuiltinContext;
import dev.vigil.rego.builtins.BuiltinException;
import dev.vigil.rego.compile.CallTarget;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.CompiledQuery;
import dev.vigil.rego.compile.CompiledRule;
import dev.vigil.rego.compile.RuleNode;
import dev.vigil.rego.compile.RuleSet;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Evaluates one query against a compiled policy, top-down with backtracking.
 *
 * <p>Evaluation is written in continuation-passing style: each step receives what to do with each
 * solution it finds ({@link Cont}, {@link VCont}). A continuation returns false to stop the search
 * (a negation or existence check needs only one solution), true to ask for more. Variables live in
 * an {@link Env} per rule body; bindings made by a step are undone before the step returns, so the
 * search backtracks by returning.
 *
 * <p>Complete rules, partial rules and function calls are memoised per query in the current {@link
 * Frame}; a {@code with} modifier evaluates its expression in a new frame with its own cache. An
 * instance is used by one thread for one query.
 */
public final class Evaluator {

  interface Cont {
    boolean go();
  }

  interface VCont {
    boolean go(Value v);
  }

  interface PairCont {
    boolean go(Value key, Value value);
  }

  interface ArgsCont {
    boolean go(Value[] args);
  }

  private static final Object UNDEFINED = new Object();
  private static final int CLOCK_CHECK_STEPS = 1024;

  private final CompiledPolicy policy;
  private final CompiledQuery query;
  private final EvalOptions options;
  private final BuiltinContext builtinContext;
  private final EvalListener listener;
  private final Consumer<String> printSink;
  private final long deadlineNanos;
  private final Map<RuleSet, Boolean> inProgress = new HashMap<>();
  private Frame frame;
  private int depth;
  private int steps;
  private Value[] queryValues;
  private CompiledRule currentRule;
  private RuleSet currentSet;

  /** The state that {@code with} replaces: input, data and functions, plus the memo cache. */
  static final class Frame {
    final Value input;
    final Value data;
    final Set<RuleNode> masked;
    final Map<RuleNode, List<Patch>> patches;
    final Map<String, Object> replacements;
    final Map<Object, Object> cache = new HashMap<>();

    Frame(
        Value input,
        Value data,
        Set<RuleNode> masked,
        Map<RuleNode, List<Patch>> patches,
        Map<String, Object> replacements) {
      this.input = input;
      this.data = data;
      this.masked = masked;
      this.patches = patches;
      this.replacements = replacements;
    }
  }

  record Patch(List<Value> path, Value value) {}

  private record FnKey(RuleSet rules, List<Value> args) {}

  public Evaluator(
      CompiledPolicy policy,
      CompiledQuery query,
      Value input,
      EvalOptions options,
      BuiltinContext builtinContext,
      EvalListener listener,
      Consumer<String> printSink) {
    this.policy = policy;
    this.query = query;
    this.options = options;
    this.builtinContext = builtinContext;
    this.listener = listener;
    this.printSink = printSink;
    this.frame = new Frame(input, policy.data(), null, null, null);
    long budget = options.timeout() == null ? Long.MAX_VALUE : options.timeout().toNanos();
    long now = System.nanoTime();
    this.deadlineNanos = budget > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + budget;
  }

  /** Evaluates the query and returns one row per solution. */
  public QueryResult run() {
    List<QueryResult.Row> rows = new ArrayList<>();
    Env env = new Env();
    queryValues = new Value[query.texts().size()];
    evalBody(
        query.body(),
        0,
        env,
        () -> {
          List<Value> exprs = new ArrayList<>(queryValues.length);
          for (Value v : queryValues) {
            exprs.add(v == null ? BooleanValue.TRUE : v);
          }
          Map<String, Value> bindings = new LinkedHashMap<>();
          for (String name : query.vars()) {
            Value v = env.get(name);
            if (v != null) {
              bindings.put(name, v);
            }
          }
          rows.add(new QueryResult.Row(exprs, bindings));
          return true;
        });
    return new QueryResult(rows);
  }

  // ---- limits

  private void tick() {
    if (++steps >= CLOCK_CHECK_STEPS) {
      steps = 0;
      if (System.nanoTime() > deadlineNanos) {
        throw new RegoException(
            new RegoError("eval_cancel_error", "timeout exceeded", Location.NONE));
      }
    }
  }

  private void enter() {
    if (++depth > options.maxDepth()) {
      depth = 0;
      throw new RegoException(
          new RegoError("eval_cancel_error", "maximum evaluation depth exceeded", Location.NONE));
    }
  }

  private void leave() {
    depth--;
  }

  // ---- bodies and expressions

  boolean evalBody(List<Expr> body, int i, Env env, Cont k) {
    if (i == body.size()) {
      return k.go();
    }
    return evalExpr(body.get(i), env, () -> evalBody(body, i + 1, env, k));
  }

  private boolean evalExpr(Expr e, Env env, Cont k) {
    tick();
    if (!e.with().isEmpty()) {
      return evalWith(e, env, k);
    }
    return evalPlain(e, env, k);
  }

  private boolean evalPlain(Expr e, Env env, Cont k) {
    if (e.negated()) {
      int m = env.mark();
      boolean[] found = {false};
      evalKind(
          e,
          env,
          () -> {
            found[0] = true;
            return false;
          });
      env.undo(m);
      if (found[0]) {
        return true;
      }
      record(e, BooleanValue.TRUE);
      return k.go();
    }
    return evalKind(e, env, k);
  }

  /**
   * Returns true for a bare term written as a query expression: as in OPA, the query reports its
   * value, {@code false} included, instead of failing on it.
   */
  private boolean capturesValue(Expr e) {
    return queryValues != null && !e.negated() && query.positions().containsKey(e);
  }

  private void record(Expr e, Value v) {
    if (queryValues != null) {
      Integer pos = query.positions().get(e);
      if (pos != null && pos >= 0) {
        queryValues[pos] = v;
      }
    }
  }

  private boolean evalKind(Expr e, Env env, Cont k) {
    return switch (e.kind()) {
      case Expr.TermExpr t ->
          evalTerm(
              t.term(),
              env,
              v -> {
                if (BooleanValue.FALSE.equals(v) && !capturesValue(e)) {
                  return true;
                }
                record(e, v);
                return k.go();
              });
      case Expr.CallExpr c -> evalCallExpr(e, c.call(), env, k);
      case Expr.SomeDecl d -> {
        record(e, BooleanValue.TRUE);
        yield k.go();
      }
      case Expr.SomeIn si ->
          evalTerm(
              si.collection(),
              env,
              coll ->
                  iterate(
                      coll,
                      (key, val) -> {
                        Cont inner =
                            () ->
                                unifyValue(
                                    si.value(),
                                    val,
                                    env,
                                    () -> {
                                      record(e, BooleanValue.TRUE);
                                      return k.go();
                                    });
                        return si.key() == null
                            ? inner.go()
                            : unifyValue(si.key(), key, env, inner);
                      }));
      case Expr.Every ev -> evalEvery(e, ev, env, k);
      case Expr.Logic l -> {
        boolean ok;
        if (l.isAnd()) {
          ok = exists(l.left(), env) && exists(l.right(), env);
        } else {
          ok = exists(l.left(), env) || exists(l.right(), env);
        }
        if (!ok) {
          yield true;
        }
        record(e, BooleanValue.TRUE);
        yield k.go();
      }
    };
  }

  private boolean exists(List<Expr> body, Env env) {
    int m = env.mark();
    boolean[] found = {false};
    evalBody(
        body,
        0,
        env,
        () -> {
          found[0] = true;
          return false;
        });
    env.undo(m);
    return found[0];
  }

  private boolean evalEvery(Expr e, Expr.Every ev, Env env, Cont k) {
    return evalTerm(
        ev.domain(),
        env,
        dom -> {
          if (!(dom instanceof ArrayValue
              || dom instanceof ObjectValue
              || dom instanceof SetValue)) {
            return true;
          }
          enter();
          boolean all =
              iterate(
                  dom,
                  (key, val) -> {
                    int m = env.mark();
                    boolean[] ok = {false};
                    Cont body =
                        () ->
                            evalBody(
                                ev.body(),
                                0,
                                env,
                                () -> {
                                  ok[0] = true;
                                  return false;
                                });
                    Cont withValue = () -> unifyValue(ev.value(), val, env, body);
                    if (ev.key() == null) {
                      withValue.go();
                    } else {
                      unifyValue(ev.key(), key, env, withValue);
                    }
                    env.undo(m);
                    return ok[0];
                  });
          leave();
          if (!all) {
            return true;
          }
          record(e, BooleanValue.TRUE);
          return k.go();
        });
  }

  // ---- with

  private boolean evalWith(Expr e, Env env, Cont k) {
    List<Expr.With> with = e.with();
    List<Term> valueTerms = new ArrayList<>(with.size());
    for (Expr.With w : with) {
      valueTerms.add(
          isFunctionValue(w.value())
              ? new Term.Scalar(BooleanValue.TRUE, w.location())
              : w.value());
    }
    return evalArgs(
        valueTerms,
        valueTerms.size(),
        env,
        vals -> {
          Frame parent = frame;
          Frame child = deriveFrame(parent, with, vals);
          frame = child;
          try {
            return evalPlain(
                e,
                env,
                () -> {
                  frame = parent;
                  try {
                    return k.go();
                  } finally {
                    frame = child;
                  }
                });
          } finally {
            frame = parent;
          }
        });
  }

  private boolean isFunctionValue(Term t) {
    return policy.functionValues().contains(t) || query.functionValues().contains(t);
  }

  private Frame deriveFrame(Frame parent, List<Expr.With> with, Value[] vals) {
    Value input = parent.input;
    Value data = parent.data;
    Set<RuleNode> masked = parent.masked == null ? null : new HashSet<>(parent.masked);
    Map<RuleNode, List<Patch>> patches =
        parent.patches == null ? null : new HashMap<>(parent.patches);
    Map<String, Object> repl =
        parent.replacements == null ? null : new HashMap<>(parent.replacements);
    for (int i = 0; i < with.size(); i++) {
      Expr.With w = with.get(i);
      Term target = w.target();
      Term.Ref ref =
          target instanceof Term.Ref r ? r : new Term.Ref(target, List.of(), target.location());
      String root = ref.head() instanceof Term.Var v ? v.name() : "";
      List<Value> keys = new ArrayList<>();
      for (Term p : ref.path()) {
        if (p instanceof Term.Scalar s) {
          keys.add(s.value());
        }
      }
      if (root.equals("input")) {
        input = patch(input, keys, vals[i]);
        continue;
      }
      String name = dottedName(ref);
      Object replacement = isFunctionValue(w.value()) ? functionTarget(w.value()) : vals[i];
      if (root.equals("data")) {
        RuleNode n = policy.root();
        boolean done = false;
        for (int j = 0; j < keys.size() && n != null; j++) {
          if (n.rules() != null) {
            if (patches == null) {
              patches = new HashMap<>();
            }
            patches
                .computeIfAbsent(n, x -> new ArrayList<>())
                .add(new Patch(keys.subList(j, keys.size()), vals[i]));
            done = true;
            break;
          }
          n = n.children().get(keys.get(j));
        }
        if (!done && n != null) {
          if (n.rules() != null && n.rules().kind() == RuleSet.Kind.FUNCTION) {
            if (repl == null) {
              repl = new HashMap<>();
            }
            repl.put(name, replacement);
            continue;
          }
          if (masked == null) {
            masked = new HashSet<>();
          }
          masked.add(n);
        }
        data = patch(data, keys, vals[i]);
        continue;
      }
      if (repl == null) {
        repl = new HashMap<>();
      }
      repl.put(name, replacement);
    }
    return new Frame(input, data, masked, patches, repl);
  }

  private Object functionTarget(Term t) {
    String name =
        t instanceof Term.Ref r ? dottedName(r) : t instanceof Term.Var v ? v.name() : null;
    if (name == null) {
      return null;
    }
    if (name.startsWith("data.")) {
      List<Value> keys = new ArrayList<>();
      for (String part : name.substring(5).split("\\.")) {
        keys.add(StringValue.of(part));
      }
      RuleNode n = policy.node(keys);
      return n == null ? null : new CallTarget.Function(name, n);
    }
    if (dev.vigil.rego.compile.Natives.isNative(name)) {
      return new CallTarget.Native(name);
    }
    var b = policy.registry().get(name);
    return b == null ? null : new CallTarget.Library(name, b);
  }

  static String dottedName(Term.Ref r) {
    if (!(r.head() instanceof Term.Var v)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(v.name());
    for (Term p : r.path()) {
      if (p instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        sb.append('.').append(str.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  static Value patch(Value base, List<Value> keys, Value value) {
    if (keys.isEmpty()) {
      return value;
    }
    Map<Value, Value> m =
        base instanceof ObjectValue o ? new HashMap<>(o.asMap()) : new HashMap<>();
    Value key = keys.get(0);
    m.put(key, patch(m.get(key), keys.subList(1, keys.size()), value));
    return ObjectValue.wrap(m);
  }

  // ---- calls

  private CallTarget target(Term.Call c) {
    CallTarget t = query.targets().get(c);
    if (t == null) {
      t = policy.targets().get(c);
    }
    if (t == null) {
      if (System.getenv("VDEBUG") != null) {
        System.err.println("MISSING " + System.identityHashCode(c) + " " + c);
        policy
            .targets()
            .forEach(
                (k, v) ->
                    System.err.println(
                        "  " + System.identityHashCode(k) + " " + k.operator() + " -> " + v));
      }
      throw new RegoException(
          new RegoError(
              "rego_type_error", "undefined function " + dottedName(c.operator()), c.location()));
    }
    return t;
  }

  private int arity(CallTarget t) {
    return switch (t) {
      case CallTarget.Function f -> f.node().rules().arity();
      case CallTarget.Native n -> NativeBuiltins.arity(n.name());
      case CallTarget.Library l -> l.builtin().decl().arity();
    };
  }

  private boolean evalCallExpr(Expr e, Term.Call call, Env env, Cont k) {
    CallTarget t = target(call);
    List<Term> args = call.args();
    String name = t.name();
    if (t instanceof CallTarget.Native && (name.equals("eq") || name.equals("assign"))) {
      return unifyTerms(
          args.get(0),
          args.get(1),
          env,
          () -> {
            record(e, BooleanValue.TRUE);
            return k.go();
          });
    }
    if (t instanceof CallTarget.Native && (name.equals("print") || name.equals("internal.print"))) {
      print(args, env);
      record(e, BooleanValue.TRUE);
      return k.go();
    }
    int arity = arity(t);
    if (arity >= 0 && args.size() == arity + 1) {
      Term out = args.get(arity);
      return evalArgs(
          args,
          arity,
          env,
          vals ->
              invoke(
                  t,
                  call,
                  vals,
                  env,
                  r ->
                      unifyValue(
                          out,
                          r,
                          env,
                          () -> {
                            record(e, BooleanValue.TRUE);
                            return k.go();
                          })));
    }
    return evalArgs(
        args,
        args.size(),
        env,
        vals ->
            invoke(
                t,
                call,
                vals,
                env,
                r -> {
                  if (BooleanValue.FALSE.equals(r)) {
                    return true;
                  }
                  record(e, r);
                  return k.go();
                }));
  }

  private void print(List<Term> args, Env env) {
    StringBuilder sb = new StringBuilder();
    for (Term a : args) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      Value[] first = {null};
      evalTerm(
          a,
          env,
          v -> {
            first[0] = v;
            return false;
          });
      Value v = first[0];
      sb.append(v == null ? "<undefined>" : v instanceof StringValue s ? s.value() : v.toString());
    }
    if (printSink != null) {
      printSink.accept(sb.toString());
    }
  }

  private boolean evalCallTerm(Term.Call call, Env env, VCont k) {
    CallTarget t = target(call);
    List<Term> args = call.args();
    return evalArgs(args, args.size(), env, vals -> invoke(t, call, vals, env, k));
  }

  private boolean evalArgs(List<Term> args, int n, Env env, ArgsCont k) {
    Value[] acc = new Value[n];
    return evalArgsFrom(args, 0, n, acc, env, k);
  }

  private boolean evalArgsFrom(List<Term> args, int i, int n, Value[] acc, Env env, ArgsCont k) {
    while (i < n) {
      Value q = quick(args.get(i), env);
      if (q == null) {
        break;
      }
      acc[i++] = q;
    }
    if (i == n) {
      return k.go(acc);
    }
    int at = i;
    return evalTerm(
        args.get(at),
        env,
        v -> {
          acc[at] = v;
          return evalArgsFrom(args, at + 1, n, acc, env, k);
        });
  }

  /** Returns the value of a constant or bound variable without a continuation, else null. */
  private Value quick(Term t, Env env) {
    if (t instanceof Term.Scalar s) {
      return s.value();
    }
    if (t instanceof Term.Var v) {
      String n = v.name();
      if (n.equals("input") || n.equals("data")) {
        return null;
      }
      return env.get(n);
    }
    return null;
  }

  private boolean invoke(CallTarget t, Term.Call call, Value[] vals, Env env, VCont k) {
    if (frame.replacements != null) {
      Object rep = frame.replacements.get(t.name());
      if (rep instanceof Value v) {
        return k.go(v);
      }
      if (rep instanceof CallTarget ct) {
        return invokeReplacement(t.name(), ct, call, vals, env, k);
      }
    }
    switch (t) {
      case CallTarget.Function f -> {
        Value r = callFunction(f.node().rules(), vals);
        return r == null || k.go(r);
      }
      case CallTarget.Native n -> {
        return NativeBuiltins.call(this, n.name(), call, vals, k);
      }
      case CallTarget.Library l -> {
        Value r;
        try {
          r = l.builtin().invoke(builtinContext, vals.clone());
        } catch (BuiltinException ex) {
          return builtinError(ex.code(), l.name(), ex.getMessage(), call);
        } catch (RegoException ex) {
          throw ex;
        } catch (ArithmeticException
            | IllegalArgumentException
            | IllegalStateException
            | IndexOutOfBoundsException
            | ClassCastException
            | NullPointerException ex) {
          return builtinError(
              BuiltinException.BUILTIN_ERROR, l.name(), String.valueOf(ex.getMessage()), call);
        }
        return r == null || k.go(r);
      }
    }
  }

  /**
   * Calls the function that replaces another. Inside it, no function is replaced: a mock calls the
   * original builtins, never another mock.
   */
  private boolean invokeReplacement(
      String replaced, CallTarget with, Term.Call call, Value[] vals, Env env, VCont k) {
    Frame parent = frame;
    Frame inner = new Frame(parent.input, parent.data, parent.masked, parent.patches, null);
    Value[] result = {null};
    frame = inner;
    try {
      invoke(
          with,
          call,
          vals,
          env,
          v -> {
            result[0] = v;
            return false;
          });
    } finally {
      frame = parent;
    }
    return result[0] == null || k.go(result[0]);
  }

  /**
   * Raises a builtin's error, or makes the call undefined when errors are lenient. As in OPA,
   * operand type errors found at run time are lenient too: only strict evaluation reports them.
   */
  boolean builtinError(String code, String name, String message, Term.Call call) {
    if (options.strictBuiltinErrors()) {
      throw new RegoException(new RegoError(code, name + ": " + message, call.location()));
    }
    return true;
  }

  EvalOptions options() {
    return options;
  }

  CompiledRule currentRule() {
    return currentRule;
  }

  CompiledPolicy policy() {
    return policy;
  }

  // ---- functions and rules

  private Value callFunction(RuleSet rs, Value[] args) {
    FnKey key = new FnKey(rs, List.of(args));
    Frame f = frame;
    Object cached = f.cache.get(key);
    if (cached != null) {
      return cached == UNDEFINED ? null : (Value) cached;
    }
    enter();
    Value[] result = {null};
    for (CompiledRule r : rs.rules()) {
      evalChain(
          rs,
          r,
          args,
          (c, env) ->
              evalTerm(
                  c.value(),
                  env,
                  v -> {
                    if (result[0] == null) {
                      result[0] = v;
                    } else if (!result[0].equals(v)) {
                      throw conflict(
                          "functions must not produce multiple outputs for same inputs",
                          c.location());
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
              evalTerm(
                  c.value(),
                  env,
                  v -> {
                    result[0] = v;
                    return false;
                  }));
    }
    leave();
    f.cache.put(key, result[0] == null ? UNDEFINED : result[0]);
    return result[0];
  }

  interface RuleCont {
    boolean go(CompiledRule rule, Env env);
  }

  /** Evaluates a rule and, when its body has no solution, the rules of its else chain. */
  private void evalChain(RuleSet rs, CompiledRule r, Value[] args, RuleCont k) {
    for (CompiledRule alt = r; alt != null; alt = alt.elseRule()) {
      CompiledRule c = alt;
      Env env = new Env();
      boolean[] any = {false};
      CompiledRule saved = currentRule;
      RuleSet savedSet = currentSet;
      currentRule = c;
      currentSet = rs;
      if (listener != null) {
        listener.enterRule(rs.name(), c.location());
      }
      Cont body =
          listener == null
              ? () ->
                  evalBody(
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
      if (args != null) {
        bindArgs(c.args(), args, 0, env, body);
      } else {
        body.go();
      }
      currentRule = saved;
      currentSet = savedSet;
      if (listener != null) {
        listener.exitRule(rs.name(), c.location(), any[0]);
      }
      if (any[0]) {
        return;
      }
    }
  }

  /** Evaluates a rule body and reports its furthest failing expression to the listener. */
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
      listener.exprFailed(rule, failed[0], operands[0]);
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
        evalExpr(
            e,
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
      evalTerm(
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
    return unifyValue(params.get(i), args[i], env, () -> bindArgs(params, args, i + 1, env, k));
  }

  private RegoException conflict(String message, Location loc) {
    return new RegoException(new RegoError("eval_conflict_error", message, loc));
  }

  private List<CompiledRule> candidates(RuleSet rs) {
    if (rs.index() == null || !policy.indexing()) {
      return rs.rules();
    }
    Value v = frame.input;
    for (Value key : rs.index().path()) {
      v = v == null ? null : lookup(v, key);
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

  private Value ruleSetValue(RuleSet rs) {
    Frame f = frame;
    Object cached = f.cache.get(rs);
    if (cached != null) {
      return cached == UNDEFINED ? null : (Value) cached;
    }
    if (inProgress.putIfAbsent(rs, Boolean.TRUE) != null) {
      throw new RegoException(
          new RegoError(
              "rego_recursion_error", "rule " + rs.name() + " is recursive", Location.NONE));
    }
    enter();
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
    leave();
    f.cache.put(rs, v == null ? UNDEFINED : v);
    return v;
  }

  private Value evalComplete(RuleSet rs) {
    Value[] result = {null};
    for (CompiledRule r : candidates(rs)) {
      evalChain(
          rs,
          r,
          null,
          (c, env) ->
              evalTerm(
                  c.value(),
                  env,
                  v -> {
                    if (result[0] == null) {
                      result[0] = v;
                    } else if (!result[0].equals(v)) {
                      throw conflict(
                          "complete rules must not produce multiple outputs", c.location());
                    }
                    return !(c.value() instanceof Term.Scalar);
                  }));
    }
    if (result[0] == null && rs.defaultRule() != null) {
      evalChain(
          rs,
          rs.defaultRule(),
          null,
          (c, env) ->
              evalTerm(
                  c.value(),
                  env,
                  v -> {
                    result[0] = v;
                    return false;
                  }));
    }
    return result[0];
  }

  private Value evalPartialSet(RuleSet rs) {
    Set<Value> out = new HashSet<>();
    for (CompiledRule r : candidates(rs)) {
      evalChain(
          rs,
          r,
          null,
          (c, env) ->
              evalTerm(
                  c.key(),
                  env,
                  v -> {
                    out.add(v);
                    return true;
                  }));
    }
    return SetValue.wrap(out);
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
            return evalArgs(
                suffix,
                suffix.size(),
                env,
                keys -> {
                  Value[] path = keys.clone();
                  Term leaf = c.key() != null ? c.key() : c.value();
                  return evalTerm(
                      leaf,
                      env,
                      v -> {
                        insert(root, path, v, c.key() != null, c);
                        return true;
                      });
                });
          });
    }
    return freeze(root);
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

  @SuppressWarnings("unchecked")
  private static Value freeze(Object o) {
    if (o instanceof Value v) {
      return v;
    }
    if (o instanceof Set<?> s) {
      return SetValue.wrap((Set<Value>) s);
    }
    Map<Value, Object> m = (Map<Value, Object>) o;
    Map<Value, Value> out = new HashMap<>();
    for (var e : m.entrySet()) {
      out.put(e.getKey(), freeze(e.getValue()));
    }
    return ObjectValue.wrap(out);
  }

  // ---- data

  private boolean walkData(RuleNode node, Value base, List<Term> path, int i, Env env, VCont k) {
    if (node != null && frame.masked != null && frame.masked.contains(node)) {
      node = null;
    }
    if (node == null || (node.rules() != null && base != null)) {
      return base == null || walkBase(base, path, i, env, k);
    }
    if (node.rules() != null || i == path.size()) {
      Value v = nodeValue(node, base);
      return v == null || walkValue(v, path, i, env, k);
    }
    Term p = path.get(i);
    Value key = quick(p, env);
    RuleNode n = node;
    if (key != null) {
      return walkDataKey(n, base, key, path, i, env, k);
    }
    if (isGround(p, env)) {
      return evalTerm(p, env, kv -> walkDataKey(n, base, kv, path, i, env, k));
    }
    Set<Value> keys = new TreeSet<>(n.children().keySet());
    if (base instanceof ObjectValue o) {
      keys.addAll(o.keys());
    }
    for (Value kv : keys) {
      boolean go =
          unifyValue(
              p,
              kv,
              env,
              () -> walkData(n.children().get(kv), child(base, kv), path, i + 1, env, k));
      if (!go) {
        return false;
      }
    }
    return true;
  }

  private boolean walkDataKey(
      RuleNode n, Value base, Value key, List<Term> path, int i, Env env, VCont k) {
    RuleNode c = n.children().get(key);
    Value b = child(base, key);
    if (c == null && b == null && key instanceof NumberValue) {
      Value sk = dataKey(key);
      c = n.children().get(sk);
      b = child(base, sk);
    }
    return walkData(c, b, path, i + 1, env, k);
  }

  /** Walks base data, where a number in a ref also finds the same key written as a string. */
  private boolean walkBase(Value start, List<Term> path, int from, Env env, VCont k) {
    Value v = start;
    int i = from;
    while (i < path.size()) {
      Value key = quick(path.get(i), env);
      if (key == null) {
        break;
      }
      Value c = lookup(v, key);
      if (c == null && v instanceof ObjectValue o && key instanceof NumberValue) {
        c = o.get(dataKey(key));
      }
      v = c;
      if (v == null) {
        return true;
      }
      i++;
    }
    return walkValue(v, path, i, env, k);
  }

  private static Value child(Value base, Value key) {
    return base instanceof ObjectValue o ? o.get(key) : null;
  }

  /** Returns the key as data documents hold it: JSON objects have string keys only. */
  private static Value dataKey(Value key) {
    return key instanceof NumberValue n ? StringValue.of(n.toString()) : key;
  }

  /** Returns the value of the document at a node: its rules' value, or its subtree as object. */
  private Value nodeValue(RuleNode node, Value base) {
    Value v;
    if (node.rules() != null) {
      if (node.rules().kind() == RuleSet.Kind.FUNCTION) {
        return node.rules().arity() == 0 ? callFunction(node.rules(), new Value[0]) : null;
      }
      v = ruleSetValue(node.rules());
      if (!node.children().isEmpty() && v instanceof ObjectValue o) {
        Map<Value, Value> m = new HashMap<>(o.asMap());
        mergeChildren(node, null, m, true);
        v = ObjectValue.wrap(m);
      }
    } else {
      Map<Value, Value> m =
          base instanceof ObjectValue o ? new HashMap<>(o.asMap()) : new HashMap<>();
      if (base != null && !(base instanceof ObjectValue)) {
        return base;
      }
      mergeChildren(node, base, m, false);
      v = ObjectValue.wrap(m);
    }
    if (v != null && frame.patches != null) {
      List<Patch> ps = frame.patches.get(node);
      if (ps != null) {
        for (Patch p : ps) {
          v = patch(v, p.path(), p.value());
        }
      }
    }
    return v;
  }

  private void mergeChildren(RuleNode node, Value base, Map<Value, Value> m, boolean virtual) {
    for (var e : node.children().entrySet()) {
      RuleNode c = e.getValue();
      Value baseChild = child(base, e.getKey());
      if (frame.masked != null && frame.masked.contains(c)) {
        continue;
      }
      Value cv = nodeValue(c, baseChild);
      if (cv != null && !virtual && baseChild != null && c.rules() != null) {
        continue;
      }
      if (cv != null && virtual) {
        Location loc =
            c.rules() != null && !c.rules().rules().isEmpty()
                ? c.rules().rules().get(0).location()
                : Location.NONE;
        m.put(e.getKey(), merge(m.get(e.getKey()), cv, loc));
      } else if (cv != null) {
        m.put(e.getKey(), cv);
      } else if (baseChild == null) {
        m.remove(e.getKey());
      }
    }
  }

  /** Merges two values written by different rules at one path: objects deeply, sets by union. */
  private Value merge(Value a, Value b, Location loc) {
    if (a == null || a.equals(b)) {
      return b;
    }
    if (a instanceof ObjectValue x && b instanceof ObjectValue y) {
      Map<Value, Value> m = new HashMap<>(x.asMap());
      for (var e : y.asMap().entrySet()) {
        m.put(e.getKey(), merge(m.get(e.getKey()), e.getValue(), loc));
      }
      return ObjectValue.wrap(m);
    }
    if (a instanceof SetValue x && b instanceof SetValue y) {
      Set<Value> s = new HashSet<>(x.asSet());
      s.addAll(y.asSet());
      return SetValue.wrap(s);
    }
    throw conflict("object keys must be unique", loc);
  }

  // ---- terms

  boolean evalTerm(Term t, Env env, VCont k) {
    return switch (t) {
      case Term.Scalar s -> k.go(s.value());
      case Term.Var v -> {
        String n = v.name();
        if (n.equals("input")) {
          yield frame.input == null || k.go(frame.input);
        }
        if (n.equals("data")) {
          yield walkData(policy.root(), frame.data, List.of(), 0, env, k);
        }
        Value val = env.get(n);
        yield val == null || k.go(val);
      }
      case Term.Ref r -> evalRef(r, env, k);
      case Term.ArrayTerm a ->
          evalArgs(a.elements(), a.elements().size(), env, vals -> k.go(ArrayValue.of(vals)));
      case Term.SetTerm s ->
          evalArgs(s.elements(), s.elements().size(), env, vals -> k.go(SetValue.of(vals)));
      case Term.ObjectTerm o -> {
        List<Term> flat = new ArrayList<>(o.entries().size() * 2);
        for (Term.Entry e : o.entries()) {
          flat.add(e.key());
          flat.add(e.value());
        }
        yield evalArgs(
            flat,
            flat.size(),
            env,
            vals -> {
              Map<Value, Value> m = new HashMap<>();
              for (int i = 0; i < vals.length; i += 2) {
                m.put(vals[i], vals[i + 1]);
              }
              return k.go(ObjectValue.wrap(m));
            });
      }
      case Term.ArrayComprehension c -> {
        List<Value> out = new ArrayList<>();
        collect(
            c.body(),
            env,
            () ->
                evalTerm(
                    c.term(),
                    env,
                    v -> {
                      out.add(v);
                      return true;
                    }));
        yield k.go(ArrayValue.of(out));
      }
      case Term.SetComprehension c -> {
        Set<Value> out = new HashSet<>();
        collect(
            c.body(),
            env,
            () ->
                evalTerm(
                    c.term(),
                    env,
                    v -> {
                      out.add(v);
                      return true;
                    }));
        yield k.go(SetValue.wrap(out));
      }
      case Term.ObjectComprehension c -> {
        Map<Value, Value> out = new HashMap<>();
        collect(
            c.body(),
            env,
            () ->
                evalTerm(
                    c.key(),
                    env,
                    kv ->
                        evalTerm(
                            c.value(),
                            env,
                            vv -> {
                              Value prev = out.putIfAbsent(kv, vv);
                              if (prev != null && !prev.equals(vv)) {
                                throw conflict("object keys must be unique", c.location());
                              }
                              return true;
                            })));
        yield k.go(ObjectValue.wrap(out));
      }
      case Term.Call c -> evalCallTerm(c, env, k);
      case Term.TemplateString ts -> k.go(template(ts, env));
    };
  }

  private void collect(List<Expr> body, Env env, Cont k) {
    enter();
    int m = env.mark();
    evalBody(body, 0, env, k);
    env.undo(m);
    leave();
  }

  private Value template(Term.TemplateString ts, Env env) {
    StringBuilder sb = new StringBuilder();
    for (Term p : ts.parts()) {
      if (p instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        sb.append(str.value());
        continue;
      }
      Value[] first = {null};
      evalTerm(
          p,
          env,
          v -> {
            first[0] = v;
            return false;
          });
      Value v = first[0];
      sb.append(v == null ? "<undefined>" : v instanceof StringValue s ? s.value() : v.toString());
    }
    return StringValue.of(sb.toString());
  }

  private boolean evalRef(Term.Ref r, Env env, VCont k) {
    Term head = r.head();
    List<Term> path = r.path();
    if (head instanceof Term.Var v) {
      String n = v.name();
      if (n.equals("input")) {
        return frame.input == null || walkValue(frame.input, path, 0, env, k);
      }
      if (n.equals("data")) {
        return walkData(policy.root(), frame.data, path, 0, env, k);
      }
      Value val = env.get(n);
      return val == null || walkValue(val, path, 0, env, k);
    }
    return evalTerm(head, env, hv -> walkValue(hv, path, 0, env, k));
  }

  private boolean walkValue(Value start, List<Term> path, int from, Env env, VCont k) {
    Value v = start;
    int i = from;
    while (i < path.size()) {
      Value key = quick(path.get(i), env);
      if (key == null) {
        break;
      }
      v = lookup(v, key);
      if (v == null) {
        return true;
      }
      i++;
    }
    if (i == path.size()) {
      return k.go(v);
    }
    Term p = path.get(i);
    int next = i + 1;
    Value coll = v;
    if (p instanceof Term.Var var) {
      String name = var.name();
      return iterate(
          coll,
          (key, child) -> {
            int m = env.mark();
            env.bind(name, key);
            boolean go = walkValue(child, path, next, env, k);
            env.undo(m);
            return go;
          });
    }
    if (isGround(p, env)) {
      return evalTerm(
          p,
          env,
          key -> {
            Value c = lookup(coll, key);
            return c == null || walkValue(c, path, next, env, k);
          });
    }
    return iterate(
        coll, (key, child) -> unifyValue(p, key, env, () -> walkValue(child, path, next, env, k)));
  }

  static Value lookup(Value coll, Value key) {
    return switch (coll) {
      case ObjectValue o -> o.get(key);
      case ArrayValue a -> {
        if (key instanceof NumberValue n) {
          Integer idx = n.intValueExact();
          if (idx != null && idx >= 0 && idx < a.size()) {
            yield a.get(idx);
          }
        }
        yield null;
      }
      case SetValue s -> s.contains(key) ? key : null;
      default -> null;
    };
  }

  /** Calls k with each key and value of a collection; returns false when k stopped. */
  static boolean iterate(Value coll, PairCont k) {
    switch (coll) {
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          if (!k.go(NumberValue.of(i), a.get(i))) {
            return false;
          }
        }
      }
      case ObjectValue o -> {
        for (Value key : o.keys()) {
          if (!k.go(key, o.get(key))) {
            return false;
          }
        }
      }
      case SetValue s -> {
        for (Value e : s.elements()) {
          if (!k.go(e, e)) {
            return false;
          }
        }
      }
      default -> {}
    }
    return true;
  }

  /** Returns true when the term can be evaluated now: every variable it reads is bound. */
  private boolean isGround(Term t, Env env) {
    return switch (t) {
      case Term.Scalar s -> true;
      case Term.Var v ->
          v.name().equals("input") || v.name().equals("data") || env.get(v.name()) != null;
      case Term.Ref r -> {
        if (!isGround(r.head(), env)) {
          yield false;
        }
        for (Term p : r.path()) {
          if (p instanceof Term.Ref || p instanceof Term.Call) {
            if (!isGround(p, env)) {
              yield false;
            }
          }
        }
        yield true;
      }
      case Term.ArrayTerm a -> allGround(a.elements(), env);
      case Term.SetTerm a -> allGround(a.elements(), env);
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          if (!isGround(e.key(), env) || !isGround(e.value(), env)) {
            yield false;
          }
        }
        yield true;
      }
      case Term.Call c -> allGround(c.args(), env);
      case Term.TemplateString ts -> true;
      default -> true;
    };
  }

  private boolean allGround(List<Term> ts, Env env) {
    for (Term t : ts) {
      if (!isGround(t, env)) {
        return false;
      }
    }
    return true;
  }

  // ---- unification

  /** Matches a term against a value, binding the term's unbound variables. */
  boolean unifyValue(Term t, Value v, Env env, Cont k) {
    switch (t) {
      case Term.Var var -> {
        String n = var.name();
        if (n.equals("input") || n.equals("data")) {
          return evalTerm(t, env, x -> !x.equals(v) || k.go());
        }
        Value cur = env.get(n);
        if (cur != null) {
          return !cur.equals(v) || k.go();
        }
        int m = env.mark();
        env.bind(n, v);
        boolean go = k.go();
        env.undo(m);
        return go;
      }
      case Term.Scalar s -> {
        return !s.value().equals(v) || k.go();
      }
      case Term.ArrayTerm a -> {
        if (!(v instanceof ArrayValue av) || av.size() != a.elements().size()) {
          return true;
        }
        return unifyElements(a.elements(), av, 0, env, k);
      }
      case Term.ObjectTerm o -> {
        if (!(v instanceof ObjectValue ov) || ov.size() != o.entries().size()) {
          return true;
        }
        return unifyEntries(o.entries(), ov, 0, env, k);
      }
      default -> {
        return evalTerm(t, env, x -> !x.equals(v) || k.go());
      }
    }
  }

  private boolean unifyElements(List<Term> ts, ArrayValue av, int i, Env env, Cont k) {
    if (i == ts.size()) {
      return k.go();
    }
    return unifyValue(ts.get(i), av.get(i), env, () -> unifyElements(ts, av, i + 1, env, k));
  }

  private boolean unifyEntries(List<Term.Entry> es, ObjectValue ov, int i, Env env, Cont k) {
    if (i == es.size()) {
      return k.go();
    }
    Term.Entry e = es.get(i);
    return evalTerm(
        e.key(),
        env,
        key -> {
          Value x = ov.get(key);
          return x == null
              || unifyValue(e.value(), x, env, () -> unifyEntries(es, ov, i + 1, env, k));
        });
  }

  /** Unifies two terms, evaluating whichever side can be evaluated. */
  boolean unifyTerms(Term a, Term b, Env env, Cont k) {
    if (isGround(a, env)) {
      return evalTerm(a, env, v -> unifyValue(b, v, env, k));
    }
    if (isGround(b, env)) {
      return evalTerm(b, env, v -> unifyValue(a, v, env, k));
    }
    if (a instanceof Term.ArrayTerm x
        && b instanceof Term.ArrayTerm y
        && x.elements().size() == y.elements().size()) {
      return unifyPairs(x.elements(), y.elements(), new boolean[x.elements().size()], env, k);
    }
    if (a instanceof Term.ObjectTerm x
        && b instanceof Term.ObjectTerm y
        && x.entries().size() == y.entries().size()) {
      List<Term> xs = new ArrayList<>();
      List<Term> ys = new ArrayList<>();
      for (Term.Entry e : x.entries()) {
        Term match = null;
        for (Term.Entry f : y.entries()) {
          if (f.key() instanceof Term.Scalar fs
              && e.key() instanceof Term.Scalar es
              && fs.value().equals(es.value())) {
            match = f.value();
          }
        }
        if (match == null) {
          return true;
        }
        xs.add(e.value());
        ys.add(match);
      }
      return unifyPairs(xs, ys, new boolean[xs.size()], env, k);
    }
    return true;
  }

  private boolean unifyPairs(List<Term> xs, List<Term> ys, boolean[] done, Env env, Cont k) {
    int pick = -1;
    boolean remaining = false;
    for (int i = 0; i < done.length; i++) {
      if (done[i]) {
        continue;
      }
      remaining = true;
      Term x = xs.get(i);
      Term y = ys.get(i);
      if (isGround(x, env)
          || isGround(y, env)
          || (x instanceof Term.ArrayTerm && y instanceof Term.ArrayTerm)
          || (x instanceof Term.ObjectTerm && y instanceof Term.ObjectTerm)) {
        pick = i;
        break;
      }
    }
    if (!remaining) {
      return k.go();
    }
    if (pick < 0) {
      return true;
    }
    int p = pick;
    done[p] = true;
    boolean go =
        unifyTerms(
            xs.get(p),
            ys.get(p),
            env,
            () -> {
              boolean[] copy = done.clone();
              return unifyPairs(xs, ys, copy, env, k);
            });
    done[p] = false;
    return go;
  }

  // ---- metadata

  Value ruleMetadata() {
    CompiledRule r = currentRule;
    if (r == null) {
      return ObjectValue.EMPTY;
    }
    for (Annotations a : r.source().annotations()) {
      if (a.scope().equals("rule")) {
        return a.value();
      }
    }
    for (Annotations a : r.source().annotations()) {
      return a.value();
    }
    return ObjectValue.EMPTY;
  }

  Value chainMetadata() {
    return Metadata.chain(policy, currentSet, currentRule);
  }

  static boolean truthy(Value v) {
    return v != BooleanValue.FALSE;
  }

  static int compare(Value a, Value b) {
    return Values.compare(a, b);
  }

  static List<Value> listOf(Value[] vals) {
    return Arrays.asList(vals);
  }
}
