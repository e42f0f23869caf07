package dev.vigil.rego.compile;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders the expressions of each body so that every variable is bound before an expression needs
 * it, as OPA does, and reports {@code var x is unsafe} when no order works.
 *
 * <p>A variable is needed when its value is read (operands, ref heads, negations, closures that
 * capture it) and bound by unification, by iteration in a ref path, or by a call's output operand.
 */
final class Safety {

  private final List<RegoError> errors;
  private final Map<String, String> originalNames;
  private final Set<Term> functionValues;
  private final Map<Term.Call, CallTarget> targets;
  private final CompileWork work;
  private final Analysis analysis;

  /**
   * @param work counts the steps of ordering: each expression tried, each term walked, each
   *     variable copied into a closure's sets
   */
  Safety(
      List<RegoError> errors,
      Map<String, String> originalNames,
      Set<Term> functionValues,
      Map<Term.Call, CallTarget> targets,
      CompileWork work) {
    this.targets = targets;
    this.work = work;
    this.analysis = new Analysis(functionValues, work);
    this.errors = errors;
    this.originalNames = originalNames;
    this.functionValues = functionValues;
  }

  /**
   * Reorders a body.
   *
   * @param bound the variables bound before the body starts; on return, also those it binds
   * @param outer the variables visible from enclosing bodies (a closure reads them)
   */
  List<Expr> order(List<Expr> body, Set<String> bound, Set<String> outer) {
    work.charge(outer.size());
    Set<String> universe = new HashSet<>(outer);
    for (Expr e : body) {
      exprVars(e, universe);
    }
    List<Expr> pending = new ArrayList<>(body);
    List<Expr> out = new ArrayList<>(body.size());
    while (!pending.isEmpty()) {
      int pick = -1;
      for (int i = 0; i < pending.size(); i++) {
        work.charge(1);
        if (ready(pending.get(i), bound, universe)) {
          pick = i;
          break;
        }
      }
      if (pick < 0) {
        reportUnsafe(pending, bound, universe);
        out.addAll(pending);
        return out;
      }
      Expr e = pending.remove(pick);
      out.add(closures(e, bound, universe));
      bindOutputs(e, bound);
    }
    return out;
  }

  /** Checks that the given terms (a rule head) only read bound variables. */
  void checkTerms(List<Term> terms, Set<String> bound, Set<String> universe, Location loc) {
    Set<String> need = new LinkedHashSet<>();
    for (Term t : terms) {
      if (t != null) {
        needIn(t, need, universe);
      }
    }
    need.removeAll(bound);
    for (String v : need) {
      unsafe(v, loc);
    }
  }

  /** Returns a term with the bodies of its closures ordered. */
  Term orderTerm(Term t, Set<String> bound, Set<String> universe) {
    return switch (t) {
      case Term.Scalar s -> s;
      case Term.Var v -> v;
      case Term.Ref r -> {
        Term head = orderTerm(r.head(), bound, universe);
        List<Term> path = orderTerms(r.path(), bound, universe);
        yield head == r.head() && sameElements(path, r.path())
            ? r
            : new Term.Ref(head, path, r.location());
      }
      case Term.ArrayTerm a -> {
        List<Term> es = orderTerms(a.elements(), bound, universe);
        yield sameElements(es, a.elements()) ? a : new Term.ArrayTerm(es, a.location());
      }
      case Term.SetTerm a -> {
        List<Term> es = orderTerms(a.elements(), bound, universe);
        yield sameElements(es, a.elements()) ? a : new Term.SetTerm(es, a.location());
      }
      case Term.ObjectTerm o -> {
        List<Term.Entry> es = new ArrayList<>();
        for (Term.Entry e : o.entries()) {
          es.add(
              new Term.Entry(
                  orderTerm(e.key(), bound, universe), orderTerm(e.value(), bound, universe)));
        }
        yield new Term.ObjectTerm(es, o.location());
      }
      case Term.ArrayComprehension c -> {
        Set<String> b = closureBound(t, bound, universe);
        Set<String> u = closureUniverse(c.body(), universe);
        List<Expr> body = order(c.body(), b, u);
        checkTerms(List.of(c.term()), b, u, c.location());
        yield new Term.ArrayComprehension(orderTerm(c.term(), b, u), body, c.location());
      }
      case Term.SetComprehension c -> {
        Set<String> b = closureBound(t, bound, universe);
        Set<String> u = closureUniverse(c.body(), universe);
        List<Expr> body = order(c.body(), b, u);
        checkTerms(List.of(c.term()), b, u, c.location());
        yield new Term.SetComprehension(orderTerm(c.term(), b, u), body, c.location());
      }
      case Term.ObjectComprehension c -> {
        Set<String> b = closureBound(t, bound, universe);
        Set<String> u = closureUniverse(c.body(), universe);
        List<Expr> body = order(c.body(), b, u);
        checkTerms(List.of(c.key(), c.value()), b, u, c.location());
        yield new Term.ObjectComprehension(
            orderTerm(c.key(), b, u), orderTerm(c.value(), b, u), body, c.location());
      }
      case Term.Call c -> {
        List<Term> args = orderTerms(c.args(), bound, universe);
        if (sameElements(args, c.args())) {
          yield c;
        }
        Term.Call n = new Term.Call(c.operator(), args, c.location());
        CallTarget target = targets.get(c);
        if (target != null) {
          targets.put(n, target);
        }
        yield n;
      }
      case Term.TemplateString ts ->
          new Term.TemplateString(orderTerms(ts.parts(), bound, universe), ts.location());
    };
  }

  private static boolean sameElements(List<Term> a, List<Term> b) {
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  private List<Term> orderTerms(List<Term> ts, Set<String> bound, Set<String> universe) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(orderTerm(t, bound, universe));
    }
    return out;
  }

  private Set<String> closureBound(Term closure, Set<String> bound, Set<String> universe) {
    work.charge(bound.size());
    Set<String> b = new HashSet<>();
    allVars(closure, b, universe);
    b.retainAll(universe);
    b.addAll(bound);
    return b;
  }

  private Set<String> closureUniverse(List<Expr> body, Set<String> outer) {
    work.charge(outer.size());
    Set<String> u = new HashSet<>(outer);
    for (Expr e : body) {
      exprVars(e, u);
    }
    return u;
  }

  private Expr closures(Expr e, Set<String> bound, Set<String> universe) {
    if (!hasClosure(e)) {
      return e;
    }
    work.charge(bound.size());
    Set<String> b = new HashSet<>(bound);
    Expr.Kind kind =
        switch (e.kind()) {
          case Expr.TermExpr t -> new Expr.TermExpr(orderTerm(t.term(), b, universe));
          case Expr.CallExpr c -> new Expr.CallExpr((Term.Call) orderTerm(c.call(), b, universe));
          case Expr.SomeDecl d -> d;
          case Expr.SomeIn si ->
              new Expr.SomeIn(si.key(), si.value(), orderTerm(si.collection(), b, universe));
          case Expr.Every ev -> {
            Set<String> eb = new HashSet<>();
            kindVars(ev, eb, universe);
            eb.retainAll(universe);
            eb.addAll(b);
            if (ev.key() != null) {
              allVars(ev.key(), eb, null);
            }
            allVars(ev.value(), eb, null);
            Set<String> u = closureUniverse(ev.body(), universe);
            u.addAll(eb);
            yield new Expr.Every(
                ev.key(), ev.value(), orderTerm(ev.domain(), b, universe), order(ev.body(), eb, u));
          }
          case Expr.Logic l -> {
            work.charge(2L * b.size());
            yield new Expr.Logic(
                l.isAnd(),
                order(l.left(), new HashSet<>(b), closureUniverse(l.left(), universe)),
                order(l.right(), new HashSet<>(b), closureUniverse(l.right(), universe)));
          }
        };
    List<Expr.With> with = e.with();
    if (!with.isEmpty()) {
      List<Expr.With> ws = new ArrayList<>();
      for (Expr.With w : with) {
        ws.add(new Expr.With(w.target(), orderTerm(w.value(), b, universe), w.location()));
      }
      with = ws;
    }
    return new Expr(kind, e.negated(), with, e.location(), e.text());
  }

  private static boolean hasClosure(Expr e) {
    return switch (e.kind()) {
      case Expr.Every ev -> true;
      case Expr.Logic l -> true;
      case Expr.SomeDecl d -> false;
      default -> {
        boolean[] found = {false};
        Analysis.forEachTerm(
            e,
            t -> {
              if (t instanceof Term.ArrayComprehension
                  || t instanceof Term.SetComprehension
                  || t instanceof Term.ObjectComprehension) {
                found[0] = true;
              }
            });
        yield found[0];
      }
    };
  }

  /** Returns true when every variable the expression reads is bound. */
  private boolean ready(Expr e, Set<String> bound, Set<String> universe) {
    for (Expr.With w : e.with()) {
      if (!needsBound(w.value(), bound, universe)) {
        return false;
      }
    }
    if (e.negated()) {
      Set<String> vs = new HashSet<>();
      kindVars(e.kind(), vs, universe);
      for (String v : vs) {
        if (!bound.contains(v) && !v.startsWith("$")) {
          return false;
        }
      }
      return readyKind(e.kind(), bound, universe, true);
    }
    return readyKind(e.kind(), bound, universe, false);
  }

  private boolean readyKind(
      Expr.Kind kind, Set<String> bound, Set<String> universe, boolean negated) {
    return switch (kind) {
      case Expr.TermExpr t -> needsBound(t.term(), bound, universe);
      case Expr.CallExpr c -> readyCall(c.call(), bound, universe, negated);
      case Expr.SomeDecl d -> true;
      case Expr.SomeIn si ->
          needsBound(si.collection(), bound, universe)
              && (si.key() == null || patternReady(si.key(), bound, universe))
              && patternReady(si.value(), bound, universe);
      case Expr.Every ev -> {
        if (!needsBound(ev.domain(), bound, universe)) {
          yield false;
        }
        Set<String> vs = new HashSet<>();
        for (Expr b : ev.body()) {
          kindVars(b.kind(), vs, universe);
        }
        vs.retainAll(universe);
        yield bound.containsAll(vs);
      }
      case Expr.Logic l -> {
        Set<String> vs = new HashSet<>();
        for (Expr b : l.left()) {
          kindVars(b.kind(), vs, universe);
        }
        for (Expr b : l.right()) {
          kindVars(b.kind(), vs, universe);
        }
        vs.retainAll(universe);
        yield bound.containsAll(vs);
      }
    };
  }

  private boolean readyCall(Term.Call c, Set<String> bound, Set<String> universe, boolean negated) {
    String op = Rewriter.simpleName(c.operator());
    if (("eq".equals(op) || "assign".equals(op)) && c.args().size() == 2) {
      return canUnify(c.args().get(0), c.args().get(1), bound, universe);
    }
    List<Term> args = c.args();
    int n = args.size();
    int inputs = n;
    if (op != null && outputArity(op) >= 0 && n == outputArity(op) + 1) {
      inputs = n - 1;
      if (!patternReady(args.get(n - 1), bound, universe)) {
        return false;
      }
    }
    for (int i = 0; i < inputs; i++) {
      if (!needsBound(args.get(i), bound, universe)) {
        return false;
      }
    }
    return true;
  }

  private java.util.function.ToIntFunction<String> arityOf = s -> -1;

  void setArity(java.util.function.ToIntFunction<String> arityOf) {
    this.arityOf = arityOf;
  }

  private int outputArity(String op) {
    return arityOf.applyAsInt(op);
  }

  private boolean canUnify(Term a, Term b, Set<String> bound, Set<String> universe) {
    if (needsBound(a, bound, universe) && patternReady(b, bound, universe)) {
      return true;
    }
    if (needsBound(b, bound, universe) && patternReady(a, bound, universe)) {
      return true;
    }
    if (a instanceof Term.ArrayTerm x
        && b instanceof Term.ArrayTerm y
        && x.elements().size() == y.elements().size()) {
      return pairsReady(x.elements(), y.elements(), bound, universe);
    }
    if (a instanceof Term.ObjectTerm x
        && b instanceof Term.ObjectTerm y
        && x.entries().size() == y.entries().size()) {
      List<Term> xs = new ArrayList<>();
      List<Term> ys = new ArrayList<>();
      for (Term.Entry e : x.entries()) {
        Term match = null;
        for (Term.Entry f : y.entries()) {
          if (f.key().equals(e.key()) || sameScalar(f.key(), e.key())) {
            match = f.value();
          }
        }
        if (match == null) {
          return false;
        }
        xs.add(e.value());
        ys.add(match);
      }
      return pairsReady(xs, ys, bound, universe);
    }
    return false;
  }

  private static boolean sameScalar(Term a, Term b) {
    return a instanceof Term.Scalar x && b instanceof Term.Scalar y && x.value().equals(y.value());
  }

  private boolean pairsReady(
      List<Term> xs, List<Term> ys, Set<String> bound, Set<String> universe) {
    work.charge(bound.size());
    Set<String> b = new HashSet<>(bound);
    List<Integer> left = new ArrayList<>();
    for (int i = 0; i < xs.size(); i++) {
      left.add(i);
    }
    boolean progress = true;
    while (!left.isEmpty() && progress) {
      progress = false;
      for (int j = 0; j < left.size(); j++) {
        int i = left.get(j);
        if (canUnify(xs.get(i), ys.get(i), b, universe)) {
          allVars(xs.get(i), b, null);
          allVars(ys.get(i), b, null);
          left.remove(j);
          progress = true;
          break;
        }
      }
    }
    return left.isEmpty();
  }

  /** Returns true when the term can be evaluated: every variable it reads is bound. */
  boolean needsBound(Term t, Set<String> bound, Set<String> universe) {
    Set<String> need = new HashSet<>();
    needIn(t, need, universe);
    return bound.containsAll(need);
  }

  /** Returns true when a term can be matched against a value. */
  private boolean patternReady(Term t, Set<String> bound, Set<String> universe) {
    return switch (t) {
      case Term.Var v -> true;
      case Term.Scalar s -> true;
      case Term.ArrayTerm a -> {
        for (Term e : a.elements()) {
          if (!patternReady(e, bound, universe)) {
            yield false;
          }
        }
        yield true;
      }
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          if (!needsBound(e.key(), bound, universe) || !patternReady(e.value(), bound, universe)) {
            yield false;
          }
        }
        yield true;
      }
      default -> needsBound(t, bound, universe);
    };
  }

  /** Collects the variables a term reads (path variables of refs are bound, not read). */
  void needIn(Term t, Set<String> out, Set<String> universe) {
    work.charge(1);
    switch (t) {
      case Term.Scalar s -> {}
      case Term.Var v -> {
        if (!isRoot(v.name())) {
          out.add(v.name());
        }
      }
      case Term.Ref r -> {
        if (functionValues.contains(r)) {
          return;
        }
        needIn(r.head(), out, universe);
        for (Term p : r.path()) {
          switch (p) {
            case Term.Var v -> {}
            case Term.Scalar s -> {}
            case Term.ArrayTerm a -> patternNeeds(a, out, universe);
            case Term.ObjectTerm o -> patternNeeds(o, out, universe);
            default -> needIn(p, out, universe);
          }
        }
      }
      case Term.ArrayTerm a -> a.elements().forEach(e -> needIn(e, out, universe));
      case Term.SetTerm a -> a.elements().forEach(e -> needIn(e, out, universe));
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          needIn(e.key(), out, universe);
          needIn(e.value(), out, universe);
        }
      }
      case Term.ArrayComprehension c -> closureNeeds(t, out, universe);
      case Term.SetComprehension c -> closureNeeds(t, out, universe);
      case Term.ObjectComprehension c -> closureNeeds(t, out, universe);
      case Term.Call c -> c.args().forEach(e -> needIn(e, out, universe));
      case Term.TemplateString ts -> ts.parts().forEach(e -> needIn(e, out, universe));
    }
  }

  private void patternNeeds(Term t, Set<String> out, Set<String> universe) {
    switch (t) {
      case Term.Var v -> {}
      case Term.Scalar s -> {}
      case Term.ArrayTerm a -> a.elements().forEach(e -> patternNeeds(e, out, universe));
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          needIn(e.key(), out, universe);
          patternNeeds(e.value(), out, universe);
        }
      }
      default -> needIn(t, out, universe);
    }
  }

  private void closureNeeds(Term closure, Set<String> out, Set<String> universe) {
    Set<String> vs = new HashSet<>();
    allVars(closure, vs, universe);
    if (universe != null) {
      vs.retainAll(universe);
    }
    out.addAll(vs);
  }

  static boolean isRoot(String name) {
    return name.equals("input") || name.equals("data");
  }

  /**
   * Collects every variable of a term; inside closures, only those in {@code universe} (all of them
   * when it is null).
   */
  void allVars(Term t, Set<String> out, Set<String> universe) {
    analysis.vars(t, out, universe);
  }

  /** Collects the variables an expression names outside its closures. */
  void exprVars(Expr e, Set<String> out) {
    analysis.exprVars(e, out);
  }

  private void kindVars(Expr.Kind k, Set<String> out, Set<String> universe) {
    analysis.kindVars(k, out, universe);
  }

  private void bindOutputs(Expr e, Set<String> bound) {
    if (e.negated()) {
      return;
    }
    switch (e.kind()) {
      case Expr.Every ev -> {}
      case Expr.Logic l -> {}
      case Expr.SomeDecl d -> {}
      default -> exprVars(e, bound);
    }
  }

  private void reportUnsafe(List<Expr> pending, Set<String> bound, Set<String> universe) {
    Set<String> reported = new HashSet<>();
    for (Expr e : pending) {
      Set<String> vs = new LinkedHashSet<>();
      kindVars(e.kind(), vs, universe);
      for (Expr.With w : e.with()) {
        allVars(w.value(), vs, universe);
      }
      vs.removeAll(bound);
      for (String v : vs) {
        if (reported.add(v)) {
          unsafe(v, e.location());
        }
      }
    }
  }

  private void unsafe(String v, Location loc) {
    String name = originalNames.getOrDefault(v, v);
    errors.add(new RegoError("rego_unsafe_var_error", "var " + name + " is unsafe", loc));
  }
}
