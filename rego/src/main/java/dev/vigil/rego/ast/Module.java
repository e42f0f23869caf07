package dev.vigil.rego.ast;

import java.util.List;

/**
 * A parsed Rego file.
 *
 * @param packagePath the package as a ref rooted at {@code data}, e.g. {@code data.authz}
 * @param imports the imports, including {@code future.keywords.*} and {@code rego.v1}
 * @param rules the rules in source order
 * @param annotations every metadata annotation in the file (package, subpackages, rule scopes)
 * @param file the file name given to the parser
 * @param v0 true when parsed with v0 syntax
 * @param location where the package clause starts
 */
public record Module(
    Term.Ref packagePath,
    List<Import> imports,
    List<Rule> rules,
    List<Annotations> annotations,
    String file,
    boolean v0,
    Location location) {

  /** {@code import data.x.y as z}; alias is null when none is written. */
  public record Import(Term.Ref path, String alias, Location location) {}
}
