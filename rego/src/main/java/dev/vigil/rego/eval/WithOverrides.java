package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.compile.CallTarget;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.Natives;
import dev.vigil.rego.compile.RuleNode;
import dev.vigil.rego.compile.RuleSet;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Builds the frames that {@code with} modifiers evaluate their expressions in. */
final class WithOverrides {

  private WithOverrides() {}

  /**
   * Returns the frame for an expression with {@code with} modifiers: the input patched, data
   * patched (masking the rules it replaces, or patching the value of the rule it reaches into), and
   * functions replaced by values or by other functions.
   */
  static Frame derive(
      CompiledPolicy policy,
      Predicate<Term> isFunctionValue,
      Frame parent,
      List<Expr.With> with,
      Value[] vals) {
    Value input = parent.input;
    Value data = parent.data;
    Set<RuleNode> masked = parent.masked == null ? null : new HashSet<>(parent.masked);
    Map<RuleNode, List<Frame.Patch>> patches =
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
        input = Documents.patch(input, keys, vals[i]);
        continue;
      }
      String name = Documents.dottedName(ref);
      Object replacement =
          isFunctionValue.test(w.value()) ? functionTarget(policy, w.value()) : vals[i];
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
                .add(new Frame.Patch(keys.subList(j, keys.size()), vals[i]));
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
        data = Documents.patch(data, keys, vals[i]);
        continue;
      }
      if (repl == null) {
        repl = new HashMap<>();
      }
      repl.put(name, replacement);
    }
    return new Frame(input, data, masked, patches, repl);
  }

  private static Object functionTarget(CompiledPolicy policy, Term t) {
    String name =
        t instanceof Term.Ref r
            ? Documents.dottedName(r)
            : t instanceof Term.Var v ? v.name() : null;
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
    if (Natives.isNative(name)) {
      return new CallTarget.Native(name);
    }
    var b = policy.registry().get(name);
    return b == null ? null : new CallTarget.Library(name, b);
  }
}
