package dev.vigil.rego.eval;

import dev.vigil.rego.compile.RuleNode;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@code with} modifier replaces for the expressions it covers: the input, base data, rules
 * masked or patched by data overrides, and replaced functions; plus the memo cache, which is only
 * valid for one combination of these. Immutable except for its cache.
 */
final class Frame {
  final Value input;
  final Value data;
  final Set<RuleNode> masked;
  final Map<RuleNode, List<Patch>> patches;
  final Map<String, Object> replacements;
  final Map<Object, Object> cache = new HashMap<>();

  Frame(
      Value input,
      Value data,
      Set<RuleNode> masked,
      Map<RuleNode, List<Patch>> patches,
      Map<String, Object> replacements) {
    this.input = input;
    this.data = data;
    this.masked = masked;
    this.patches = patches;
    this.replacements = replacements;
  }

  /** A value that replaces part of a rule's value, at a path below the rule's node. */
  record Patch(List<Value> path, Value value) {}
}
