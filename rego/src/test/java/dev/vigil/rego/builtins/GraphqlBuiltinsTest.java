package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class GraphqlBuiltinsTest {

  private static final String SCHEMA =
      """
      type Query {
        hello(name: String!): String
        user(id: ID): User
      }
      type User { id: ID! name: String friends: [User] }
      """;

  private static Value call(String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(SimpleBuiltinContext.system(), args);
  }

  private static Value s(String text) {
    return StringValue.of(text);
  }

  private static String error(String name, Value... args) {
    try {
      call(name, args);
    } catch (BuiltinException e) {
      assertThat(e.code()).isEqualTo(BuiltinException.BUILTIN_ERROR);
      return e.getMessage();
    }
    throw new AssertionError(name + " did not fail");
  }

  @Test
  void parseQuery_aliasAndArguments_keepsGqlparserFieldNames() {
    Value ast = call("graphql.parse_query", s("{ a: user(id: 4) { name } }"));

    assertThat(ast)
        .isEqualTo(
            Json.parse(
                """
                {"Operations": [{"Name": "", "Operation": "query", "SelectionSet": [
                  {"Alias": "a", "Name": "user",
                   "Arguments": [{"Name": "id", "Value":
                     {"ExpectedTypeHasDefault": false, "Kind": 1, "Raw": "4"}}],
                   "SelectionSet": [{"Alias": "name", "Name": "name"}]}]}]}
                """));
  }

  @Test
  void parseQuery_unterminatedString_reportsInvalidToken() {
    assertThat(error("graphql.parse_query", s("{ f(a: \"abc) }")))
        .isEqualTo("Unexpected <Invalid> in GraphQL string at location 1:15");
  }

  @Test
  void parseQuery_deepNesting_failsWithoutStackOverflow() {
    String deep = "{a".repeat(100_000);

    assertThat(error("graphql.parse_query", s(deep)))
        .startsWith("exceeded the maximum nesting depth of 200");
  }

  @Test
  void parseQuery_deepListValue_failsWithoutStackOverflow() {
    String deep = "{ f(a: " + "[".repeat(50_000) + ") }";

    assertThat(error("graphql.parse_query", s(deep))).contains("maximum nesting depth");
  }

  @Test
  void parseSchema_blockDescription_isDedented() {
    Value ast = call("graphql.parse_schema", s("\"\"\"\n   Line one\n     two\n\"\"\"\nscalar X"));

    Value def = ((ArrayValue) ((ObjectValue) ast).get("Definitions")).get(0);
    assertThat(((ObjectValue) def).get("Description")).isEqualTo(s("Line one\n  two"));
  }

  @Test
  void parse_unknownFieldWithCloseName_suggestsIt() {
    assertThat(error("graphql.parse", s("{ helo(name: \"x\") }"), s(SCHEMA)))
        .isEqualTo(
            "Cannot query field \"helo\" on type \"Query\". Did you mean \"hello\"?\n"
                + " in GraphQL string at location 1:3");
  }

  @Test
  void parse_severalProblems_joinsThemAsGqlparserPrintsTheList() {
    String message = error("graphql.parse", s("query Q($v: Int) { user { nope } }"), s(SCHEMA));

    assertThat(message)
        .isEqualTo(
            "Cannot query field \"nope\" on type \"User\". Did you mean \"name\"?\n"
                + "input:1:9: Variable \"$v\" is never used in operation \"Q\""
                + " in GraphQL string at location 1:27");
  }

  @Test
  void parse_leafWithoutSelection_isRejected() {
    assertThat(error("graphql.parse", s("{ user }"), s(SCHEMA)))
        .isEqualTo(
            "Field \"user\" of type \"User\" must have a selection of subfields. Did you mean"
                + " \"user { ... }\"?\n in GraphQL string at location 1:3");
  }

  @Test
  void parse_wrongArgumentType_reportsValueProblem() {
    assertThat(error("graphql.parse", s("{ hello(name: 5) }"), s(SCHEMA)))
        .isEqualTo(
            "String cannot represent a non string value: 5\n in GraphQL string at location 1:15");
  }

  @Test
  void parse_variableOfWrongType_reportsPosition() {
    assertThat(error("graphql.parse", s("query ($n: Int) { hello(name: $n) }"), s(SCHEMA)))
        .isEqualTo(
            "Variable \"$n\" of type \"Int\" used in position expecting type \"String!\""
                + " in GraphQL string at location 1:31");
  }

  @Test
  void parse_conflictingAliases_reportsOverlap() {
    assertThat(
            error("graphql.parse", s("{ x: hello(name: \"a\") x: hello(name: \"b\") }"), s(SCHEMA)))
        .isEqualTo(
            "Fields \"x\" conflict because they have differing arguments. Use different aliases"
                + " on the fields to fetch both if this was intentional in GraphQL string at"
                + " location 1:23");
  }

  @Test
  void parse_fragmentCycle_isRejected() {
    String q =
        "{ user { ...A } } fragment A on User { friends { ...B } } "
            + "fragment B on User { friends { ...A } }";

    assertThat(error("graphql.parse", s(q), s(SCHEMA)))
        .contains("Cannot spread fragment \"A\" within itself via \"B\"");
  }

  @Test
  void parse_invalidSchema_reportsConversionError() {
    assertThat(error("graphql.parse", s("{ a }"), s("type Query { a: Missing }")))
        .isEqualTo(
            "Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Undefined type"
                + " Missing.");
  }

  @Test
  void parseAndVerify_invalidQuery_returnsFalseAndEmptyObjects() {
    Value result = call("graphql.parse_and_verify", s("{ nope }"), s(SCHEMA));

    assertThat(result)
        .isEqualTo(ArrayValue.of(BooleanValue.FALSE, ObjectValue.EMPTY, ObjectValue.EMPTY));
  }

  @Test
  void isValid_astWithFragmentSpread_decodesSpreadAsFieldLikeOpa() {
    Value query = call("graphql.parse_query", s("{ user { ...F } } fragment F on User { id }"));

    assertThat(call("graphql.is_valid", query, s(SCHEMA))).isEqualTo(BooleanValue.FALSE);
    assertThat(
            call("graphql.is_valid", s("{ user { ...F } } fragment F on User { id }"), s(SCHEMA)))
        .isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void isValid_astWithWrongFieldKind_isFalse() {
    Value query = Json.parse("{\"Operations\": [{\"Operation\": \"query\", \"Name\": 5}]}");

    assertThat(call("graphql.is_valid", query, s(SCHEMA))).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void parse_astWithWrongVariableKind_reportsGoDecodingError() {
    Value query =
        Json.parse(
            "{\"Operations\": [{\"Operation\": \"query\", \"VariableDefinitions\":"
                + " [{\"Variable\": 5}]}]}");

    assertThat(error("graphql.parse", query, s(SCHEMA)))
        .isEqualTo(
            "json: cannot unmarshal number into Go struct field VariableDefinition.Variable of"
                + " type string");
  }

  @Test
  void parse_astSelectionThatIsNoField_fallsBackToFragmentSpread() {
    Value query =
        Json.parse(
            "{\"Operations\": [{\"Operation\": \"query\", \"SelectionSet\": [{\"Name\": \"hello\","
                + " \"Arguments\": [{\"Name\": \"name\", \"Value\": {\"Kind\": 3.5}}]}]}]}");

    assertThat(error("graphql.parse", query, s(SCHEMA)))
        .isEqualTo("GraphQL parse error: input: Unknown fragment \"hello\".\n");
  }

  @Test
  void schemaIsValid_redeclaredBuiltInScalar_isFalse() {
    assertThat(call("graphql.schema_is_valid", s("scalar String"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("graphql.schema_is_valid", s("scalar Date"))).isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void schemaIsValid_interfaceFieldMissing_isFalse() {
    String schema = "interface Node { id: ID! } type Query implements Node { name: String }";

    assertThat(call("graphql.schema_is_valid", s(schema))).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void parseQuery_numberOperand_isTypeError() {
    assertThatThrownBy(() -> call("graphql.parse_query", NumberValue.of(1)))
        .isInstanceOfSatisfying(
            BuiltinException.class,
            e -> {
              assertThat(e.code()).isEqualTo(BuiltinException.TYPE_ERROR);
              assertThat(e.getMessage()).isEqualTo("operand 1 must be string but got number");
            });
  }

  @Test
  void parse_exponentialOverlap_stopsAtTheComparisonBudget() {
    String selection = "id";
    for (int i = 0; i < 14; i++) {
      selection = "friends { " + selection + " } friends { " + selection + " }";
    }
    String query = "{ user { " + selection + " } }";

    String message = error("graphql.parse", s(query), s(SCHEMA));

    assertThat(message).startsWith("the query has too many overlapping fields and fragments");
  }

  @Test
  void parse_hugeUnknownFieldName_reportsWithoutSuggestion() {
    String name = "x".repeat(200_000);
    String schema = "type Query { " + "x".repeat(199_999) + "y: Int }";

    assertThat(error("graphql.parse", s("{ " + name + " }"), s(schema)))
        .startsWith("Cannot query field \"xxx")
        .doesNotContain("Did you mean");
  }

  @Test
  void parse_deepIntrospection_isRefused() {
    String q = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";

    assertThat(error("graphql.parse", s(q), s(SCHEMA)))
        .isEqualTo("Maximum introspection depth exceeded\n in GraphQL string at location 1:3");
    assertThat(call("graphql.is_valid", s("{ __schema { types { fields { name } } } }"), s(SCHEMA)))
        .isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void isValid_deeplyNestedAstObject_failsWithoutStackOverflow() {
    String selection = "{\"Name\": \"user\"}";
    for (int i = 0; i < 300; i++) {
      selection = "{\"Name\": \"user\", \"SelectionSet\": [" + selection + "]}";
    }
    Value query =
        Json.parse(
            "{\"Operations\": [{\"Operation\": \"query\", \"SelectionSet\": ["
                + selection
                + "]}]}");

    assertThat(error("graphql.parse", query, s(SCHEMA)))
        .isEqualTo("GraphQL AST nested deeper than 200 levels");
  }

  @Test
  void schemaIsValid_astFieldWithoutType_isFalseNotACrash() {
    Value schema =
        Json.parse(
            "{\"Definitions\": [{\"Kind\": \"OBJECT\", \"Name\": \"Query\","
                + " \"Fields\": [{\"Name\": \"a\"}]}]}");

    assertThat(call("graphql.schema_is_valid", schema)).isEqualTo(BooleanValue.FALSE);
    assertThat(error("graphql.parse", s("{ a }"), schema))
        .isEqualTo("GraphQL AST FieldDefinition \"a\" has no Type");
  }

  @Test
  void isValid_sameSchemaTwiceInOneQuery_buildsItOnce() {
    SimpleBuiltinContext ctx = SimpleBuiltinContext.system();
    Builtin isValid = BuiltinRegistry.standard().get("graphql.is_valid");

    assertThat(isValid.invoke(ctx, new Value[] {s("{ user { id } }"), s(SCHEMA)}))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(ctx.queryCache()).hasSize(1);
    assertThat(isValid.invoke(ctx, new Value[] {s("{ user { nope } }"), s(SCHEMA)}))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(ctx.queryCache()).hasSize(1);
  }
}
