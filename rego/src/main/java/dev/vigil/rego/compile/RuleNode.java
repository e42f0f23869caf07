package dev.vigil.rego.compile;

import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of the rule tree: a path under {@code data} that holds rules, or leads to nodes that do.
 * Built once at compile time and read-only afterwards.
 */
public final class RuleNode {

  private final List<Value> path;
  private final Map<Value, RuleNode> children = new LinkedHashMap<>();
  RuleSet rules;

  RuleNode(List<Value> path) {
    this.path = List.copyOf(path);
  }

  /** Returns the keys from {@code data} to this node. */
  public List<Value> path() {
    return path;
  }

  public Map<Value, RuleNode> children() {
    return children;
  }

  /** Returns the rules defined exactly at this node, or null. */
  public RuleSet rules() {
    return rules;
  }

  RuleNode child(Value key) {
    return children.computeIfAbsent(
        key,
        k -> {
          var p = new java.util.ArrayList<>(path);
          p.add(k);
          return new RuleNode(p);
        });
  }

  /** Returns the node's name as OPA prints it: {@code data.a.b}. */
  public String name() {
    return pathName(path);
  }

  static String pathName(List<Value> path) {
    StringBuilder sb = new StringBuilder("data");
    for (Value v : path) {
      if (v instanceof StringValue s && s.value().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        sb.append('.').append(s.value());
      } else {
        sb.append('[').append(v).append(']');
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return name();
  }
}
