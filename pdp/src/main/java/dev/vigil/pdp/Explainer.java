package dev.vigil.pdp;

import dev.vigil.rego.CapturingQuery;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.eval.EvalListener;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Explains decisions. A denial is explained by evaluating the query a second time with a listener
 * that keeps, per rule, the furthest expression that failed and the values it compared; the allow
 * path pays nothing but a lookup of the rule's location.
 */
final class Explainer {

  private Explainer() {}

  /**
   * Returns the rule and the locations that an allow can have come from; computed once per policy
   * state. Without evaluating again it cannot tell which rule body succeeded, so it names every
   * rule of the path that is not a default (a default applies only when no other rule does), or the
   * default when there is nothing else.
   */
  static Explanation forAllow(PolicyState state, PolicyPath path) {
    return state.allows().computeIfAbsent(path, p -> allowOf(state, p));
  }

  private static Explanation allowOf(PolicyState state, PolicyPath path) {
    List<Rule> rules = rulesOf(state, path);
    List<Rule> candidates = rules.stream().filter(r -> !r.isDefault()).toList();
    if (candidates.isEmpty()) {
      candidates = rules;
    }
    List<String> where = new ArrayList<>();
    for (Rule r : candidates) {
      if (r.location() != null && !where.contains(r.location().shortForm())) {
        where.add(r.location().shortForm());
      }
    }
    String rule = path.query();
    String locations = String.join(" or ", where);
    return new Explanation(
        rule,
        locations,
        null,
        "allowed by " + rule + (locations.isEmpty() ? "" : " (" + locations + ")"));
  }

  /**
   * Re-evaluates a denied query with a listener and says what failed.
   *
   * @param result the denied answer, or null when it was undefined
   */
  static Explanation forDenial(
      PolicyState state,
      PolicyPath path,
      Value input,
      Value result,
      EvalOptions options,
      String reason,
      Masking masking) {
    String rule = path.query();
    Map<String, Failure> failures = new LinkedHashMap<>();
    EvalListener listener =
        new EvalListener() {
          @Override
          public void exprFailed(String r, Expr expr, List<Value> operands, int held) {
            // Of a rule's bodies, the one that held the most conditions came closest to allowing.
            Failure before = failures.get(r);
            if (before == null || held > before.held()) {
              failures.put(r, new Failure(r, expr, operands, held));
            }
          }
        };
    try {
      CapturingQuery q = state.query(path);
      q.eval(input, options, listener, null);
    } catch (RegoException e) {
      return new Explanation(
          rule,
          "",
          null,
          secrets(masking, input).scrubText("evaluation failed: " + e.getMessage()));
    }
    Failure f;
    if (result instanceof ObjectValue) {
      f = belowTheDocument(failures, rule);
    } else {
      f = failures.get(rule);
      if (f == null && !failures.isEmpty()) {
        f = failures.values().iterator().next();
      }
    }
    f = intoHelpers(f, failures);
    if (f == null) {
      Location loc = firstRule(state, path);
      if (loc == null) {
        return new Explanation(
            rule,
            "",
            null,
            secrets(masking, input).scrubText("no rule defines " + rule + " (" + reason + ")"));
      }
      return new Explanation(
          rule, loc.shortForm(), null, secrets(masking, input).scrubText(rule + " is " + reason));
    }
    String where = f.expr().location().shortForm();
    String text = oneLine(f.expr().text());
    Set<Value> hidden = masking.hiddenValues(input);
    MaskedSecrets secrets = MaskedSecrets.of(hidden);
    String values = describeOperands(f, masking, hidden, secrets);
    // The rule whose condition failed: the one queried, or a rule it read (allow, a helper).
    return new Explanation(
        f.rule(),
        where,
        text,
        secrets.scrubText(
            where + ": " + text + " failed" + (values.isEmpty() ? "" : ": " + values)));
  }

  /**
   * Returns the failure that explains a decision document ({@code {"allow": allow, "obligations":
   * ...}}) that denies. A body of the queried rule held and built it, so the bodies of that rule
   * that failed are not why it denies (naming one said that a condition the caller met had failed);
   * the rules it read are: the {@code allow} of its package first, else the first rule that failed.
   * Null when none did, as for a literal {@code {"allow": false}}.
   */
  private static Failure belowTheDocument(Map<String, Failure> failures, String rule) {
    int dot = rule.lastIndexOf('.');
    Failure allow = dot < 0 ? null : failures.get(rule.substring(0, dot) + ".allow");
    if (allow != null && !rule.endsWith(".allow")) {
      return allow;
    }
    for (Map.Entry<String, Failure> e : failures.entrySet()) {
      if (!e.getKey().equals(rule)) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * Follows a failure on a helper rule that was undefined ({@code allow if is_admin}) into the
   * condition that failed in that rule's own bodies, which says why: "is_admin failed:
   * data.authz.is_admin is undefined" tells nothing the policy does not. Stops at a rule that did
   * not fail itself (a function, a rule of another shape), and after as many steps as there are
   * failures, so that recursion through {@code with} cannot loop.
   */
  private static Failure intoHelpers(Failure f, Map<String, Failure> failures) {
    for (int steps = 0; f != null && steps < failures.size(); steps++) {
      if (f.expr().negated()
          || !(f.expr().kind() instanceof Expr.TermExpr t)
          || f.operands().isEmpty()
          || f.operands().getFirst() != null) {
        return f;
      }
      Failure inner = failures.get(TermText.of(t.term()));
      if (inner == null || inner == f) {
        return f;
      }
      f = inner;
    }
    return f;
  }

  /**
   * Writes an expression that spans lines in the policy ({@code every x in xs { ... }}, a
   * comprehension or an object written over several lines) on one line: an explanation is one line
   * of {@code vigil logs} and of a service log, and tabs and line breaks in it broke both.
   */
  private static String oneLine(String text) {
    return LINE_BREAK.matcher(text).replaceAll(" ");
  }

  private static final Pattern LINE_BREAK = Pattern.compile("[ \\t]*\\R\\s*");

  private static MaskedSecrets secrets(Masking masking, Value input) {
    return MaskedSecrets.of(masking.hiddenValues(input));
  }

  /** A failed expression and the rule whose body it is in. */
  private record Failure(String rule, Expr expr, List<Value> operands, int held) {}

  /**
   * Describes the failed expression's operands. An operand is hidden when it reads a masked field
   * ({@code input.password}), mentions one inside a call or comprehension, holds a copy of one, or
   * holds a value whose text reveals one (a lower-cased, cut or joined token kept in a variable).
   */
  private static String describeOperands(
      Failure f, Masking masking, Set<Value> hidden, MaskedSecrets secrets) {
    List<Term> args = new ArrayList<>();
    switch (f.expr().kind()) {
      case Expr.CallExpr c -> args.addAll(c.call().args());
      case Expr.TermExpr t -> args.add(t.term());
      default -> {
        return "";
      }
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < args.size() && i < f.operands().size(); i++) {
      Term t = args.get(i);
      if (constant(t)) {
        // A literal says what it is where it is written: {"sre"} is {"sre"} tells nothing.
        continue;
      }
      Value v = f.operands().get(i);
      String text = TermText.of(t);
      if (v != null
          && (masking.hides(text)
              || masking.mentions(text)
              || hidden.contains(v)
              || secrets.reveals(v))) {
        parts.add(text + " is " + Masking.REDACTED);
      } else {
        parts.add(text + " is " + (v == null ? "undefined" : show(v)));
      }
    }
    return String.join(", ", parts);
  }

  /** Whether a term is a literal: a scalar, or an array, set or object of literals only. */
  private static boolean constant(Term t) {
    return switch (t) {
      case Term.Scalar s -> true;
      case Term.ArrayTerm a -> a.elements().stream().allMatch(Explainer::constant);
      case Term.SetTerm s -> s.elements().stream().allMatch(Explainer::constant);
      case Term.ObjectTerm o ->
          o.entries().stream().allMatch(e -> constant(e.key()) && constant(e.value()));
      default -> false;
    };
  }

  private static String show(Value v) {
    String s = v instanceof StringValue str ? Json.quote(str.value()) : v.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  private static Location firstRule(PolicyState state, PolicyPath path) {
    List<Rule> rules = rulesOf(state, path);
    return rules.isEmpty() ? null : rules.get(0).location();
  }

  /** Returns the rules whose head is {@code path}, in module order. */
  private static List<Rule> rulesOf(PolicyState state, PolicyPath path) {
    List<Rule> found = new ArrayList<>();
    List<String> segs = path.segments();
    for (Module m : state.policy().modules()) {
      List<String> pkg = TermText.segments(m.packagePath());
      if (pkg == null || segs.size() <= pkg.size() || !segs.subList(0, pkg.size()).equals(pkg)) {
        continue;
      }
      List<String> rest = segs.subList(pkg.size(), segs.size());
      for (Rule r : m.rules()) {
        List<String> head = TermText.segments(r.head().ref());
        if (head != null && head.equals(rest)) {
          found.add(r);
        }
      }
    }
    return found;
  }
}
