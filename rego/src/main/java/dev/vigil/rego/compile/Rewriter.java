package dev.vigil.rego.compile;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.Builtin;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves the names of one rule or query: local variables get unique names per scope ({@code :=}
 * and {@code some} shadow outer names, wildcards become fresh variables), names of rules in the
 * package and import aliases become refs rooted at {@code data}, and every call is bound to its
 * target.
 *
 * <p>Implicit variables (bound by unification) keep their names, so a variable used in a
 * comprehension and in the enclosing body is one variable, as in Rego.
 */
final class Rewriter {

  private final Context ctx;
  private final List<Value> pkg;
  private final Map<String, Term.Ref> imports;
  private final Set<String> ruleNames;
  private final boolean v0;
  private boolean keepTopNames;

  /** What the whole compilation shares: registry, rule tree, results and errors. */
  static final class Context {
    final BuiltinRegistry registry;
    final RuleNode root;
    final Map<Term.Call, CallTarget> targets;
    final Set<Term> functionValues;
    final List<RegoError> errors;
    final Map<String, String> originalNames;
    int counter;

    Context(
        BuiltinRegistry registry,
        RuleNode root,
        Map<Term.Call, CallTarget> targets,
        Set<Term> functionValues,
        Map<String, String> originalNames,
        List<RegoError> errors) {
      this.registry = registry;
      this.root = root;
      this.targets = targets;
      this.functionValues = functionValues;
      this.originalNames = originalNames;
      this.errors = errors;
    }
  }

  /** Variables declared in one body; the top scope keeps declared names as written. */
  static final class Scope {
    final Scope parent;
    final Map<String, String> declared = new HashMap<>();
    final Set<String> used = new HashSet<>();

    Scope(Scope parent) {
      this.parent = parent;
    }
  }

  Rewriter(
      Context ctx,
      List<Value> pkg,
      Map<String, Term.Ref> imports,
      Set<String> ruleNames,
      boolean v0) {
    this.ctx = ctx;
    this.pkg = pkg;
    this.imports = imports;
    this.ruleNames = ruleNames;
    this.v0 = v0;
  }

  /** Keeps the names of variables declared at the top of a query, so results can bind them. */
  void keepTopNames() {
    this.keepTopNames = true;
  }

  /** Returns a call of {@code eq} registered with its target. */
  Term.Call eqCall(Term a, Term b, Location loc) {
    Term.Call c =
        new Term.Call(new Term.Ref(new Term.Var("eq", loc), List.of(), loc), List.of(a, b), loc);
    ctx.targets.put(c, new CallTarget.Native("eq"));
    return c;
  }

  Scope topScope() {
    return new Scope(null);
  }

  /** Declares the variables of a pattern (function parameters, {@code some} targets). */
  Term declarePattern(Term t, Scope s) {
    return switch (t) {
      case Term.Var v -> declare(v, s);
      case Term.Ref r
          when r.path().isEmpty()
              && r.head() instanceof Term.Var v
              && (v.name().equals("input") || v.name().equals("data")) -> {
        // `input := {...}` declares a local that shadows the root document. v0 allows it (real
        // libraries such as gatekeeper's tests rely on it); v1 forbids it, as OPA 1.x does.
        if (!v0) {
          error(
              "rego_compile_error",
              "variables must not shadow " + v.name() + " (use a different variable name)",
              v.location());
        }
        yield declare(v, s);
      }
      case Term.ArrayTerm a -> new Term.ArrayTerm(declareAll(a.elements(), s), a.location());
      case Term.ObjectTerm o -> {
        List<Term.Entry> es = new ArrayList<>();
        for (Term.Entry e : o.entries()) {
          es.add(new Term.Entry(term(e.key(), s), declarePattern(e.value(), s)));
        }
        yield new Term.ObjectTerm(es, o.location());
      }
      default -> term(t, s);
    };
  }

  private List<Term> declareAll(List<Term> ts, Scope s) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(declarePattern(t, s));
    }
    return out;
  }

  private Term.Var declare(Term.Var v, Scope s) {
    if (v.name().equals("_")) {
      return fresh(v.location());
    }
    if (s.declared.containsKey(v.name())) {
      error("rego_compile_error", "var " + v.name() + " assigned above", v.location());
    } else if (s.used.contains(v.name())) {
      error("rego_compile_error", "var " + v.name() + " referenced above", v.location());
    }
    String name = v.name();
    if (s.parent != null || !keepTopNames || isShadowing(name)) {
      name = "$" + v.name() + "_" + (ctx.counter++);
      ctx.originalNames.put(name, v.name());
    }
    s.declared.put(v.name(), name);
    return new Term.Var(name, v.location());
  }

  private boolean isShadowing(String name) {
    return name.equals("input") || name.equals("data");
  }

  Term.Var fresh(Location loc) {
    String name = "$" + (ctx.counter++);
    ctx.originalNames.put(name, "_");
    return new Term.Var(name, loc);
  }

  List<Expr> body(List<Expr> body, Scope s) {
    List<Expr> out = new ArrayList<>(body.size());
    for (Expr e : body) {
      out.add(expr(e, s));
    }
    return out;
  }

  Expr expr(Expr e, Scope s) {
    List<Expr.With> with = e.with();
    if (!with.isEmpty()) {
      List<Expr.With> ws = new ArrayList<>(with.size());
      for (Expr.With w : with) {
        ws.add(new Expr.With(withTarget(w.target()), withValue(w.value(), s), w.location()));
      }
      with = ws;
    }
    Expr.Kind kind =
        switch (e.kind()) {
          case Expr.TermExpr t -> new Expr.TermExpr(term(t.term(), s));
          case Expr.CallExpr c -> callExpr(c.call(), s);
          case Expr.SomeDecl d -> {
            List<Term.Var> vs = new ArrayList<>();
            for (Term.Var v : d.vars()) {
              vs.add(declare(v, s));
            }
            yield new Expr.SomeDecl(vs);
          }
          case Expr.SomeIn si -> {
            Term coll = term(si.collection(), s);
            Term key = si.key() == null ? null : declarePattern(si.key(), s);
            Term value = declarePattern(si.value(), s);
            yield new Expr.SomeIn(key, value, coll);
          }
          case Expr.Every ev -> {
            Term domain = term(ev.domain(), s);
            Scope inner = new Scope(s);
            Term key = ev.key() == null ? null : declarePattern(ev.key(), inner);
            Term value = declarePattern(ev.value(), inner);
            yield new Expr.Every(key, value, domain, body(ev.body(), inner));
          }
          case Expr.Logic l ->
              new Expr.Logic(
                  l.isAnd(), body(l.left(), new Scope(s)), body(l.right(), new Scope(s)));
        };
    return new Expr(kind, e.negated(), with, e.location(), e.text());
  }

  private Expr.Kind callExpr(Term.Call call, Scope s) {
    String op = simpleName(call.operator());
    if ("assign".equals(op) && call.args().size() == 2) {
      Term rhs = term(call.args().get(1), s);
      Term lhs = declarePattern(call.args().get(0), s);
      Term.Call c = new Term.Call(call.operator(), List.of(lhs, rhs), call.location());
      ctx.targets.put(c, new CallTarget.Native("assign"));
      return new Expr.CallExpr(c);
    }
    return new Expr.CallExpr((Term.Call) term(call, s));
  }

  Term term(Term t, Scope s) {
    return switch (t) {
      case Term.Scalar sc -> sc;
      case Term.Var v -> var(v, s);
      case Term.Ref r -> ref(r, s);
      case Term.ArrayTerm a -> new Term.ArrayTerm(terms(a.elements(), s), a.location());
      case Term.SetTerm st -> new Term.SetTerm(terms(st.elements(), s), st.location());
      case Term.ObjectTerm o -> {
        List<Term.Entry> es = new ArrayList<>(o.entries().size());
        for (Term.Entry e : o.entries()) {
          es.add(new Term.Entry(term(e.key(), s), term(e.value(), s)));
        }
        yield new Term.ObjectTerm(es, o.location());
      }
      case Term.ArrayComprehension c -> {
        Scope inner = new Scope(s);
        List<Expr> b = body(c.body(), inner);
        yield new Term.ArrayComprehension(term(c.term(), inner), b, c.location());
      }
      case Term.SetComprehension c -> {
        Scope inner = new Scope(s);
        List<Expr> b = body(c.body(), inner);
        yield new Term.SetComprehension(term(c.term(), inner), b, c.location());
      }
      case Term.ObjectComprehension c -> {
        Scope inner = new Scope(s);
        List<Expr> b = body(c.body(), inner);
        yield new Term.ObjectComprehension(
            term(c.key(), inner), term(c.value(), inner), b, c.location());
      }
      case Term.Call c -> call(c, s);
      case Term.TemplateString ts -> new Term.TemplateString(terms(ts.parts(), s), ts.location());
    };
  }

  private List<Term> terms(List<Term> ts, Scope s) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(term(t, s));
    }
    return out;
  }

  private Term var(Term.Var v, Scope s) {
    String name = v.name();
    if (name.equals("_")) {
      return fresh(v.location());
    }
    for (Scope sc = s; sc != null; sc = sc.parent) {
      String d = sc.declared.get(name);
      if (d != null) {
        return d.equals(name) ? v : new Term.Var(d, v.location());
      }
    }
    Term.Ref global = global(name, v.location());
    if (global != null) {
      return global;
    }
    s.used.add(name);
    return v;
  }

  /** Returns the ref a bare name stands for when it names an import or a rule, else null. */
  private Term.Ref global(String name, Location loc) {
    if (name.equals("input") || name.equals("data")) {
      return null;
    }
    Term.Ref imp = imports.get(name);
    if (imp != null) {
      return new Term.Ref(imp.head(), imp.path(), loc);
    }
    if (ruleNames.contains(name)) {
      List<Term> path = new ArrayList<>(pkg.size() + 1);
      for (Value k : pkg) {
        path.add(new Term.Scalar(k, loc));
      }
      path.add(new Term.Scalar(StringValue.of(name), loc));
      return new Term.Ref(new Term.Var("data", loc), path, loc);
    }
    return null;
  }

  private Term ref(Term.Ref r, Scope s) {
    Term head = term(r.head(), s);
    List<Term> path = terms(r.path(), s);
    if (head instanceof Term.Ref hr) {
      List<Term> joined = new ArrayList<>(hr.path());
      joined.addAll(path);
      return new Term.Ref(hr.head(), joined, r.location());
    }
    return new Term.Ref(head, path, r.location());
  }

  private Term withTarget(Term target) {
    Term.Ref r =
        target instanceof Term.Var v
            ? new Term.Ref(v, List.of(), v.location())
            : target instanceof Term.Ref rr ? rr : null;
    if (r == null || !(r.head() instanceof Term.Var hv)) {
      return target;
    }
    Term.Ref g = global(hv.name(), r.location());
    if (g == null) {
      return r;
    }
    List<Term> joined = new ArrayList<>(g.path());
    joined.addAll(r.path());
    return new Term.Ref(g.head(), joined, r.location());
  }

  private Term withValue(Term value, Scope s) {
    String name =
        value instanceof Term.Var v ? v.name() : value instanceof Term.Ref r ? simpleName(r) : null;
    if (name != null && !isDeclared(name.split("\\.")[0], s)) {
      Term resolved = value instanceof Term.Var v ? withTarget(v) : withTarget(value);
      String full = resolved instanceof Term.Ref rr ? simpleName(rr) : null;
      if (full != null && (isFunctionName(full) || isBuiltinName(full))) {
        ctx.functionValues.add(resolved);
        return resolved;
      }
    }
    return term(value, s);
  }

  private boolean isDeclared(String name, Scope s) {
    for (Scope sc = s; sc != null; sc = sc.parent) {
      if (sc.declared.containsKey(name)) {
        return true;
      }
    }
    return false;
  }

  boolean isBuiltinName(String name) {
    return Natives.isNative(name) || ctx.registry.get(name) != null;
  }

  boolean isFunctionName(String name) {
    RuleNode n = nodeOf(name);
    return n != null && n.rules != null && n.rules.kind() == RuleSet.Kind.FUNCTION;
  }

  private RuleNode nodeOf(String dotted) {
    if (!dotted.startsWith("data.")) {
      return null;
    }
    RuleNode n = ctx.root;
    for (String part : dotted.substring(5).split("\\.")) {
      n = n.children().get(StringValue.of(part));
      if (n == null) {
        return null;
      }
    }
    return n;
  }

  private Term call(Term.Call c, Scope s) {
    Term.Ref op = c.operator();
    if (op.head() instanceof Term.Var hv) {
      Term.Ref g = global(hv.name(), op.location());
      if (g != null && !isDeclared(hv.name(), s)) {
        List<Term> joined = new ArrayList<>(g.path());
        joined.addAll(op.path());
        op = new Term.Ref(g.head(), joined, op.location());
      }
    }
    List<Term> args = terms(c.args(), s);
    Term.Call out = new Term.Call(op, args, c.location());
    String name = simpleName(op);
    CallTarget target = name == null ? null : resolveCall(name, args.size(), c.location());
    if (target != null) {
      ctx.targets.put(out, target);
    }
    return out;
  }

  private CallTarget resolveCall(String name, int argc, Location loc) {
    if (name.startsWith("data.")) {
      RuleNode n = nodeOf(name);
      if (n == null || n.rules == null || n.rules.kind() != RuleSet.Kind.FUNCTION) {
        error("rego_type_error", "undefined function " + name, loc);
        return null;
      }
      checkArity(name, n.rules.arity(), argc, loc);
      return new CallTarget.Function(name, n);
    }
    if (!v0 && Natives.DEPRECATED.contains(name)) {
      error("rego_type_error", "undefined function " + name, loc);
      return null;
    }
    Integer arity = Natives.ARITY.get(name);
    if (arity != null) {
      if (arity >= 0) {
        checkArity(name, arity, argc, loc);
      }
      return new CallTarget.Native(name);
    }
    Builtin b = ctx.registry.get(name);
    if (b == null) {
      error("rego_type_error", "undefined function " + name, loc);
      return null;
    }
    checkArity(name, b.decl().arity(), argc, loc);
    return new CallTarget.Library(name, b);
  }

  private void checkArity(String name, int arity, int argc, Location loc) {
    if (argc != arity && argc != arity + 1) {
      error(
          "rego_type_error",
          name
              + ": arity mismatch: have "
              + argc
              + " argument"
              + (argc == 1 ? "" : "s")
              + ", want "
              + arity,
          loc);
    }
  }

  private void error(String code, String message, Location loc) {
    ctx.errors.add(new RegoError(code, message, loc));
  }

  /** Returns {@code a.b.c} for a ref of a variable and string keys, otherwise null. */
  static String simpleName(Term.Ref r) {
    if (!(r.head() instanceof Term.Var v)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(v.name());
    for (Term p : r.path()) {
      if (p instanceof Term.Scalar sc && sc.value() instanceof StringValue str) {
        sb.append('.').append(str.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }
}
