package dev.vigil.rego.compile;

import java.util.ArrayList;
import java.util.List;

/** All rules that define one node of the rule tree, with their shared kind. */
public final class RuleSet {

  /** How the rules of a set combine into one value. */
  public enum Kind {
    /** {@code p := v}: one value. */
    COMPLETE,
    /** {@code p contains x}: a set of every element produced. */
    PARTIAL_SET,
    /** {@code p[k] := v} and other ref heads with variables: an object built from every rule. */
    OBJECT,
    /** {@code f(x) := v}: a function. */
    FUNCTION
  }

  private final RuleNode node;
  private final Kind kind;
  final List<CompiledRule> rules = new ArrayList<>();
  CompiledRule defaultRule;
  RuleIndex index;
  int arity;

  RuleSet(RuleNode node, Kind kind) {
    this.node = node;
    this.kind = kind;
  }

  public RuleNode node() {
    return node;
  }

  public Kind kind() {
    return kind;
  }

  /** Returns the rules other than the default, in source order. */
  public List<CompiledRule> rules() {
    return rules;
  }

  /** Returns the default rule, or null. */
  public CompiledRule defaultRule() {
    return defaultRule;
  }

  /** Returns the index that narrows the rules to try for an input, or null when not indexed. */
  public RuleIndex index() {
    return index;
  }

  /** Returns the number of parameters of a function. */
  public int arity() {
    return arity;
  }

  public String name() {
    return node.name();
  }
}
