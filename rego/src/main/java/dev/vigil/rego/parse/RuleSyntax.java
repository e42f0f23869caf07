package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.parse.Token.Kind;
import dev.vigil.rego.value.BooleanValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rule statements: heads ({@code p}, {@code p[x]}, {@code a.b.c}, {@code f(x)}, with {@code :=},
 * {@code =} or {@code contains}), bodies after {@code if} or in braces, {@code else} chains, and
 * further {@code { ... }} definitions of the same head.
 *
 * <p>A statement that is not a rule returns null with no error recorded, so that the caller can try
 * it as a body: OPA reads {@code p = 1} on its own line as a body first and turns it into a rule.
 */
final class RuleSyntax {

  private final RegoParser p;

  RuleSyntax(RegoParser p) {
    this.p = p;
  }

  List<RuleDraft> parseRules() {
    RuleDraft rule = new RuleDraft();
    Token start = p.cur();
    rule.location = p.loc(start);
    if (p.isKeyword(p.cur(), "default") && !p.keywordStartsRef()) {
      p.next();
      rule.isDefault = true;
    }
    if (p.cur().kind() != Kind.IDENT || (p.isReserved(p.cur()) && !p.keywordStartsRef())) {
      return null;
    }
    if (!parseHead(rule)) {
      return null;
    }
    if (rule.isDefault) {
      if (!validateDefault(rule)) {
        return null;
      }
      rule.body = List.of(trueExpr(rule.location));
      return List.of(rule);
    }

    boolean hasIf = p.isKeyword(p.cur(), "if");
    if (hasIf && !rule.usesContains && rule.refLength() == 2) {
      Term last = rule.ref.path().get(0);
      if ((!isGround(last) || last instanceof Term.Ref) && rule.args == null) {
        rule.key = last;
      }
      if (rule.value == null) {
        rule.generatedValue = true;
        rule.value = trueTerm(rule.headLocation);
      } else if (!(rule.ref.head() instanceof Term.Var)) {
        return null;
      }
    }
    if (!hasIf && !rule.usesContains && rule.args == null && rule.refLength() == 2) {
      if (!(rule.ref.head() instanceof Term.Var)) {
        return null;
      }
      rule.key = rule.ref.path().get(0);
      if (rule.value == null) {
        rule.ref = new Term.Ref(rule.ref.head(), List.of(), rule.ref.location());
      }
    }

    if (hasIf) {
      rule.usesIf = true;
      p.next();
      if (!parseIfBody(rule)) {
        return null;
      }
    } else if (p.cur().kind() == Kind.LBRACE) {
      if (!parseBraceBody(rule)) {
        return null;
      }
    } else if (rule.usesContains) {
      rule.body = List.of(trueExpr(rule.location));
      rule.generatedBody = true;
      rule.location = rule.headLocation;
      return List.of(rule);
    } else {
      return null;
    }

    if (p.isKeyword(p.cur(), "else") && !p.keywordStartsRef()) {
      if (rule.refLength() > 1 && !isGround(rule.ref)) {
        p.error(p.cur(), "else keyword cannot be used on rules with variables in head");
        return null;
      }
      if (rule.key != null) {
        p.error(p.cur(), "else keyword cannot be used on multi-value rules");
        return null;
      }
      if (!parseElseChain(rule)) {
        return null;
      }
    }

    List<RuleDraft> rules = new ArrayList<>();
    rules.add(rule);
    while (p.cur().kind() == Kind.LBRACE) {
      if (rule.elseRule != null) {
        p.error(p.cur(), "expected else keyword");
        return null;
      }
      RuleDraft next = rule.copyHead();
      next.location = p.loc(p.cur());
      next.headLocation = next.location;
      if (!parseBraceBody(next)) {
        return null;
      }
      rules.add(next);
    }
    return rules;
  }

  /** Parses what follows {@code if}: one expression, or a block when it reads as a set literal. */
  private boolean parseIfBody(RuleDraft rule) {
    int mark = p.mark();
    int errs = p.errorCount();
    Expr expr = p.parseLiteral();
    if (expr != null
        && !(expr.kind() instanceof Expr.TermExpr te && te.term() instanceof Term.SetTerm)) {
      rule.body = List.of(expr);
      return true;
    }
    p.restore(mark, errs);
    if (p.cur().kind() != Kind.LBRACE) {
      p.parseLiteral();
      return false;
    }
    return parseBraceBody(rule);
  }

  private boolean parseBraceBody(RuleDraft rule) {
    p.next();
    List<Expr> body = p.parseBody(Kind.RBRACE);
    if (body == null) {
      return false;
    }
    p.next();
    rule.body = List.copyOf(body);
    return true;
  }

  /** Parses {@code else [= v | := v] [if] [body]}, repeatedly; iterative to bound the stack. */
  private boolean parseElseChain(RuleDraft first) {
    RuleDraft prev = first;
    while (p.isKeyword(p.cur(), "else")) {
      RuleDraft rule = first.copyHead();
      rule.usesIf = false;
      rule.generatedValue = false;
      rule.location = p.loc(p.cur());
      rule.headLocation = rule.location;
      p.next();
      Kind k = p.cur().kind();
      if (k == Kind.LBRACE || p.isKeyword(p.cur(), "if")) {
        rule.generatedValue = true;
        rule.value = trueTerm(rule.location);
      } else if (k == Kind.ASSIGN || k == Kind.UNIFY) {
        rule.assign = k == Kind.ASSIGN;
        p.next();
        rule.value = p.parseTermInfixCall();
        if (rule.value == null) {
          return false;
        }
      } else {
        p.illegal("expected else value term or rule body");
        return false;
      }
      boolean hasIf = p.isKeyword(p.cur(), "if");
      if (!hasIf && p.cur().kind() != Kind.LBRACE) {
        rule.body = List.of(trueExpr(rule.location));
        rule.generatedBody = true;
      } else {
        if (hasIf) {
          rule.usesIf = true;
          p.next();
        }
        if (p.cur().kind() == Kind.LBRACE) {
          if (!parseBraceBody(rule)) {
            return false;
          }
        } else if (p.cur().kind() != Kind.EOF) {
          Expr expr = p.parseLiteral();
          if (expr == null) {
            return false;
          }
          rule.body = List.of(expr);
        } else {
          p.illegal("rule body expected");
          return false;
        }
      }
      prev.elseRule = rule;
      prev = rule;
    }
    return true;
  }

  private boolean parseHead(RuleDraft rule) {
    Token start = p.cur();
    rule.headLocation = p.loc(start);
    Term.Var name = new Term.Var(start.text(), p.loc(start));
    p.next();
    if (isOperator(p.cur().kind())) {
      p.illegal("");
      return false;
    }
    Term term = name;
    if (p.adjacentRefContinuation() || (p.cur().kind() == Kind.LPAREN && !p.cur().spaceBefore())) {
      term = p.parseRef(name);
      if (term == null) {
        p.illegal("expected rule head name");
        return false;
      }
    }
    switch (term) {
      case Term.Var v -> rule.ref = new Term.Ref(v, List.of(), v.location());
      case Term.Ref r -> {
        if (!(r.head() instanceof Term.Var)) {
          return false;
        }
        rule.ref = r;
      }
      case Term.Call c -> {
        if (!(c.operator().head() instanceof Term.Var)) {
          p.illegal("rule head ref " + Terms.show(c.operator()) + " invalid");
          return false;
        }
        rule.ref = c.operator();
        rule.args = c.args();
      }
      default -> {
        return false;
      }
    }
    String shown = Terms.refName(rule.ref);
    if (p.isKeyword(p.cur(), "contains")) {
      if (rule.args != null) {
        p.illegal(
            "the contains keyword can only be used with multi-value rule definitions (e.g., "
                + shown
                + " contains <VALUE> { ... })");
      }
      p.next();
      rule.usesContains = true;
      rule.key = p.parseTermInfixCall();
      if (rule.key == null) {
        p.illegal("expected rule key term (e.g., " + shown + " contains <VALUE> { ... })");
        return false;
      }
      return true;
    }
    Kind k = p.cur().kind();
    if (k == Kind.UNIFY || k == Kind.ASSIGN) {
      p.next();
      rule.assign = k == Kind.ASSIGN;
      rule.value = p.parseTermInfixCall();
      if (rule.value == null) {
        p.illegal(valueExample(rule, shown, k == Kind.ASSIGN));
        return false;
      }
    }
    if (rule.value == null && rule.key == null) {
      if (rule.refLength() != 2 || (rule.args != null && !rule.args.isEmpty())) {
        rule.generatedValue = true;
        rule.value = trueTerm(rule.headLocation);
      }
    }
    return true;
  }

  private static String valueExample(RuleDraft rule, String shown, boolean assign) {
    if (!assign) {
      return "expected rule value term (e.g., " + shown + "[...] = <VALUE> { ... })";
    }
    if (rule.args != null && !rule.args.isEmpty()) {
      return "expected function value term (e.g., " + shown + "(...) := <VALUE> { ... })";
    }
    if (rule.isDefault) {
      return "expected default rule value term (e.g., default " + shown + " := <VALUE>)";
    }
    return "expected rule value term (e.g., " + shown + " := <VALUE> { ... })";
  }

  private static boolean isOperator(Kind k) {
    return switch (k) {
      case ADD, SUB, MUL, QUO, REM, AND, OR, EQUAL, NEQ, GT, GTE, LT, LTE -> true;
      default -> false;
    };
  }

  private boolean validateDefault(RuleDraft rule) {
    if (rule.value == null) {
      p.errorAt(rule.location, "illegal default rule (must have a value)");
      return false;
    }
    boolean[] valid = {true};
    checkDefaultValue(rule, rule.value, valid);
    if (rule.args != null) {
      Set<String> seen = new HashSet<>();
      for (Term arg : rule.args) {
        if (!(arg instanceof Term.Var v)) {
          p.errorAt(
              rule.location,
              "illegal default rule (arguments cannot contain " + RegoParser.valueName(arg) + ")");
          return false;
        }
        if (!v.name().equals("_") && !seen.add(v.name())) {
          p.errorAt(
              rule.location,
              "illegal default rule (arguments cannot be repeated " + v.name() + ")");
          return false;
        }
      }
    }
    return valid[0];
  }

  private void checkDefaultValue(RuleDraft rule, Term t, boolean[] valid) {
    switch (t) {
      case Term.Ref r -> refuseInDefault(rule, "ref", valid);
      case Term.Var v -> refuseInDefault(rule, "var", valid);
      case Term.Call c -> refuseInDefault(rule, "call", valid);
      case Term.ArrayTerm a -> a.elements().forEach(e -> checkDefaultValue(rule, e, valid));
      case Term.SetTerm s -> s.elements().forEach(e -> checkDefaultValue(rule, e, valid));
      case Term.ObjectTerm o ->
          o.entries()
              .forEach(
                  e -> {
                    checkDefaultValue(rule, e.key(), valid);
                    checkDefaultValue(rule, e.value(), valid);
                  });
      case Term.TemplateString ts -> ts.parts().forEach(e -> checkDefaultValue(rule, e, valid));
      default -> {}
    }
  }

  private void refuseInDefault(RuleDraft rule, String what, boolean[] valid) {
    p.errorAt(rule.location, "illegal default rule (value cannot contain " + what + ")");
    valid[0] = false;
  }

  static boolean isGround(Term t) {
    return switch (t) {
      case Term.Scalar s -> true;
      case Term.Var v -> false;
      case Term.Ref r -> r.path().stream().allMatch(RuleSyntax::isGround);
      case Term.ArrayTerm a -> a.elements().stream().allMatch(RuleSyntax::isGround);
      case Term.SetTerm s -> s.elements().stream().allMatch(RuleSyntax::isGround);
      case Term.ObjectTerm o ->
          o.entries().stream().allMatch(e -> isGround(e.key()) && isGround(e.value()));
      case Term.TemplateString ts -> ts.parts().stream().allMatch(RuleSyntax::isGround);
      default -> false;
    };
  }

  static Term trueTerm(Location l) {
    return new Term.Scalar(BooleanValue.TRUE, l);
  }

  static Expr trueExpr(Location l) {
    return new Expr(new Expr.TermExpr(trueTerm(l)), false, List.of(), l, "true");
  }
}
