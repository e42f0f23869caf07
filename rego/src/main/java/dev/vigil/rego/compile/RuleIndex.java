package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Narrows the rules of a rule set to those that can succeed for an input.
 *
 * <p>A rule whose body requires {@code input.a.b == "x"} (directly, or through a variable assigned
 * from that ref) can only succeed when the input holds {@code "x"} there. The index keys rules on
 * the one input path most of them test; rules that do not test it are always candidates. Only plain
 * equality expressions that must hold for the body to succeed are used: an expression whose result
 * is captured (such as {@code m := glob.match(...)}) is never a filter, so the index never changes
 * a result. Rules with an else chain are always candidates.
 */
public final class RuleIndex {

  private final List<Value> path;
  private final Map<Value, int[]> byValue;
  private final int[] others;

  private RuleIndex(List<Value> path, Map<Value, int[]> byValue, int[] others) {
    this.path = path;
    this.byValue = byValue;
    this.others = others;
  }

  /** Returns the input path the rules are keyed on. */
  public List<Value> path() {
    return path;
  }

  /**
   * Returns the positions of the rules to try, ascending.
   *
   * @param value the input's value at {@link #path()}, or null when undefined
   */
  public int[] candidates(Value value) {
    if (value == null) {
      return others;
    }
    int[] r = byValue.get(value);
    return r == null ? others : r;
  }

  /** Builds an index for the rules, or returns null when no input path is worth keying on. */
  static RuleIndex build(List<CompiledRule> rules) {
    List<Map<List<Value>, Value>> conds = new ArrayList<>();
    Map<List<Value>, Integer> counts = new HashMap<>();
    for (CompiledRule r : rules) {
      Map<List<Value>, Value> c = r.elseRule() == null ? conditions(r.body()) : Map.of();
      conds.add(c);
      for (List<Value> p : c.keySet()) {
        counts.merge(p, 1, Integer::sum);
      }
    }
    List<Value> best = null;
    int bestWorst = rules.size();
    for (var e : counts.entrySet()) {
      if (e.getValue() < 2) {
        continue;
      }
      int worst = worstCandidates(conds, e.getKey());
      if (worst < bestWorst) {
        best = e.getKey();
        bestWorst = worst;
      }
    }
    if (best == null) {
      return null;
    }
    Map<Value, List<Integer>> keyed = new TreeMap<>();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      Value v = conds.get(i).get(best);
      if (v == null) {
        others.add(i);
      } else {
        keyed.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
      }
    }
    Map<Value, int[]> byValue = new HashMap<>();
    for (var e : keyed.entrySet()) {
      List<Integer> merged = new ArrayList<>(e.getValue());
      merged.addAll(others);
      byValue.put(e.getKey(), merged.stream().sorted().mapToInt(Integer::intValue).toArray());
    }
    return new RuleIndex(
        List.copyOf(best), byValue, others.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Returns how many rules the index on a path would still try for its worst input. */
  private static int worstCandidates(List<Map<List<Value>, Value>> conds, List<Value> path) {
    Map<Value, Integer> buckets = new HashMap<>();
    int unconditioned = 0;
    for (Map<List<Value>, Value> c : conds) {
      Value v = c.get(path);
      if (v == null) {
        unconditioned++;
      } else {
        buckets.merge(v, 1, Integer::sum);
      }
    }
    int largest = 0;
    for (int n : buckets.values()) {
      largest = Math.max(largest, n);
    }
    return unconditioned + largest;
  }

  /** Returns the input paths a body requires to equal a constant, with the constant. */
  private static Map<List<Value>, Value> conditions(List<Expr> body) {
    Map<String, List<Value>> aliases = new HashMap<>();
    Map<List<Value>, Value> out = new LinkedHashMap<>();
    for (Expr e : body) {
      if (e.negated() || !e.with().isEmpty() || !(e.kind() instanceof Expr.CallExpr c)) {
        continue;
      }
      String op = Rewriter.simpleName(c.call().operator());
      if (c.call().args().size() != 2) {
        continue;
      }
      Term a = c.call().args().get(0);
      Term b = c.call().args().get(1);
      if (("assign".equals(op) || "eq".equals(op)) && a instanceof Term.Var v) {
        List<Value> p = inputPath(b);
        if (p != null) {
          aliases.put(v.name(), p);
        }
      }
      if (!"equal".equals(op) && !"eq".equals(op)) {
        continue;
      }
      if (b instanceof Term.Scalar) {
        Term t = a;
        a = b;
        b = t;
      }
      if (!(a instanceof Term.Scalar s)) {
        continue;
      }
      List<Value> p = b instanceof Term.Var v ? aliases.get(v.name()) : inputPath(b);
      if (p != null) {
        out.putIfAbsent(p, s.value());
      }
    }
    return out;
  }

  private static List<Value> inputPath(Term t) {
    if (!(t instanceof Term.Ref r)
        || !(r.head() instanceof Term.Var v)
        || !v.name().equals("input")) {
      return null;
    }
    List<Value> p = new ArrayList<>();
    for (Term e : r.path()) {
      if (!(e instanceof Term.Scalar s)) {
        return null;
      }
      p.add(s.value());
    }
    return p;
  }
}
