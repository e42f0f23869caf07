package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.compile.CompiledRule;
import dev.vigil.rego.compile.RuleNode;
import dev.vigil.rego.compile.RuleSet;
import dev.vigil.rego.eval.Evaluator.VCont;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads refs under {@code data} for one {@link Evaluator}, walking the rule tree and the base
 * document side by side. A node with rules yields its rules' value; a node without rules yields its
 * base data merged with its children; where both define a key, base data wins. {@code with}
 * overrides mask nodes or patch rule values through the current frame.
 */
final class DataDocuments {

  private static final Object NONE = new Object();

  private final Evaluator ev;

  DataDocuments(Evaluator ev) {
    this.ev = ev;
  }

  boolean walkData(RuleNode node, Value base, List<Term> path, int i, Env env, VCont k) {
    if (node != null && ev.frame.masked != null && ev.frame.masked.contains(node)) {
      node = null;
    }
    if (node == null || (node.rules() != null && base != null)) {
      return base == null || walkBase(base, path, i, env, k);
    }
    if (node.rules() != null || i == path.size()) {
      Value v = nodeValue(node, base);
      return v == null || ev.walkValue(v, path, i, env, k);
    }
    Term p = path.get(i);
    Value key = ev.quick(p, env);
    RuleNode n = node;
    if (key != null) {
      return walkDataKey(n, base, key, path, i, env, k);
    }
    if (ev.isGround(p, env)) {
      return ev.evalTerm(p, env, kv -> walkDataKey(n, base, kv, path, i, env, k));
    }
    Set<Value> keys = new TreeSet<>(n.children().keySet());
    if (base instanceof ObjectValue o) {
      keys.addAll(o.keys());
    }
    for (Value kv : keys) {
      ev.tick();
      boolean go =
          ev.unifyValue(
              p,
              kv,
              env,
              () -> walkData(n.children().get(kv), Documents.child(base, kv), path, i + 1, env, k));
      if (!go) {
        return false;
      }
    }
    return true;
  }

  private boolean walkDataKey(
      RuleNode n, Value base, Value key, List<Term> path, int i, Env env, VCont k) {
    RuleNode c = n.children().get(key);
    Value b = Documents.child(base, key);
    if (c == null && b == null && key instanceof NumberValue) {
      Value sk = Documents.dataKey(key);
      c = n.children().get(sk);
      b = Documents.child(base, sk);
    }
    return walkData(c, b, path, i + 1, env, k);
  }

  /** Walks base data, where a number in a ref also finds the same key written as a string. */
  private boolean walkBase(Value start, List<Term> path, int from, Env env, VCont k) {
    Value v = start;
    int i = from;
    while (i < path.size()) {
      Value key = ev.quick(path.get(i), env);
      if (key == null) {
        break;
      }
      Value c = Documents.lookup(v, key);
      if (c == null && v instanceof ObjectValue o && key instanceof NumberValue) {
        c = o.get(Documents.dataKey(key));
      }
      v = c;
      if (v == null) {
        return true;
      }
      i++;
    }
    return ev.walkValue(v, path, i, env, k);
  }

  /** Returns the value of the document at a node: its rules' value, or its subtree as object. */
  private Value nodeValue(RuleNode node, Value base) {
    Frame f = ev.frame;
    NodeKey key = new NodeKey(node, base);
    Object cached = f.cache.get(key);
    if (cached != null) {
      return cached == NONE ? null : (Value) cached;
    }
    Value v = computeNodeValue(node, base);
    f.cache.put(key, v == null ? NONE : v);
    return v;
  }

  /** Memo key of a node's value: the node and, by identity, the base data under it. */
  private record NodeKey(RuleNode node, Value base) {
    @Override
    public boolean equals(Object o) {
      return o instanceof NodeKey k && k.node == node && k.base == base;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(node) * 31 + System.identityHashCode(base);
    }
  }

  private Value computeNodeValue(RuleNode node, Value base) {
    Value v;
    if (node.rules() != null) {
      if (node.rules().kind() == RuleSet.Kind.FUNCTION) {
        return node.rules().arity() == 0 ? ev.rules.callFunction(node.rules(), new Value[0]) : null;
      }
      v = ev.rules.ruleSetValue(node.rules());
      if (!node.children().isEmpty() && v instanceof ObjectValue o) {
        ev.chargeFor(o);
        Map<Value, Value> m = new HashMap<>(o.asMap());
        mergeChildren(node, null, m, true);
        v =
            ev.built(
                ObjectValue.wrap(m), "the document of rule " + node.rules().name(), Location.NONE);
      }
    } else {
      if (base != null && !(base instanceof ObjectValue)) {
        return base;
      }
      // Copying the base document costs its size; a `with` frame copies it again.
      ev.chargeFor(base);
      Map<Value, Value> m =
          base instanceof ObjectValue o ? new HashMap<>(o.asMap()) : new HashMap<>();
      mergeChildren(node, base, m, false);
      v = ev.built(ObjectValue.wrap(m), "a document of data", Location.NONE);
    }
    if (v != null && ev.frame.patches != null) {
      List<Frame.Patch> ps = ev.frame.patches.get(node);
      if (ps != null) {
        for (Frame.Patch p : ps) {
          v = Documents.patch(v, p.path(), p.value());
        }
      }
    }
    return v;
  }

  private void mergeChildren(RuleNode node, Value base, Map<Value, Value> m, boolean virtual) {
    for (var e : node.children().entrySet()) {
      ev.tick();
      RuleNode c = e.getValue();
      Value baseChild = Documents.child(base, e.getKey());
      if (ev.frame.masked != null && ev.frame.masked.contains(c)) {
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
        m.put(e.getKey(), merge(m.get(e.getKey()), cv, 1, leafDepth(node), loc));
      } else if (cv != null) {
        m.put(e.getKey(), cv);
      } else if (baseChild == null) {
        m.remove(e.getKey());
      }
    }
  }

  /**
   * Returns how deep below a node its object rules write their values: a value found at that depth
   * belongs to one rule, and another rule may not write inside it.
   */
  private static int leafDepth(RuleNode node) {
    int depth = Integer.MAX_VALUE;
    for (CompiledRule r : node.rules().rules()) {
      depth = Math.min(depth, r.suffix().size());
    }
    return depth == Integer.MAX_VALUE ? 0 : depth;
  }

  /**
   * Merges two values written by different rules at one path: objects deeply down to the depth
   * where rules write whole values, sets by union; anything else is a conflict.
   */
  private Value merge(Value a, Value b, int depth, int leafDepth, Location loc) {
    if (a == null || a.equals(b)) {
      return b;
    }
    if (depth < leafDepth && a instanceof ObjectValue x && b instanceof ObjectValue y) {
      Map<Value, Value> m = new HashMap<>(x.asMap());
      for (var e : y.asMap().entrySet()) {
        m.put(e.getKey(), merge(m.get(e.getKey()), e.getValue(), depth + 1, leafDepth, loc));
      }
      return ev.built(ObjectValue.wrap(m), "the document its rules write", loc);
    }
    if (a instanceof SetValue x && b instanceof SetValue y) {
      Set<Value> s = new HashSet<>(x.asSet());
      s.addAll(y.asSet());
      return ev.built(SetValue.wrap(s), "the document its rules write", loc);
    }
    throw RuleEvaluation.conflict("object keys must be unique", loc);
  }
}
