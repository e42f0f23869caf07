package dev.vigil.rego.eval;

import dev.vigil.rego.ast.Annotations;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.CompiledRule;
import dev.vigil.rego.compile.RuleSet;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the value of {@code rego.metadata.chain()}: annotations from the rule up to the root. */
final class Metadata {

  private Metadata() {}

  static Value chain(CompiledPolicy policy, RuleSet rs, CompiledRule rule) {
    if (rs == null || rule == null) {
      return ArrayValue.EMPTY;
    }
    List<Value> out = new ArrayList<>();
    List<Value> path = rs.node().path();
    out.add(entry(path, scoped(rule.source().annotations(), "rule")));
    Annotations doc = null;
    for (CompiledRule r : rs.rules()) {
      if (doc == null) {
        doc = scoped(r.source().annotations(), "document");
      }
    }
    if (doc != null) {
      out.add(entry(path, doc));
    }
    List<Value> pkg = packageOf(policy, rule.source());
    if (pkg != null) {
      Annotations p = null;
      for (Module m : policy.modules()) {
        if (p == null && keys(m).equals(pkg)) {
          p = scoped(m.annotations(), "package");
        }
      }
      if (p != null) {
        out.add(entry(pkg, p));
      }
      for (int n = pkg.size(); n >= 0; n--) {
        List<Value> prefix = pkg.subList(0, n);
        for (Module m : policy.modules()) {
          if (keys(m).equals(prefix)) {
            Annotations sub = scoped(m.annotations(), "subpackages");
            if (sub != null) {
              out.add(entry(prefix, sub));
              break;
            }
          }
        }
      }
    }
    return ArrayValue.of(out);
  }

  private static Value entry(List<Value> path, Annotations a) {
    Map<Value, Value> m = new LinkedHashMap<>();
    m.put(StringValue.of("path"), ArrayValue.of(path));
    if (a != null) {
      m.put(StringValue.of("annotations"), a.value());
    }
    return ObjectValue.wrap(m);
  }

  private static Annotations scoped(List<Annotations> as, String scope) {
    for (Annotations a : as) {
      if (a.scope().equals(scope)) {
        return a;
      }
    }
    return null;
  }

  private static List<Value> keys(Module m) {
    List<Value> out = new ArrayList<>();
    for (Term t : m.packagePath().path()) {
      if (t instanceof Term.Scalar s) {
        out.add(s.value());
      }
    }
    return out;
  }

  private static List<Value> packageOf(CompiledPolicy policy, Rule rule) {
    for (Module m : policy.modules()) {
      for (Rule r : m.rules()) {
        for (Rule c = r; c != null; c = c.elseRule()) {
          if (c == rule) {
            return keys(m);
          }
        }
      }
    }
    return null;
  }
}
