package dev.vigil.rego.parse;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.ast.Annotations;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts parsed statements together into a {@link Module}: the package first, imports, rules, and
 * statements that parsed as bodies turned into rules ({@code p = 1}, {@code p[x]}, {@code f(x) =
 * y}), as OPA does. In v1 (and after {@code import rego.v1}) it applies OPA's v1 rule checks:
 * {@code if} before every written body, {@code contains} for partial sets.
 */
final class ModuleAssembler {

  private final RegoParser parser;
  private final List<RegoError> errors;

  ModuleAssembler(RegoParser parser) {
    this.parser = parser;
    this.errors = parser.errors();
  }

  /** Returns the module, or null when errors were recorded. */
  Module assemble(List<RegoParser.Stmt> stmts, List<MetadataParser.Block> metadata) {
    String file = parser.file();
    if (stmts.isEmpty()) {
      errors.add(new RegoError(RegoParser.PARSE_ERROR, "empty module", new Location(file, 0, 0)));
      return null;
    }
    Term.Ref pkg = null;
    Location pkgLocation = stmts.get(0).location();
    if (stmts.get(0) instanceof RegoParser.PackageStmt ps) {
      pkg = ps.path();
    } else {
      parser.errorAt(pkgLocation, "package expected");
    }
    boolean v1 = !parser.options().v0Syntax() || parser.regoV1Imported();
    List<Module.Import> imports = new ArrayList<>();
    List<RuleDraft> drafts = new ArrayList<>();
    List<MetadataParser.Node> nodes = new ArrayList<>();
    nodes.add(new MetadataParser.Node(stmts.get(0).location(), stmts.get(0)));
    for (RegoParser.Stmt stmt : stmts.subList(1, stmts.size())) {
      switch (stmt) {
        case RegoParser.ImportStmt is -> {
          imports.add(is.imp());
          nodes.add(new MetadataParser.Node(is.location(), is));
        }
        case RegoParser.RulesStmt rs -> {
          drafts.addAll(rs.rules());
          rs.rules().forEach(r -> nodes.add(new MetadataParser.Node(r.location, r)));
        }
        case RegoParser.BodyStmt bs -> {
          RuleDraft rule = BodyRules.fromBody(parser, bs.body());
          if (rule != null) {
            drafts.add(rule);
            nodes.add(new MetadataParser.Node(rule.location, rule));
          }
        }
        case RegoParser.PackageStmt ps -> parser.errorAt(ps.location(), "unexpected package");
      }
    }
    if (v1) {
      for (RuleDraft rule : drafts) {
        for (RuleDraft r = rule; r != null; r = r.elseRule) {
          checkV1(r);
        }
      }
    }
    if (!errors.isEmpty()) {
      return null;
    }
    MetadataParser.Attached attached = MetadataParser.attach(parser, metadata, nodes);
    if (!errors.isEmpty()) {
      return null;
    }
    List<Rule> rules = new ArrayList<>();
    for (RuleDraft d : drafts) {
      rules.add(toRule(d, attached.forRule(d)));
    }
    return new Module(
        pkg, List.copyOf(imports), List.copyOf(rules), attached.all(), file, !v1, pkgLocation);
  }

  private void checkV1(RuleDraft rule) {
    String what = rule.isFunction() ? "function" : "rule";
    if (rule.generatedBody && rule.generatedValue) {
      parser.errorAt(rule.location, what + " must have value assignment and/or body declaration");
    }
    if (rule.body != null && !rule.generatedBody && !rule.usesIf && !rule.isDefault) {
      parser.errorAt(rule.location, "`if` keyword is required before " + what + " body");
    }
    if (isMulti(rule) && !rule.usesContains) {
      parser.errorAt(rule.location, "`contains` keyword is required for partial set rules");
    }
  }

  private static boolean isMulti(RuleDraft d) {
    return d.key != null && d.value == null;
  }

  /** Converts a draft and its else chain, last link first, so long chains need no deep stack. */
  static Rule toRule(RuleDraft d, List<Annotations> annotations) {
    List<RuleDraft> chain = new ArrayList<>();
    for (RuleDraft r = d.elseRule; r != null; r = r.elseRule) {
      chain.add(r);
    }
    Rule elseRule = null;
    for (int i = chain.size() - 1; i >= 0; i--) {
      elseRule = toRule(chain.get(i), List.of(), elseRule);
    }
    return toRule(d, annotations, elseRule);
  }

  private static Rule toRule(RuleDraft d, List<Annotations> annotations, Rule elseRule) {
    boolean multi = isMulti(d);
    Rule.Head head =
        new Rule.Head(
            d.ref,
            multi ? Rule.Kind.MULTI : Rule.Kind.SINGLE,
            d.args == null ? null : List.copyOf(d.args),
            multi ? d.key : null,
            multi ? null : d.value,
            d.assign,
            d.headLocation == null ? d.location : d.headLocation);
    List<Expr> body = d.body == null ? List.of(RuleSyntax.trueExpr(d.location)) : d.body;
    return new Rule(head, body, d.isDefault, elseRule, annotations, d.location);
  }
}
