package dev.vigil.rego.parse;

/**
 * How to parse Rego source.
 *
 * <p>The v0 flag is named {@code v0Syntax} because a record component {@code v0} would clash with
 * the factory method {@link #v0()}.
 *
 * @param v0Syntax true for the pre-1.0 syntax: rule bodies without {@code if}, partial sets as
 *     {@code p[x] { ... }}, and {@code in every if contains} reserved only once imported from
 *     {@code future.keywords} (or by {@code import rego.v1}, which also switches that file to v1
 *     rules)
 * @param experimentalKeywords true to accept {@code import future.keywords.and} and {@code import
 *     future.keywords.or}, which make {@code and} and {@code or} operators between expressions
 */
public record ParserOptions(boolean v0Syntax, boolean experimentalKeywords) {

  /** Rego v1 syntax, the default of OPA 1.x. */
  public static ParserOptions v1() {
    return new ParserOptions(false, false);
  }

  /** Rego v0 syntax, as OPA parses with {@code --v0-compatible}. */
  public static ParserOptions v0() {
    return new ParserOptions(true, false);
  }

  /** Returns these options with experimental keywords switched on or off. */
  public ParserOptions withExperimentalKeywords(boolean on) {
    return new ParserOptions(v0Syntax, on);
  }
}
