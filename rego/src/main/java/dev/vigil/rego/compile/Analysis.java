package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Walks terms and expressions to collect the variables they name. The collecting walks charge a
 * step per term and expression to a {@link CompileWork}, as safety ordering repeats them.
 */
final class Analysis {

  private final Set<Term> functionValues;
  private final CompileWork work;

  Analysis(Set<Term> functionValues, CompileWork work) {
    this.functionValues = functionValues;
    this.work = work;
  }

  /**
   * Collects every variable of a term. Inside closures, only variables in {@code universe} are
   * collected (the closure's own locals are not the caller's concern); with a null universe,
   * closures are skipped.
   */
  void vars(Term t, Set<String> out, Set<String> universe) {
    work.charge(1);
    switch (t) {
      case Term.Scalar s -> {}
      case Term.Var v -> {
        if (!Safety.isRoot(v.name())) {
          out.add(v.name());
        }
      }
      case Term.Ref r -> {
        if (functionValues.contains(r)) {
          return;
        }
        vars(r.head(), out, universe);
        r.path().forEach(p -> vars(p, out, universe));
      }
      case Term.ArrayTerm a -> a.elements().forEach(e -> vars(e, out, universe));
      case Term.SetTerm a -> a.elements().forEach(e -> vars(e, out, universe));
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          vars(e.key(), out, universe);
          vars(e.value(), out, universe);
        }
      }
      case Term.ArrayComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe);
          inUniverse(c.term(), out, universe);
        }
      }
      case Term.SetComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe);
          inUniverse(c.term(), out, universe);
        }
      }
      case Term.ObjectComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe);
          inUniverse(c.key(), out, universe);
          inUniverse(c.value(), out, universe);
        }
      }
      case Term.Call c -> c.args().forEach(e -> vars(e, out, universe));
      case Term.TemplateString ts -> ts.parts().forEach(e -> vars(e, out, universe));
    }
  }

  private void inUniverse(Term t, Set<String> out, Set<String> universe) {
    Set<String> vs = new java.util.HashSet<>();
    vars(t, vs, universe);
    vs.retainAll(universe);
    out.addAll(vs);
  }

  private void closureVars(java.util.List<Expr> body, Set<String> out, Set<String> universe) {
    Set<String> vs = new java.util.HashSet<>();
    for (Expr e : body) {
      kindVars(e.kind(), vs, universe);
      for (Expr.With w : e.with()) {
        vars(w.value(), vs, universe);
      }
    }
    vs.retainAll(universe);
    out.addAll(vs);
  }

  /** Collects the variables of an expression kind, closures included as {@link #vars} does. */
  void kindVars(Expr.Kind k, Set<String> out, Set<String> universe) {
    work.charge(1);
    switch (k) {
      case Expr.TermExpr t -> vars(t.term(), out, universe);
      case Expr.CallExpr c -> vars(c.call(), out, universe);
      case Expr.SomeDecl d -> {}
      case Expr.SomeIn si -> {
        if (si.key() != null) {
          vars(si.key(), out, universe);
        }
        vars(si.value(), out, universe);
        vars(si.collection(), out, universe);
      }
      case Expr.Every ev -> {
        vars(ev.domain(), out, universe);
        if (universe != null) {
          closureVars(ev.body(), out, universe);
        }
      }
      case Expr.Logic l -> {
        if (universe != null) {
          closureVars(l.left(), out, universe);
          closureVars(l.right(), out, universe);
        }
      }
    }
  }

  /** Collects the variables an expression names outside its closures. */
  void exprVars(Expr e, Set<String> out) {
    kindVars(e.kind(), out, null);
    for (Expr.With w : e.with()) {
      vars(w.value(), out, null);
    }
  }

  /** Visits every term of an expression outside closure bodies, closures themselves included. */
  static void forEachTerm(Expr e, Consumer<Term> visit) {
    switch (e.kind()) {
      case Expr.TermExpr t -> forEach(t.term(), visit);
      case Expr.CallExpr c -> forEach(c.call(), visit);
      case Expr.SomeDecl d -> {}
      case Expr.SomeIn si -> {
        if (si.key() != null) {
          forEach(si.key(), visit);
        }
        forEach(si.value(), visit);
        forEach(si.collection(), visit);
      }
      case Expr.Every ev -> forEach(ev.domain(), visit);
      case Expr.Logic l -> {}
    }
    for (Expr.With w : e.with()) {
      forEach(w.value(), visit);
    }
  }

  static void forEach(Term t, Consumer<Term> visit) {
    visit.accept(t);
    switch (t) {
      case Term.Ref r -> {
        forEach(r.head(), visit);
        r.path().forEach(p -> forEach(p, visit));
      }
      case Term.ArrayTerm a -> a.elements().forEach(x -> forEach(x, visit));
      case Term.SetTerm a -> a.elements().forEach(x -> forEach(x, visit));
      case Term.ObjectTerm o -> {
        for (Term.Entry en : o.entries()) {
          forEach(en.key(), visit);
          forEach(en.value(), visit);
        }
      }
      case Term.Call c -> c.args().forEach(x -> forEach(x, visit));
      case Term.TemplateString ts -> ts.parts().forEach(x -> forEach(x, visit));
      default -> {}
    }
  }
}
