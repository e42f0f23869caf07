package dev.vigil.rego.ast;

import java.util.List;

/**
 * A rule: head, body, and an optional chain of {@code else} rules.
 *
 * <p>Heads are held in one canonical form for v0 and v1 syntax:
 *
 * <ul>
 *   <li>complete rule {@code p := 1 if ...}: ref {@code p}, kind SINGLE, value {@code 1};
 *   <li>{@code p if ...} and v0 {@code p { ... }}: value is the constant {@code true};
 *   <li>partial set {@code p contains x if ...} and v0 {@code p[x] { ... }}: ref {@code p}, kind
 *       MULTI, key {@code x}, value null;
 *   <li>partial object {@code p[k] := v if ...} (and v0 {@code p[k] = v { ... }}): ref {@code
 *       p[k]}, kind SINGLE, value {@code v};
 *   <li>function {@code f(x) := y if ...}: ref {@code f}, args {@code [x]}, value {@code y}.
 * </ul>
 *
 * @param head the head
 * @param body the body; a rule with no body has the one expression {@code true}
 * @param isDefault true for {@code default p := v}
 * @param elseRule the next rule of an else chain, or null
 * @param annotations the metadata annotations that apply to this rule (scope rule or document)
 * @param location where the rule starts
 */
public record Rule(
    Head head,
    List<Expr> body,
    boolean isDefault,
    Rule elseRule,
    List<Annotations> annotations,
    Location location) {

  /** Complete and partial-object rules are SINGLE (one value); partial sets are MULTI. */
  public enum Kind {
    SINGLE,
    MULTI
  }

  /**
   * A rule head.
   *
   * @param ref the rule's name as a ref relative to its package ({@code p}, {@code p.q[x]})
   * @param kind SINGLE or MULTI
   * @param args the function's parameters, or null when the rule is not a function
   * @param key the element of a MULTI rule, otherwise null
   * @param value the value of a SINGLE rule (constant {@code true} when not written)
   * @param assign true when written with {@code :=}, false for {@code =} or none
   * @param location where the head starts
   */
  public record Head(
      Term.Ref ref,
      Kind kind,
      List<Term> args,
      Term key,
      Term value,
      boolean assign,
      Location location) {}
}
