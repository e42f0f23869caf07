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
import dev.vigil.rego.builtins.SizeLimit;
import dev.vigil.rego.builtins.TextGrowth;
import dev.vigil.rego.builtins.TimeBudget;
import dev.vigil.rego.compile.CallTarget;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.CompiledQuery;
import dev.vigil.rego.compile.CompiledRule;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  final CompiledPolicy policy;
  private final CompiledQuery query;
  private final EvalOptions options;
  private final BuiltinContext builtinContext;
  final EvalListener listener;

  /** The trace being recorded, or null: every hook tests it first, so untraced runs pay a check. */
  final Tracing tracing;

  private final Consumer<String> printSink;
  private final TimeBudget budget;

  /** {@link #charge}, as a consumer made once, for sorts and walks that report work as they go. */
  private final java.util.function.LongConsumer charger;

  /** Comparisons of this query's values, charged to its budget without allocating per call. */
  private final Values.Meter comparisons;

  Frame frame;
  final RuleEvaluation rules = new RuleEvaluation(this);
  private final DataDocuments documents = new DataDocuments(this);
  private final SizeLimit sizes;
  private int depth;
  private Value[] queryValues;

  /**
   * An evaluation of {@code query} against {@code policy}.
   *
   * @param sizes the most a value built during this evaluation may hold
   * @param listener receives rule and failure events, or null
   * @param printSink receives each line {@code print} writes, or null
   * @param tracer records the evaluation's trace, as OPA's explanations show it, or null
   */
  public Evaluator(
      CompiledPolicy policy,
      CompiledQuery query,
      Value input,
      EvalOptions options,
      TimeBudget budget,
      SizeLimit sizes,
      BuiltinContext builtinContext,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    this.tracing = tracer == null ? null : new Tracing(tracer);
    this.policy = policy;
    this.query = query;
    this.options = options;
    this.builtinContext = builtinContext;
    this.listener = listener;
    this.printSink = printSink;
    this.frame = new Frame(input, policy.data(), null, null, null);
    this.budget = budget;
    this.sizes = sizes;
    this.charger = budget::charge;
    this.comparisons = new Values.Meter(charger);
  }

  /** Evaluates the query and returns one row per solution. */
  public QueryResult run() {
    List<QueryResult.Row> rows = new ArrayList<>();
    Env env = new Env();
    queryValues = new Value[query.texts().size()];
    Cont row =
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
        };
    List<Expr> body = query.body();
    if (tracing == null) {
      evalBody(body, 0, env, row);
    } else {
      tracing.query(
          new TraceEvent.BodyNode(body), start(body), env, k -> evalBody(body, 0, env, k), row);
    }
    return new QueryResult(rows);
  }

  // ---- limits

  /** Counts one step of evaluation toward the time budget (see {@link TimeBudget}). */
  void tick() {
    budget.charge(1);
  }

  /** Counts {@code units} of work toward the time budget. */
  void charge(long units) {
    budget.charge(units);
  }

  /** Returns {@link #charge} as a consumer, made once per query. */
  java.util.function.LongConsumer charger() {
    return charger;
  }

  /** Returns the comparisons of this query, which charge its budget as they walk values. */
  Values.Meter comparisons() {
    return comparisons;
  }

  /** Counts the work of one pass over {@code v}, written out in full, toward the time budget. */
  void chargeWhole(Value v) {
    budget.charge(Values.unsharedSize(v));
  }

  /** Counts the work of one pass over {@code v} toward the time budget. */
  void chargeFor(Value v) {
    budget.chargeFor(v);
  }

  /**
   * Returns {@code v}, a value evaluation has just built, after checking that it can be written out
   * within this query's {@link SizeLimit}. Values share their parts, so a value can be far larger
   * than the work that built it ({@code x1 := [x0, x0]}, forty times over, holds 2^40 values): one
   * too large for the limit is refused here, where it is made, before any builtin, comparison or
   * caller walks it.
   *
   * @param what names the value for the error, as {@code "the array"} or {@code "the result of
   *     json.patch"}
   * @throws RegoException {@code eval_cancel_error} when the value is too large
   */
  Value built(Value v, String what, Location at) {
    sizes.check(Values.unsharedSize(v), what, at);
    return v;
  }

  void enter() {
    if (++depth > options.maxDepth()) {
      depth = 0;
      throw new RegoException(
          new RegoError("eval_cancel_error", "maximum evaluation depth exceeded", Location.NONE));
    }
  }

  void leave() {
    depth--;
  }

  /** Adds the term's value for every solution of the body to {@code out}, and returns it. */
  private <C extends java.util.Collection<Value>> C collectTerms(
      List<Expr> body, Term term, Env env, C out, String what, Location at) {
    Growth size = new Growth(what, at);
    collect(
        body,
        env,
        () ->
            evalTerm(
                term,
                env,
                v -> {
                  // Adding to a set compares the value with any equal one already there, a walk
                  // over both: it is charged at the value's size written out.
                  budget.charge(Values.unsharedSize(v));
                  if (out.add(v)) {
                    size.add(v);
                  }
                  return true;
                }));
    return out;
  }

  /**
   * The size written out of a collection evaluation is filling, checked against the query's {@link
   * SizeLimit} as each new element goes in: a comprehension of large shared values is refused when
   * it passes the limit, not after it has run through its whole body.
   */
  final class Growth {
    private final String what;
    private final Location at;
    private long size = 1;

    Growth(String what, Location at) {
      this.what = what;
      this.at = at;
    }

    /** Counts a value newly added to the collection. */
    void add(Value v) {
      long sum = size + Values.unsharedSize(v);
      size = sum < 0 ? Long.MAX_VALUE : sum;
      sizes.check(size, what, at);
    }
  }

  // ---- bodies and expressions

  boolean evalBody(List<Expr> body, int i, Env env, Cont k) {
    if (i == body.size()) {
      return k.go();
    }
    return evalStep(body, i, env, () -> evalBody(body, i + 1, env, k));
  }

  /** Evaluates the expression at {@code i} of a body, traced when a trace is recorded. */
  boolean evalStep(List<Expr> body, int i, Env env, Cont k) {
    if (tracing != null) {
      return tracing.step(this, body.get(i), i, env, k);
    }
    return evalExpr(body.get(i), env, k);
  }

  /** Evaluates a body that is a query of its own (comprehension, negation, every, and/or). */
  private boolean evalSubquery(List<Expr> body, Env env, Cont k) {
    if (tracing == null) {
      return evalBody(body, 0, env, k);
    }
    return tracing.child(
        new TraceEvent.BodyNode(body), start(body), env, kk -> evalBody(body, 0, env, kk), k);
  }

  /** Returns where a body starts: its first expression's location, or none for an empty body. */
  private static Location start(List<Expr> body) {
    return body.isEmpty() ? Location.NONE : body.get(0).location();
  }

  boolean evalExpr(Expr e, Env env, Cont k) {
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
      Cont one =
          () -> {
            found[0] = true;
            return false;
          };
      if (tracing == null) {
        evalKind(e, env, one);
      } else {
        // As OPA traces it: the expression without its not (and its with, already applied) is
        // a query of its own.
        evalSubquery(List.of(complement(e)), env, one);
      }
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
                  Documents.iterate(
                      coll,
                      charger,
                      (key, val) -> {
                        tick();
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

  /** Returns a negated expression without its {@code not} and its {@code with} modifiers. */
  private static Expr complement(Expr e) {
    String text = e.text() == null ? null : e.text().replaceFirst("^not\\s+", "");
    return new Expr(e.kind(), false, List.of(), e.location(), text);
  }

  private boolean exists(List<Expr> body, Env env) {
    int m = env.mark();
    boolean[] found = {false};
    evalSubquery(
        body,
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
              Documents.iterate(
                  dom,
                  charger,
                  (key, val) -> {
                    tick();
                    int m = env.mark();
                    boolean[] ok = {false};
                    Cont body =
                        () ->
                            evalSubquery(
                                ev.body(),
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
          Frame child = WithOverrides.derive(policy, this::isFunctionValue, parent, with, vals);
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

  // ---- calls

  private CallTarget target(Term.Call c) {
    CallTarget t = query.targets().get(c);
    if (t == null) {
      t = policy.targets().get(c);
    }
    if (t == null) {
      throw new RegoException(
          new RegoError(
              "rego_type_error",
              "undefined function " + Documents.dottedName(c.operator()),
              c.location()));
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
      print(args, env, call.location());
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

  /**
   * Writes one line of {@code print}'s output. The line is checked against the query's {@link
   * SizeLimit}, and charged to its budget, as it grows: {@code print(x, x, x)} of a value near the
   * limit would otherwise be written in full, a few times the limit, before anything looked at it.
   */
  private void print(List<Term> args, Env env, Location at) {
    StringBuilder sb = new StringBuilder();
    TextGrowth grown = TextGrowth.of(sizes, budget, "the line print writes", at);
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
      if (v == null) {
        sb.append("<undefined>");
      } else if (v instanceof StringValue s) {
        grown.accept((long) sb.length() + s.value().length());
        sb.append(s.value());
      } else {
        Values.writeTerm(v, sb, grown, charger);
      }
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

  boolean evalArgs(List<Term> args, int n, Env env, ArgsCont k) {
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
  Value quick(Term t, Env env) {
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
        Value r = rules.callFunction(f.node().rules(), vals);
        return r == null || k.go(r);
      }
      case CallTarget.Native n -> {
        return NativeBuiltins.call(this, n.name(), call, vals, k);
      }
      case CallTarget.Library l -> {
        // A builtin's work grows with its operands, which may be large collections: it is charged
        // their size written out in full (they may share parts), and its result's; one that
        // generates more charges as it goes.
        for (Value v : vals) {
          budget.charge(Values.unsharedSize(v));
        }
        Value r;
        try {
          r = l.builtin().invoke(builtinContext, vals.clone());
        } catch (BuiltinException ex) {
          return builtinError(ex.code(), l.name(), ex.getMessage(), call);
        } catch (RegoException ex) {
          throw ex;
        } catch (ArithmeticException | IllegalArgumentException ex) {
          // The JDK's own refusals of an operand (a division by zero, text that does not parse):
          // builtin errors, as OPA's builtins return for the same operands.
          return builtinError(
              BuiltinException.BUILTIN_ERROR, l.name(), String.valueOf(ex.getMessage()), call);
        } catch (IllegalStateException
            | IndexOutOfBoundsException
            | ClassCastException
            | NullPointerException ex) {
          // A fault in the builtin itself, not an answer about its operands: it stops the query
          // even when builtin errors are lenient, since an undefined call under a `not` or a
          // `default` would decide as though the builtin had answered.
          throw new RegoException(
              new RegoError(
                  BuiltinException.BUILTIN_ERROR,
                  l.name() + ": internal error (" + ex.getClass().getSimpleName() + ")",
                  call.location()));
        }
        if (r == null) {
          return true;
        }
        built(r, "the result of " + l.name(), call.location());
        budget.charge(Values.unsharedSize(r));
        return k.go(r);
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
    if (options.strictBuiltinErrors() || BuiltinException.CANCEL_ERROR.equals(code)) {
      throw new RegoException(new RegoError(code, name + ": " + message, call.location()));
    }
    return true;
  }

  /**
   * Runs {@code trace(msg)}: a note in the trace when one is recorded, and true; as in OPA, an
   * operand that is not a string is a type error either way.
   */
  boolean note(Term.Call call, Value message, VCont k) {
    if (!(message instanceof StringValue s)) {
      return builtinError(
          BuiltinException.TYPE_ERROR,
          "trace",
          "operand 1 must be string but got " + message.typeName(),
          call);
    }
    if (tracing != null) {
      tracing.note(s.value(), call.location());
    }
    return k.go(BooleanValue.TRUE);
  }

  EvalOptions options() {
    return options;
  }

  CompiledPolicy policy() {
    return policy;
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
          yield documents.walkData(policy.root(), frame.data, List.of(), 0, env, k);
        }
        Value val = env.get(n);
        yield val == null || k.go(val);
      }
      case Term.Ref r -> evalRef(r, env, k);
      case Term.ArrayTerm a ->
          evalArgs(
              a.elements(),
              a.elements().size(),
              env,
              vals -> k.go(built(ArrayValue.of(vals), "the array", a.location())));
      case Term.SetTerm s ->
          evalArgs(
              s.elements(),
              s.elements().size(),
              env,
              vals -> k.go(built(SetValue.of(vals), "the set", s.location())));
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
              return k.go(built(ObjectValue.wrap(m), "the object", o.location()));
            });
      }
      case Term.ArrayComprehension c ->
          k.go(
              built(
                  ArrayValue.of(
                      collectTerms(
                          c.body(),
                          c.term(),
                          env,
                          new ArrayList<>(),
                          "the array comprehension",
                          c.location())),
                  "the array comprehension",
                  c.location()));
      case Term.SetComprehension c ->
          k.go(
              built(
                  SetValue.wrap(
                      collectTerms(
                          c.body(),
                          c.term(),
                          env,
                          new HashSet<>(),
                          "the set comprehension",
                          c.location())),
                  "the set comprehension",
                  c.location()));
      case Term.ObjectComprehension c -> {
        Map<Value, Value> out = new HashMap<>();
        Growth size = new Growth("the object comprehension", c.location());
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
                              budget.charge(Values.unsharedSize(kv));
                              budget.charge(Values.unsharedSize(vv));
                              Value prev = out.putIfAbsent(kv, vv);
                              if (prev == null) {
                                size.add(kv);
                                size.add(vv);
                              } else if (!prev.equals(vv)) {
                                throw RuleEvaluation.conflict(
                                    "object keys must be unique", c.location());
                              }
                              return true;
                            })));
        yield k.go(built(ObjectValue.wrap(out), "the object comprehension", c.location()));
      }
      case Term.Call c -> evalCallTerm(c, env, k);
      case Term.TemplateString ts ->
          k.go(built(template(ts, env), "the template string", ts.location()));
    };
  }

  private void collect(List<Expr> body, Env env, Cont k) {
    enter();
    int m = env.mark();
    evalSubquery(body, env, k);
    env.undo(m);
    leave();
  }

  /**
   * Writes a template string, checked against the query's {@link SizeLimit} as it grows (as {@code
   * print} is): a template that repeats a value near the limit is stopped at the limit.
   */
  private Value template(Term.TemplateString ts, Env env) {
    StringBuilder sb = new StringBuilder();
    TextGrowth grown = TextGrowth.of(sizes, budget, "the template string", ts.location());
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
      if (v == null) {
        sb.append("<undefined>");
      } else if (v instanceof StringValue s) {
        grown.accept((long) sb.length() + s.value().length());
        sb.append(s.value());
      } else {
        Values.writeTerm(v, sb, grown, charger);
      }
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
        return documents.walkData(policy.root(), frame.data, path, 0, env, k);
      }
      Value val = env.get(n);
      return val == null || walkValue(val, path, 0, env, k);
    }
    return evalTerm(head, env, hv -> walkValue(hv, path, 0, env, k));
  }

  boolean walkValue(Value start, List<Term> path, int from, Env env, VCont k) {
    Value v = start;
    int i = from;
    while (i < path.size()) {
      Value key = quick(path.get(i), env);
      if (key == null) {
        break;
      }
      v = Documents.lookup(v, key);
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
      return Documents.iterate(
          coll,
          charger,
          (key, child) -> {
            tick();
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
            Value c = Documents.lookup(coll, key);
            return c == null || walkValue(c, path, next, env, k);
          });
    }
    return Documents.iterate(
        coll,
        charger,
        (key, child) -> {
          tick();
          return unifyValue(p, key, env, () -> walkValue(child, path, next, env, k));
        });
  }

  /** Returns true when the term can be evaluated now: every variable it reads is bound. */
  boolean isGround(Term t, Env env) {
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
    CompiledRule r = rules.currentRule;
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
    return Metadata.chain(policy, rules.currentSet, rules.currentRule);
  }
}
