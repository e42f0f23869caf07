package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Term;
import java.util.List;

/**
 * A rule as the parser first sees it, before it becomes an immutable {@link
 * dev.vigil.rego.ast.Rule}. It keeps what OPA's checks need and the AST does not: which keywords
 * the head used, and whether the body or value was written or filled in.
 */
final class RuleDraft {

  Location location;
  boolean isDefault;
  Term.Ref ref;
  List<Term> args;
  Term key;
  Term value;
  boolean assign;
  boolean generatedValue;
  Location headLocation;
  List<Expr> body;
  boolean generatedBody;
  boolean usesIf;
  boolean usesContains;
  RuleDraft elseRule;

  /** Number of terms in the head's ref, counting its first name, as OPA counts them. */
  int refLength() {
    return 1 + ref.path().size();
  }

  boolean isFunction() {
    return args != null;
  }

  /** A copy with the same head, for a following {@code { ... }} or {@code else} definition. */
  RuleDraft copyHead() {
    RuleDraft r = new RuleDraft();
    r.ref = ref;
    r.args = args;
    r.key = key;
    r.value = value;
    r.assign = assign;
    r.generatedValue = generatedValue;
    r.headLocation = headLocation;
    r.usesIf = usesIf;
    r.usesContains = usesContains;
    return r;
  }
}
