package dev.vigil.rego.compile;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.Builtin;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Compiles parsed modules into a rule tree: places every rule at its node under {@code data},
 * checks that the rules of one node agree on their kind, resolves names, orders bodies for safety,
 * rejects recursion and builds rule indexes.
 */
public final class Compiler {

  private final BuiltinRegistry registry;
  private final RuleNode root = new RuleNode(List.of());
  private final List<RegoError> errors = new ArrayList<>();
  private final Map<Term.Call, CallTarget> targets = new IdentityHashMap<>();
  private final Set<Term> functionValues = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<String, String> originalNames = new HashMap<>();
  private final CompileWork work;
  private final Rewriter.Context ctx;

  /** The stack of the thread a policy too deep for the caller's stack is compiled again on. */
  private static final long DEEP_STACK_BYTES = 64L * 1024 * 1024;

  private Compiler(BuiltinRegistry registry, long rules) {
    this.registry = registry;
    this.work = new CompileWork(rules);
    this.ctx = new Rewriter.Context(registry, root, targets, functionValues, originalNames, errors);
  }

  /**
   * Compiles modules. The work is bounded ({@link CompileWork}); a policy whose terms nest deeper
   * than the caller's stack allows is compiled again on a thread with a deep stack.
   *
   * @throws RegoException listing every compile error found, or the one rule that made compiling
   *     too costly or nests too deep to compile
   */
  public static CompiledPolicy compile(List<Module> modules, Value data, BuiltinRegistry registry) {
    try {
      return compileOnce(modules, data, registry, false);
    } catch (StackOverflowError e) {
      return onDeepStack(() -> compileOnce(modules, data, registry, true));
    }
  }

  private static CompiledPolicy compileOnce(
      List<Module> modules, Value data, BuiltinRegistry registry, boolean lastTry) {
    long rules = 0;
    for (Module m : modules) {
      rules += m.rules().size();
    }
    Compiler c = new Compiler(registry, rules);
    try {
      return c.compileAll(modules, data);
    } catch (StackOverflowError e) {
      if (!lastTry) {
        throw e;
      }
      throw c.work.tooDeep();
    }
  }

  /** Runs {@code compile} on a new thread with a deep stack, and returns or throws as it did. */
  private static <T> T onDeepStack(Supplier<T> compile) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            null,
            () -> {
              try {
                result.set(compile.get());
              } catch (RuntimeException e) {
                failure.set(e);
              }
            },
            "rego-compiler-deep",
            DEEP_STACK_BYTES);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegoException(
          new RegoError("rego_compile_error", "compiling interrupted", Location.NONE));
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }

  private CompiledPolicy compileAll(List<Module> modules, Value data) {
    place(modules);
    rewriteAll(modules);
    if (errors.isEmpty()) {
      checkRecursion();
    }
    if (!errors.isEmpty()) {
      throw new RegoException(errors);
    }
    buildIndexes(root);
    return new CompiledPolicy(
        List.copyOf(modules),
        root,
        data == null ? ObjectValue.EMPTY : data,
        targets,
        functionValues,
        registry,
        true);
  }

  /**
   * Compiles a query against a compiled policy. The query's calls are added to the policy's call
   * targets.
   */
  public static CompiledQuery compileQuery(CompiledPolicy policy, List<Expr> query) {
    Compiler c = new Compiler(policy.registry(), 0);
    try {
      return compileQuery(c, policy, query);
    } catch (StackOverflowError e) {
      throw c.work.tooDeep();
    }
  }

  private static CompiledQuery compileQuery(Compiler c, CompiledPolicy policy, List<Expr> query) {
    Rewriter.Context qctx =
        new Rewriter.Context(
            policy.registry(),
            policy.root(),
            c.targets,
            c.functionValues,
            c.originalNames,
            c.errors);
    qctx.counter = 1_000_000;
    Rewriter rw = new Rewriter(qctx, List.of(), Map.of(), Set.of(), false);
    rw.keepTopNames();
    Rewriter.Scope scope = rw.topScope();
    List<Expr> body = rw.body(query, scope);
    if (!query.isEmpty()) {
      c.work.at(query.get(0).location());
    }
    Safety safety = new Safety(c.errors, c.originalNames, c.functionValues, c.targets, c.work);
    safety.setArity(name -> arity(policy.root(), policy.registry(), name));
    Set<String> universe = new LinkedHashSet<>();
    for (Expr e : body) {
      safety.exprVars(e, universe);
    }
    Map<Expr, Integer> pos = new IdentityHashMap<>();
    for (int i = 0; i < body.size(); i++) {
      pos.put(body.get(i), i);
    }
    List<Expr> ordered = safety.order(body, new HashSet<>(), universe);
    if (!c.errors.isEmpty()) {
      throw new RegoException(c.errors);
    }
    Map<Expr, Integer> positions = new IdentityHashMap<>();
    for (Expr e : ordered) {
      Integer p = pos.get(e);
      if (p == null) {
        p = positionByLocation(body, e);
      }
      positions.put(e, p);
    }
    List<String> texts = new ArrayList<>();
    for (Expr e : query) {
      texts.add(e.text());
    }
    List<String> vars = new ArrayList<>();
    for (String v : universe) {
      if (!v.startsWith("$")) {
        vars.add(v);
      }
    }
    return new CompiledQuery(ordered, positions, texts, vars, c.targets, c.functionValues);
  }

  private static int positionByLocation(List<Expr> body, Expr e) {
    for (int i = 0; i < body.size(); i++) {
      if (body.get(i).location().equals(e.location()) && body.get(i).text().equals(e.text())) {
        return i;
      }
    }
    return -1;
  }

  static int arity(RuleNode root, BuiltinRegistry registry, String name) {
    Integer n = Natives.ARITY.get(name);
    if (n != null) {
      return n;
    }
    if (name.startsWith("data.")) {
      RuleNode node = root;
      for (String part : name.substring(5).split("\\.")) {
        node = node.children().get(StringValue.of(part));
        if (node == null) {
          return -1;
        }
      }
      return node.rules != null && node.rules.kind() == RuleSet.Kind.FUNCTION
          ? node.rules.arity()
          : -1;
    }
    Builtin b = registry.get(name);
    return b == null ? -1 : b.decl().arity();
  }

  // ---- placing rules in the tree

  private static List<Value> packageKeys(Module m) {
    List<Value> keys = new ArrayList<>();
    for (Term t : m.packagePath().path()) {
      keys.add(((Term.Scalar) t).value());
    }
    return keys;
  }

  /** The node a rule belongs to and the head's path below it. */
  private record Placement(List<Value> nodePath, List<Term> suffix, RuleSet.Kind kind) {}

  private static Placement placement(List<Value> pkg, Rule r) {
    Rule.Head h = r.head();
    List<Value> path = new ArrayList<>(pkg);
    path.add(StringValue.of(((Term.Var) h.ref().head()).name()));
    List<Term> rest = h.ref().path();
    int i = 0;
    while (i < rest.size() && rest.get(i) instanceof Term.Scalar s) {
      path.add(s.value());
      i++;
    }
    List<Term> suffix = rest.subList(i, rest.size());
    RuleSet.Kind kind;
    if (h.args() != null) {
      kind = RuleSet.Kind.FUNCTION;
    } else if (!suffix.isEmpty()) {
      kind = RuleSet.Kind.OBJECT;
    } else if (h.kind() == Rule.Kind.MULTI) {
      kind = RuleSet.Kind.PARTIAL_SET;
    } else {
      kind = RuleSet.Kind.COMPLETE;
    }
    return new Placement(path, suffix, kind);
  }

  private void place(List<Module> modules) {
    for (Module m : modules) {
      List<Value> pkg = packageKeys(m);
      RuleNode pn = root;
      for (Value k : pkg) {
        pn = pn.child(k);
      }
      for (Rule r : m.rules()) {
        Placement p = placement(pkg, r);
        RuleNode n = root;
        for (Value k : p.nodePath()) {
          n = n.child(k);
        }
        if (n.rules == null) {
          n.rules = new RuleSet(n, p.kind());
          n.rules.arity = r.head().args() == null ? 0 : r.head().args().size();
        } else if (n.rules.kind() != p.kind()) {
          errors.add(
              new RegoError(
                  "rego_type_error", "conflicting rules " + n.name() + " found", r.location()));
        } else if (p.kind() == RuleSet.Kind.FUNCTION && n.rules.arity != r.head().args().size()) {
          errors.add(
              new RegoError(
                  "rego_type_error",
                  "conflicting rules " + n.name() + " found: function arity differs",
                  r.location()));
        }
      }
    }
  }

  // ---- rewriting and ordering

  private void rewriteAll(List<Module> modules) {
    Map<List<Value>, Set<String>> namesByPackage = new HashMap<>();
    for (Module m : modules) {
      Set<String> names = namesByPackage.computeIfAbsent(packageKeys(m), k -> new HashSet<>());
      for (Rule r : m.rules()) {
        names.add(((Term.Var) r.head().ref().head()).name());
      }
    }
    Safety safety = new Safety(errors, originalNames, functionValues, targets, work);
    safety.setArity(name -> arity(root, registry, name));
    for (Module m : modules) {
      List<Value> pkg = packageKeys(m);
      Rewriter rw = new Rewriter(ctx, pkg, imports(m), namesByPackage.get(pkg), m.v0());
      for (Rule r : m.rules()) {
        Placement p = placement(pkg, r);
        RuleNode n = root;
        for (Value k : p.nodePath()) {
          n = n.children().get(k);
        }
        RuleSet rs = n.rules;
        CompiledRule cr =
            rewriteRule(rw, safety, r, p.suffix().size(), r.head().args(), rs.rules.size());
        if (r.isDefault()) {
          if (rs.defaultRule != null) {
            errors.add(
                new RegoError(
                    "rego_type_error",
                    "multiple default rules " + n.name() + " found",
                    r.location()));
          }
          rs.defaultRule = cr;
        } else {
          rs.rules.add(cr);
        }
      }
    }
  }

  private CompiledRule rewriteRule(
      Rewriter rw, Safety safety, Rule r, int suffixLen, List<Term> parentArgs, int order) {
    work.at(r.location());
    work.charge(1);
    int errorsBefore = errors.size();
    Rewriter.Scope scope = rw.topScope();
    List<Term> rawArgs = r.head().args() != null ? r.head().args() : parentArgs;
    List<Term> args = null;
    if (rawArgs != null) {
      args = new ArrayList<>();
      for (Term a : rawArgs) {
        args.add(rw.declarePattern(a, scope));
      }
    }
    List<Expr> body = new ArrayList<>(rw.body(r.body(), scope));
    if (args != null) {
      for (int i = 0; i < args.size(); i++) {
        Term a = args.get(i);
        if (!isPattern(a)) {
          Term.Var v = rw.fresh(a.location());
          args.set(i, v);
          Term.Call eq = rw.eqCall(v, a, a.location());
          body.add(new Expr(new Expr.CallExpr(eq), false, List.of(), a.location(), "argument"));
        }
      }
    }
    List<Term> refPath = r.head().ref().path();
    List<Term> suffix = new ArrayList<>();
    for (Term t : refPath.subList(refPath.size() - suffixLen, refPath.size())) {
      suffix.add(rw.term(t, scope));
    }
    Term key = r.head().key() == null ? null : rw.term(r.head().key(), scope);
    Term value = r.head().value() == null ? null : rw.term(r.head().value(), scope);

    Set<String> bound = new HashSet<>();
    if (args != null) {
      for (Term a : args) {
        safety.allVars(a, bound, null);
      }
    }
    Set<String> universe = new HashSet<>(bound);
    for (Expr e : body) {
      safety.exprVars(e, universe);
    }
    List<Term> headTerms = new ArrayList<>(suffix);
    headTerms.add(key);
    headTerms.add(value);
    for (Term t : headTerms) {
      if (t != null) {
        safety.allVars(t, universe, null);
      }
    }
    boolean rewritten = errors.size() == errorsBefore;
    List<Expr> ordered = rewritten ? safety.order(body, bound, universe) : body;
    if (rewritten) {
      safety.checkTerms(headTerms, bound, universe, r.head().location());
    }
    List<Term> orderedSuffix = new ArrayList<>();
    for (Term t : suffix) {
      orderedSuffix.add(safety.orderTerm(t, bound, universe));
    }
    key = key == null ? null : safety.orderTerm(key, bound, universe);
    value = value == null ? null : safety.orderTerm(value, bound, universe);
    CompiledRule elseRule =
        r.elseRule() == null
            ? null
            : rewriteRule(rw, safety, r.elseRule(), suffixLen, rawArgs, order);
    return new CompiledRule(r, args, orderedSuffix, key, value, ordered, elseRule, order);
  }

  private static boolean isPattern(Term t) {
    return switch (t) {
      case Term.Var v -> true;
      case Term.Scalar s -> true;
      case Term.ArrayTerm a -> a.elements().stream().allMatch(Compiler::isPattern);
      case Term.ObjectTerm o ->
          o.entries().stream()
              .allMatch(e -> e.key() instanceof Term.Scalar && isPattern(e.value()));
      default -> false;
    };
  }

  private Map<String, Term.Ref> imports(Module m) {
    Map<String, Term.Ref> out = new HashMap<>();
    for (Module.Import imp : m.imports()) {
      Term.Ref path = imp.path();
      if (!(path.head() instanceof Term.Var hv)) {
        continue;
      }
      if (!hv.name().equals("data") && !hv.name().equals("input")) {
        continue;
      }
      String alias = imp.alias();
      if (alias == null) {
        if (path.path().isEmpty()) {
          alias = hv.name();
        } else if (path.path().get(path.path().size() - 1) instanceof Term.Scalar s
            && s.value() instanceof StringValue str) {
          alias = str.value();
        } else {
          continue;
        }
      }
      out.put(alias, path);
    }
    return out;
  }

  // ---- recursion

  private void checkRecursion() {
    Map<RuleSet, Set<RuleSet>> deps = new LinkedHashMap<>();
    collectDeps(root, deps);
    Map<RuleSet, Integer> state = new HashMap<>();
    for (RuleSet rs : deps.keySet()) {
      List<RuleSet> stack = new ArrayList<>();
      if (dfs(rs, deps, state, stack)) {
        return;
      }
    }
  }

  private boolean dfs(
      RuleSet rs,
      Map<RuleSet, Set<RuleSet>> deps,
      Map<RuleSet, Integer> state,
      List<RuleSet> stack) {
    Integer st = state.get(rs);
    if (st != null && st == 2) {
      return false;
    }
    if (st != null && st == 1) {
      int from = stack.indexOf(rs);
      StringBuilder sb = new StringBuilder();
      for (RuleSet s : stack.subList(from, stack.size())) {
        sb.append(s.name()).append(" -> ");
      }
      sb.append(rs.name());
      Location loc = rs.rules().isEmpty() ? Location.NONE : rs.rules().get(0).location();
      errors.add(
          new RegoError("rego_recursion_error", "rule " + rs.name() + " is recursive: " + sb, loc));
      return true;
    }
    state.put(rs, 1);
    stack.add(rs);
    for (RuleSet d : deps.getOrDefault(rs, Set.of())) {
      if (dfs(d, deps, state, stack)) {
        return true;
      }
    }
    stack.remove(stack.size() - 1);
    state.put(rs, 2);
    return false;
  }

  private void collectDeps(RuleNode n, Map<RuleSet, Set<RuleSet>> deps) {
    if (n.rules != null) {
      Set<RuleSet> out = new LinkedHashSet<>();
      List<CompiledRule> all = new ArrayList<>(n.rules.rules);
      if (n.rules.defaultRule != null) {
        all.add(n.rules.defaultRule);
      }
      for (CompiledRule r : all) {
        for (CompiledRule c = r; c != null; c = c.elseRule()) {
          ruleDeps(c, out);
        }
      }
      deps.put(n.rules, out);
    }
    for (RuleNode c : n.children().values()) {
      collectDeps(c, deps);
    }
  }

  private void ruleDeps(CompiledRule r, Set<RuleSet> out) {
    List<Term> terms = new ArrayList<>(r.suffix());
    terms.add(r.key());
    terms.add(r.value());
    for (Term t : terms) {
      if (t != null) {
        termDeps(t, out);
      }
    }
    bodyDeps(r.body(), out);
  }

  private void bodyDeps(List<Expr> body, Set<RuleSet> out) {
    for (Expr e : body) {
      Analysis.forEachTerm(e, t -> termDeps(t, out));
      switch (e.kind()) {
        case Expr.Every ev -> bodyDeps(ev.body(), out);
        case Expr.Logic l -> {
          bodyDeps(l.left(), out);
          bodyDeps(l.right(), out);
        }
        default -> {}
      }
    }
  }

  private void termDeps(Term t, Set<RuleSet> out) {
    Analysis.forEach(
        t,
        x -> {
          switch (x) {
            case Term.Ref r -> refDeps(r, out);
            case Term.Call c -> {
              CallTarget target = targets.get(c);
              if (target instanceof CallTarget.Function f) {
                out.add(f.node().rules);
              }
            }
            case Term.ArrayComprehension c -> bodyDeps(c.body(), out);
            case Term.SetComprehension c -> bodyDeps(c.body(), out);
            case Term.ObjectComprehension c -> bodyDeps(c.body(), out);
            default -> {}
          }
        });
  }

  private void refDeps(Term.Ref r, Set<RuleSet> out) {
    if (!(r.head() instanceof Term.Var v) || !v.name().equals("data")) {
      return;
    }
    RuleNode n = root;
    for (Term p : r.path()) {
      if (n.rules != null) {
        out.add(n.rules);
        return;
      }
      if (!(p instanceof Term.Scalar s)) {
        subtree(n, out);
        return;
      }
      n = n.children().get(s.value());
      if (n == null) {
        return;
      }
    }
    subtree(n, out);
  }

  private static void subtree(RuleNode n, Set<RuleSet> out) {
    if (n.rules != null) {
      out.add(n.rules);
    }
    for (RuleNode c : n.children().values()) {
      subtree(c, out);
    }
  }

  // ---- indexes

  private void buildIndexes(RuleNode n) {
    if (n.rules != null && n.rules.kind() != RuleSet.Kind.FUNCTION && n.rules.rules.size() > 1) {
      n.rules.index = RuleIndex.build(n.rules.rules);
    }
    for (RuleNode c : n.children().values()) {
      buildIndexes(c);
    }
  }
}
