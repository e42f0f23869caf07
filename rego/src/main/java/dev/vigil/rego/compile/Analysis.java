package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import java.util.Set;
import java.util.function.Consumer;

/** Walks terms and expressions to collect the variables they name. */
final class Analysis {

  private Analysis() {}

  /**
   * Collects every variable of a term. Inside closures, only variables in {@code universe} are
   * collected (the closure's own locals are not the caller's concern); with a null universe,
   * closures are skipped.
   */
  static void vars(Term t, Set<String> out, Set<String> universe, Set<Term> functionValues) {
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
        vars(r.head(), out, universe, functionValues);
        r.path().forEach(p -> vars(p, out, universe, functionValues));
      }
      case Term.ArrayTerm a -> a.elements().forEach(e -> vars(e, out, universe, functionValues));
      case Term.SetTerm a -> a.elements().forEach(e -> vars(e, out, universe, functionValues));
      case Term.ObjectTerm o -> {
        for (Term.Entry e : o.entries()) {
          vars(e.key(), out, universe, functionValues);
          vars(e.value(), out, universe, functionValues);
        }
      }
      case Term.ArrayComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe, functionValues);
          inUniverse(c.term(), out, universe, functionValues);
        }
      }
      case Term.SetComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe, functionValues);
          inUniverse(c.term(), out, universe, functionValues);
        }
      }
      case Term.ObjectComprehension c -> {
        if (universe != null) {
          closureVars(c.body(), out, universe, functionValues);
          inUniverse(c.key(), out, universe, functionValues);
          inUniverse(c.value(), out, universe, functionValues);
        }
      }
      case Term.Call c -> c.args().forEach(e -> vars(e, out, universe, functionValues));
      case Term.TemplateString ts ->
          ts.parts().forEach(e -> vars(e, out, universe, functionValues));
    }
  }

  private static void inUniverse(
      Term t, Set<String> out, Set<String> universe, Set<Term> functionValues) {
    Set<String> vs = new java.util.HashSet<>();
    vars(t, vs, universe, functionValues);
    vs.retainAll(universe);
    out.addAll(vs);
  }

  private static void closureVars(
      java.util.List<Expr> body, Set<String> out, Set<String> universe, Set<Term> fv) {
    Set<String> vs = new java.util.HashSet<>();
    for (Expr e : body) {
      kindVars(e.kind(), vs, universe, fv);
      for (Expr.With w : e.with()) {
        vars(w.value(), vs, universe, fv);
      }
    }
    vs.retainAll(universe);
    out.addAll(vs);
  }

  /** Collects the variables of an expression kind, closures included as {@link #vars} does. */
  static void kindVars(Expr.Kind k, Set<String> out, Set<String> universe, Set<Term> fv) {
    switch (k) {
      case Expr.TermExpr t -> vars(t.term(), out, universe, fv);
      case Expr.CallExpr c -> vars(c.call(), out, universe, fv);
      case Expr.SomeDecl d -> {}
      case Expr.SomeIn si -> {
        if (si.key() != null) {
          vars(si.key(), out, universe, fv);
        }
        vars(si.value(), out, universe, fv);
        vars(si.collection(), out, universe, fv);
      }
      case Expr.Every ev -> {
        vars(ev.domain(), out, universe, fv);
        if (universe != null) {
          closureVars(ev.body(), out, universe, fv);
        }
      }
      case Expr.Logic l -> {
        if (universe != null) {
          closureVars(l.left(), out, universe, fv);
          closureVars(l.right(), out, universe, fv);
        }
      }
    }
  }

  /** Collects the variables an expression names outside its closures. */
  static void exprVars(Expr e, Set<String> out, Set<Term> fv) {
    kindVars(e.kind(), out, null, fv);
    for (Expr.With w : e.with()) {
      vars(w.value(), out, null, fv);
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
