package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.BuiltinException;
import dev.vigil.rego.builtins.graphql.Ast.QueryDocument;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDocument;
import dev.vigil.rego.builtins.graphql.GraphqlException.Problem;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The {@code graphql.*} builtins as OPA 1.x implements them: documents given as text or as AST
 * objects, ASTs returned in gqlparser's JSON shape, and errors worded as OPA words them ({@code
 * MESSAGE in GraphQL string at location LINE:COL}). Stateless and thread-safe.
 */
public final class GraphqlFunctions {

  private GraphqlFunctions() {}

  /** {@code graphql.parse_query}: the AST of a query, or an error. */
  public static Value parseQuery(String query) {
    return AstEncoder.encode(query(StringValue.of(query)));
  }

  /** {@code graphql.parse_schema}: the AST of a schema, unvalidated, or an error. */
  public static Value parseSchema(String schema) {
    return AstEncoder.encode(schemaDocument(StringValue.of(schema)));
  }

  /**
   * {@code graphql.parse}: both ASTs once the query validates against the schema.
   *
   * @param cache the query's cache, where a schema is kept once built; not shared across threads
   */
  public static Value parse(
      Value query, Value schema, Map<Object, Object> cache, LongConsumer charge) {
    QueryDocument q = query(query);
    Compiled compiled = compiled(schema, cache);
    Value queryAst = AstEncoder.encode(q);
    validate(compiled.schema(), q, charge);
    return ArrayValue.of(queryAst, compiled.ast());
  }

  /** A schema's AST and its validated form, cached together per query. */
  private record Compiled(Value ast, Schema schema) {}

  private record CacheKey(Value schema) {}

  /** Parses, encodes and builds a schema, or takes it from the query's cache. */
  private static Compiled compiled(Value schema, Map<Object, Object> cache) {
    CacheKey key = new CacheKey(schema);
    if (cache.get(key) instanceof Compiled c) {
      return c;
    }
    SchemaDocument sd = schemaDocument(schema);
    Value ast = AstEncoder.encode(sd);
    Compiled c = new Compiled(ast, build(sd));
    cache.put(key, c);
    return c;
  }

  /**
   * {@code graphql.parse_and_verify}: {@code [true, query AST, schema AST]} or {@code [false, {},
   * {}]}.
   */
  public static Value parseAndVerify(
      Value query, Value schema, Map<Object, Object> cache, LongConsumer charge) {
    try {
      ArrayValue parsed = (ArrayValue) parse(query, schema, cache, charge);
      return ArrayValue.of(BooleanValue.TRUE, parsed.get(0), parsed.get(1));
    } catch (BuiltinException e) {
      return ArrayValue.of(BooleanValue.FALSE, ObjectValue.EMPTY, ObjectValue.EMPTY);
    }
  }

  /** {@code graphql.is_valid}: whether the query parses and validates against the schema. */
  public static boolean isValid(
      Value query, Value schema, Map<Object, Object> cache, LongConsumer charge) {
    try {
      QueryDocument q = query(query);
      validate(compiled(schema, cache).schema(), q, charge);
      return true;
    } catch (BuiltinException e) {
      return false;
    }
  }

  /** {@code graphql.schema_is_valid}: whether the schema parses and validates. */
  public static boolean schemaIsValid(Value schema, Map<Object, Object> cache) {
    try {
      compiled(schema, cache);
      return true;
    } catch (BuiltinException e) {
      return false;
    }
  }

  private static QueryDocument query(Value v) {
    try {
      return switch (v) {
        case StringValue s -> Parser.parseQuery(s.value());
        case ObjectValue o -> AstDecoder.queryDocument(o);
        default -> throw BuiltinException.type("operand 1 must be one of {string, object}");
      };
    } catch (GraphqlException e) {
      throw BuiltinException.error(format(e.render(false)));
    } catch (AstDecoder.DecodeException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static SchemaDocument schemaDocument(Value v) {
    try {
      return switch (v) {
        case StringValue s -> Parser.parseSchema(s.value());
        case ObjectValue o -> AstDecoder.schemaDocument(o);
        default -> throw BuiltinException.type("operand 2 must be one of {string, object}");
      };
    } catch (GraphqlException e) {
      throw BuiltinException.error(format(e.render(false)));
    } catch (AstDecoder.DecodeException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Schema build(SchemaDocument sd) {
    try {
      return Schema.build(sd);
    } catch (GraphqlException e) {
      throw BuiltinException.error(
          "Error in gqlparser SchemaDocument to Schema conversion: " + e.render(false));
    }
  }

  private static void validate(Schema schema, QueryDocument q, LongConsumer charge) {
    List<Problem> problems;
    try {
      problems = QueryValidator.validate(schema, q, charge);
    } catch (GraphqlException e) {
      problems = e.problems();
    }
    if (!problems.isEmpty()) {
      throw BuiltinException.error(format(new GraphqlException(problems).render(true)));
    }
  }

  /**
   * Rewrites gqlparser's {@code input:LINE:COL: message} as OPA does; an error without a position
   * keeps gqlparser's text behind {@code GraphQL parse error: }.
   */
  static String format(String gqlError) {
    String[] parts = gqlError.split(":", 4);
    if (parts.length >= 4 && parts[1].matches("[0-9]+") && parts[2].matches("[0-9]+")) {
      String msg = parts[3].stripLeading();
      if (msg.endsWith(".\n")) {
        msg = msg.substring(0, msg.length() - 2);
      }
      return msg + " in GraphQL string at location " + parts[1] + ":" + parts[2];
    }
    return "GraphQL parse error: " + gqlError;
  }
}
