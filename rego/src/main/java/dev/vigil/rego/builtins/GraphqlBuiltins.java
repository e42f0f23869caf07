package dev.vigil.rego.builtins;

import dev.vigil.rego.builtins.graphql.GraphqlFunctions;
import dev.vigil.rego.value.BooleanValue;
import java.util.List;

/**
 * Builtins of the Graphql family: parsing GraphQL queries and schemas and validating queries
 * against schemas, with the machinery in {@link dev.vigil.rego.builtins.graphql}.
 */
final class GraphqlBuiltins {

  private static final Type DOC = Type.anyOf(Type.STRING, Type.object(Type.ANY, Type.ANY));
  private static final Type AST = Type.object(Type.ANY, Type.ANY);

  private GraphqlBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "graphql.parse",
        List.of(DOC, DOC),
        Type.array(AST),
        "Parses a GraphQL query and schema and validates the query, returning both ASTs.",
        (ctx, args) -> GraphqlFunctions.parse(args[0], args[1], ctx.queryCache(), ctx::charge));
    r.register(
        "graphql.parse_and_verify",
        List.of(DOC, DOC),
        Type.array(Type.ANY),
        "Parses and validates a GraphQL query and schema, returning [valid, query AST, schema"
            + " AST].",
        (ctx, args) ->
            GraphqlFunctions.parseAndVerify(args[0], args[1], ctx.queryCache(), ctx::charge));
    r.register(
        "graphql.parse_query",
        List.of(Type.STRING),
        AST,
        "Parses a GraphQL query into its AST.",
        (ctx, args) -> GraphqlFunctions.parseQuery(Operands.string(args, 0)));
    r.register(
        "graphql.parse_schema",
        List.of(Type.STRING),
        AST,
        "Parses a GraphQL schema into its AST.",
        (ctx, args) -> GraphqlFunctions.parseSchema(Operands.string(args, 0)));
    r.register(
        "graphql.is_valid",
        List.of(DOC, DOC),
        Type.BOOLEAN,
        "Reports whether a GraphQL query is valid against a GraphQL schema.",
        (ctx, args) ->
            BooleanValue.of(
                GraphqlFunctions.isValid(args[0], args[1], ctx.queryCache(), ctx::charge)));
    r.register(
        "graphql.schema_is_valid",
        List.of(DOC),
        Type.BOOLEAN,
        "Reports whether a GraphQL schema is valid.",
        (ctx, args) -> BooleanValue.of(GraphqlFunctions.schemaIsValid(args[0], ctx.queryCache())));
  }
}
