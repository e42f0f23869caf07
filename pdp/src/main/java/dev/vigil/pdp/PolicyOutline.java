package dev.vigil.pdp;

import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * What a policy state has at which path: the rules of its modules and its base documents. Lets a
 * configured path be checked before anything is decided under it, so that a misspelt path is an
 * error instead of a setting that applies to nothing.
 */
final class PolicyOutline {

  private PolicyOutline() {}

  /**
   * Returns true when {@code path} is the root, or a rule or base document lies at it, under it, or
   * above it (the path then reads inside the rule's or the document's value).
   */
  static boolean defines(PolicyState state, PolicyPath path) {
    List<String> p = path.segments();
    if (p.isEmpty()) {
      return true;
    }
    for (List<String> rule : rulePaths(state)) {
      if (prefixOf(rule, p) || prefixOf(p, rule)) {
        return true;
      }
    }
    return inData(data(state), p);
  }

  /** Returns the path of every rule, its package followed by the constant part of its head. */
  static List<List<String>> rulePaths(PolicyState state) {
    List<List<String>> out = new ArrayList<>();
    for (Module m : state.policy().modules()) {
      List<String> pkg = TermText.segments(m.packagePath());
      if (pkg == null) {
        continue;
      }
      for (Rule r : m.rules()) {
        List<String> full = new ArrayList<>(pkg);
        full.addAll(constantHead(r.head().ref()));
        if (!out.contains(full)) {
          out.add(full);
        }
      }
    }
    return out;
  }

  /** The head's name and its string segments up to the first that is not a constant. */
  private static List<String> constantHead(Term.Ref ref) {
    List<String> out = new ArrayList<>();
    if (ref.head() instanceof Term.Var v) {
      out.add(v.name());
    }
    for (Term t : ref.path()) {
      if (!(t instanceof Term.Scalar s && s.value() instanceof StringValue str)) {
        break;
      }
      out.add(str.value());
    }
    return out;
  }

  private static ObjectValue data(PolicyState state) {
    return state.bundle() == null
        ? state.baseData()
        : Data.merge(state.bundle().data(), state.baseData());
  }

  private static boolean inData(ObjectValue data, List<String> path) {
    Value v = data;
    for (String segment : path) {
      if (!(v instanceof ObjectValue o)) {
        // A scalar or an array: the rest of the path reads inside this document.
        return v != null;
      }
      v = o.get(StringValue.of(segment));
      if (v == null) {
        return false;
      }
    }
    return true;
  }

  private static boolean prefixOf(List<String> prefix, List<String> path) {
    return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }
}
