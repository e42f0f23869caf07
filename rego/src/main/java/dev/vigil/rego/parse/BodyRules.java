package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.BuiltinRegistry;
import java.util.List;
import java.util.Set;

/**
 * Turns a top-level statement that parsed as a body into a rule, as OPA does for {@code p = 1},
 * {@code p := 1}, {@code p[k] = v}, {@code f(x) = y}, {@code f(x)}, {@code p[x]} and {@code a.b.c}.
 * Anything else is an error naming why it cannot be a rule head.
 */
final class BodyRules {

  private static final Set<String> OPERATORS =
      Set.of(
          "equal",
          "neq",
          "lt",
          "gt",
          "lte",
          "gte",
          "plus",
          "minus",
          "mul",
          "div",
          "rem",
          "and",
          "or",
          "internal.member_2",
          "internal.member_3");

  private BodyRules() {}

  /** Returns the rule, or null after recording an error at the statement. */
  static RuleDraft fromBody(RegoParser parser, List<Expr> body) {
    Expr expr = body.get(0);
    String problem;
    if (body.size() != 1) {
      problem = "multiple expressions cannot be used for rule head";
    } else if (!expr.with().isEmpty()) {
      problem = "expressions using with keyword cannot be used for rule head";
    } else if (expr.negated()) {
      problem = "negated expressions cannot be used for rule head";
    } else {
      RuleDraft rule = new RuleDraft();
      rule.location = expr.location();
      rule.headLocation = expr.location();
      rule.generatedBody = true;
      rule.body = List.of(RuleSyntax.trueExpr(expr.location()));
      problem =
          switch (expr.kind()) {
            case Expr.SomeDecl s -> "'some' declarations cannot be used for rule head";
            case Expr.SomeIn s -> "'some' declarations cannot be used for rule head";
            case Expr.TermExpr te -> fromTerm(rule, te.term());
            case Expr.CallExpr ce -> fromCall(rule, ce.call());
            default -> "expression cannot be used for rule head";
          };
      if (problem == null) {
        return rule;
      }
    }
    parser.errorAt(expr.location(), problem);
    return null;
  }

  private static String fromTerm(RuleDraft rule, Term term) {
    if (!(term instanceof Term.Ref ref)) {
      return RegoParser.valueName(term) + " cannot be used for rule name";
    }
    if (!(ref.head() instanceof Term.Var)) {
      return "invalid rule head: " + Terms.show(ref);
    }
    if (ref.path().size() > 1) {
      rule.ref = ref;
      rule.value = RuleSyntax.trueTerm(term.location());
      rule.generatedValue = true;
      return null;
    }
    if (ref.path().isEmpty()) {
      return "refs cannot be used for rule head";
    }
    rule.ref = new Term.Ref(ref.head(), List.of(), ref.location());
    rule.key = ref.path().get(0);
    return null;
  }

  private static String fromCall(RuleDraft rule, Term.Call call) {
    String op = Terms.operatorName(call);
    if (op.equals("eq") || op.equals("assign")) {
      rule.assign = op.equals("assign");
      return fromEquality(rule, call.args().get(0), call.args().get(1));
    }
    if (OPERATORS.contains(op) || isBuiltin(op)) {
      return "rule name conflicts with built-in function";
    }
    if (call.args().isEmpty()) {
      return "rule argument list must take at least one argument";
    }
    if (!(call.operator().head() instanceof Term.Var)) {
      return "invalid rule head: " + Terms.show(call.operator());
    }
    rule.ref = call.operator();
    rule.args = call.args();
    rule.value = RuleSyntax.trueTerm(call.location());
    return null;
  }

  private static String fromEquality(RuleDraft rule, Term lhs, Term rhs) {
    rule.value = rhs;
    switch (lhs) {
      case Term.Call call -> {
        if (!(call.operator().head() instanceof Term.Var)) {
          return "invalid rule head: " + Terms.show(call.operator());
        }
        rule.ref = call.operator();
        rule.args = call.args();
        return null;
      }
      case Term.Ref ref -> {
        if (!(ref.head() instanceof Term.Var)) {
          return "invalid rule head: " + Terms.show(ref);
        }
        rule.ref = ref;
        return null;
      }
      case Term.Var v -> {
        rule.ref = new Term.Ref(v, List.of(), v.location());
        return null;
      }
      default -> {
        return RegoParser.valueName(lhs) + " cannot be used for rule name";
      }
    }
  }

  private static boolean isBuiltin(String name) {
    return BuiltinRegistry.standard().get(name) != null;
  }
}
