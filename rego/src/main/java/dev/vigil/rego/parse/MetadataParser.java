package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Annotations;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code # METADATA} comment blocks and attaches them to the package and rules. */
final class MetadataParser {

  /** One METADATA comment block. */
  record Block(int line, int column, List<Lexer.Comment> comments) {}

  /** The annotations of a module: all of them, and those that belong to each rule. */
  record Attached(List<Annotations> all, Map<RuleDraft, List<Annotations>> byRule) {
    List<Annotations> forRule(RuleDraft rule) {
      return byRule.getOrDefault(rule, List.of());
    }
  }

  private MetadataParser() {}

  static List<Block> blocks(List<Lexer.Comment> comments) {
    return List.of();
  }

  static Attached attach(
      RegoParser parser, List<Block> blocks, RegoParser.Stmt first, List<RuleDraft> rules) {
    return new Attached(List.of(), new IdentityHashMap<>());
  }
}
