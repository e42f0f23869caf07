package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import java.util.List;

/**
 * A rule after name resolution and safety ordering, ready to evaluate.
 *
 * @param source the rule as parsed
 * @param args the function's parameters (patterns), or null for other rules
 * @param suffix the head's path below its node: the keys an object rule writes under, often empty
 * @param key the element of a partial set rule, otherwise null
 * @param value the value of the rule (null for partial sets)
 * @param body the body in evaluation order
 * @param elseRule the next rule of the else chain, or null
 * @param order the rule's position among its node's rules
 */
public record CompiledRule(
    Rule source,
    List<Term> args,
    List<Term> suffix,
    Term key,
    Term value,
    List<Expr> body,
    CompiledRule elseRule,
    int order) {

  public Location location() {
    return source.location();
  }
}
