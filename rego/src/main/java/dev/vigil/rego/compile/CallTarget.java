package dev.vigil.rego.compile;

import dev.vigil.rego.builtins.Builtin;

/** What a call refers to, resolved at compile time. */
public sealed interface CallTarget {

  /** The name a {@code with} modifier replaces: {@code data.lib.f}, {@code count}. */
  String name();

  /** A user function: the rules at a node of the rule tree. */
  record Function(String name, RuleNode node) implements CallTarget {}

  /** A builtin implemented by the evaluator itself (operators, {@code walk}, {@code print}). */
  record Native(String name) implements CallTarget {}

  /** A builtin from the registry. */
  record Library(String name, Builtin builtin) implements CallTarget {}
}
