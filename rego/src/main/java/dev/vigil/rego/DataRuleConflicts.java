package dev.vigil.rego;

import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses base data and rules at the same path, as OPA's server and {@code opa eval} do ({@code
 * conflicting rule for data path ... found}): otherwise the data would silently win over the rule,
 * and a data file could override a policy's decision. The engine itself evaluates such a mix as
 * OPA's evaluator does (base data first); products that load data and policies call this.
 */
public final class DataRuleConflicts {

  private DataRuleConflicts() {}

  /** Throws {@link RegoException} listing every rule whose path is taken by base data. */
  public static void refuse(List<Module> modules, Value data) {
    List<RegoError> errors = check(modules, data);
    if (!errors.isEmpty()) {
      throw new RegoException(errors);
    }
  }

  static List<RegoError> check(List<Module> modules, Value data) {
    List<RegoError> errors = new ArrayList<>();
    if (!(data instanceof ObjectValue root) || root.size() == 0) {
      return errors;
    }
    for (Module m : modules) {
      List<String> pkg = constants(m.packagePath(), true);
      if (pkg == null) {
        continue;
      }
      for (Rule r : m.rules()) {
        List<String> head = constants(r.head().ref(), false);
        List<String> path = new ArrayList<>(pkg);
        path.addAll(head == null ? List.of() : head);
        String clash = clash(root, path);
        if (clash != null) {
          errors.add(
              new RegoError(
                  "rego_compile_error",
                  "conflicting rule for data path " + clash + " found",
                  r.location()));
        }
      }
    }
    return errors;
  }

  /** Returns the data path that a rule at {@code path} would collide with, or null. */
  private static String clash(ObjectValue root, List<String> path) {
    Value v = root;
    for (int i = 0; i < path.size(); i++) {
      if (!(v instanceof ObjectValue o)) {
        return String.join("/", path.subList(0, i));
      }
      v = o.get(StringValue.of(path.get(i)));
      if (v == null) {
        return null;
      }
    }
    return String.join("/", path);
  }

  /** Returns the constant string segments of a ref (up to the first variable). */
  private static List<String> constants(Term.Ref ref, boolean skipData) {
    List<String> out = new ArrayList<>();
    if (ref.head() instanceof Term.Var v) {
      if (!(skipData && v.name().equals("data"))) {
        out.add(v.name());
      }
    } else {
      return null;
    }
    for (Term t : ref.path()) {
      if (t instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        out.add(str.value());
      } else {
        break;
      }
    }
    return out;
  }
}
