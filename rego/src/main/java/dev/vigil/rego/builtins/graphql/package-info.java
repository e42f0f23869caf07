/**
 * GraphQL for the {@code graphql.*} builtins, behaving as OPA 1.x does with vektah/gqlparser v2.
 *
 * <p>The stages run one way: {@link dev.vigil.rego.builtins.graphql.Lexer} and {@link
 * dev.vigil.rego.builtins.graphql.Parser} turn text into the {@link
 * dev.vigil.rego.builtins.graphql.Ast} (or {@link dev.vigil.rego.builtins.graphql.AstDecoder} reads
 * an AST object back, with Go's JSON decoding rules); {@link
 * dev.vigil.rego.builtins.graphql.Schema} merges a schema with the prelude and validates it; {@link
 * dev.vigil.rego.builtins.graphql.QueryValidator} checks a query against it with gqlparser's rules,
 * in gqlparser's walk order so that messages come out in the same order; {@link
 * dev.vigil.rego.builtins.graphql.AstEncoder} writes ASTs in OPA's pruned JSON shape. {@link
 * dev.vigil.rego.builtins.graphql.GraphqlFunctions} is the entry point for the builtins.
 *
 * <p>Limits that gqlparser does not have, so that hostile documents cannot exhaust the stack or the
 * CPU: selections, values and types nest at most {@value
 * dev.vigil.rego.builtins.graphql.Parser#MAX_DEPTH} levels; the overlapping-fields check stops
 * after {@value dev.vigil.rego.builtins.graphql.OverlappingFields#MAX_COMPARISONS} comparisons;
 * "did you mean" suggestions skip names too long to compare cheaply. Each limit reports itself in
 * the error it raises. Comments are not kept in the AST, matching the ASTs OPA returns.
 */
package dev.vigil.rego.builtins.graphql;
