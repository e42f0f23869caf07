package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Ast.Argument;
import dev.vigil.rego.builtins.graphql.Ast.ArgumentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.ChildValue;
import dev.vigil.rego.builtins.graphql.Ast.Definition;
import dev.vigil.rego.builtins.graphql.Ast.Directive;
import dev.vigil.rego.builtins.graphql.Ast.DirectiveDefinition;
import dev.vigil.rego.builtins.graphql.Ast.EnumValueDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Field;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentSpread;
import dev.vigil.rego.builtins.graphql.Ast.InlineFragment;
import dev.vigil.rego.builtins.graphql.Ast.OperationDefinition;
import dev.vigil.rego.builtins.graphql.Ast.OperationTypeDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Position;
import dev.vigil.rego.builtins.graphql.Ast.QueryDocument;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDefinition;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDocument;
import dev.vigil.rego.builtins.graphql.Ast.Selection;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Ast.Value;
import dev.vigil.rego.builtins.graphql.Ast.VariableDefinition;
import dev.vigil.rego.builtins.graphql.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A recursive-descent parser for GraphQL executable and schema documents that follows gqlparser's
 * grammar and its error messages. The first error ends parsing, as in gqlparser, where later errors
 * are never recorded.
 */
public final class Parser {

  /** The deepest nesting of selections, values and types accepted, to bound the stack. */
  public static final int MAX_DEPTH = 200;

  private static final Set<String> LOCATIONS =
      Set.of(
          "QUERY",
          "MUTATION",
          "SUBSCRIPTION",
          "FIELD",
          "FRAGMENT_DEFINITION",
          "FRAGMENT_SPREAD",
          "INLINE_FRAGMENT",
          "VARIABLE_DEFINITION",
          "SCHEMA",
          "SCALAR",
          "OBJECT",
          "FIELD_DEFINITION",
          "ARGUMENT_DEFINITION",
          "INTERFACE",
          "UNION",
          "ENUM",
          "ENUM_VALUE",
          "INPUT_OBJECT",
          "INPUT_FIELD_DEFINITION");

  private final Lexer lexer;
  private Token peeked;
  private Token prev;
  private int depth;
  private final boolean builtIn;

  private Parser(String input, boolean builtIn) {
    this.lexer = new Lexer(input);
    this.builtIn = builtIn;
  }

  /**
   * Parses an executable document.
   *
   * @throws GraphqlException with gqlparser's message and position
   */
  public static QueryDocument parseQuery(String input) {
    return new Parser(input, false).queryDocument();
  }

  /**
   * Parses a schema document.
   *
   * @throws GraphqlException with gqlparser's message and position
   */
  public static SchemaDocument parseSchema(String input) {
    return new Parser(input, false).schemaDocument();
  }

  static SchemaDocument parseBuiltInSchema(String input) {
    return new Parser(input, true).schemaDocument();
  }

  // ---- token handling

  private Token peek() {
    if (peeked == null) {
      peeked = lexer.next();
    }
    return peeked;
  }

  private Position peekPos() {
    return peek().position();
  }

  private Token next() {
    Token t = peek();
    peeked = null;
    prev = t;
    if (t.kind() == Kind.INVALID) {
      throw new GraphqlException(t.error(), t.position());
    }
    return t;
  }

  private GraphqlException error(Token t, String message) {
    return new GraphqlException(message, t.position());
  }

  private GraphqlException unexpected(Token t) {
    return error(t, "Unexpected " + t);
  }

  private GraphqlException unexpected() {
    return unexpected(peek());
  }

  private Token expect(Kind kind) {
    Token t = peek();
    if (t.kind() == kind) {
      return next();
    }
    throw error(t, "Expected " + kind + ", found " + t.kind());
  }

  private void expectKeyword(String keyword) {
    Token t = peek();
    if (t.kind() == Kind.NAME && t.value().equals(keyword)) {
      next();
      return;
    }
    throw error(t, "Expected " + GoQuote.quote(keyword) + ", found " + t);
  }

  private boolean skip(Kind kind) {
    if (peek().kind() != kind) {
      return false;
    }
    next();
    return true;
  }

  /** Parses {@code start item* end}, where the list may be empty; absent entirely is fine. */
  private <T> List<T> many(Kind start, Kind end, ItemParser<T> item) {
    List<T> items = new ArrayList<>();
    if (!skip(start)) {
      return items;
    }
    while (peek().kind() != end) {
      items.add(item.parse());
    }
    next();
    return items;
  }

  /** Parses {@code start item+ end}; absent entirely is fine, empty is an error. */
  private <T> List<T> some(Kind start, Kind end, ItemParser<T> item) {
    List<T> items = new ArrayList<>();
    if (!skip(start)) {
      return items;
    }
    while (peek().kind() != end) {
      items.add(item.parse());
    }
    if (items.isEmpty()) {
      throw error(peek(), "expected at least one definition, found " + peek().kind());
    }
    next();
    return items;
  }

  @FunctionalInterface
  private interface ItemParser<T> {
    T parse();
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error(peek(), "exceeded the maximum nesting depth of " + MAX_DEPTH);
    }
  }

  private String parseName() {
    return expect(Kind.NAME).value();
  }

  // ---- executable documents

  private QueryDocument queryDocument() {
    List<OperationDefinition> operations = new ArrayList<>();
    List<FragmentDefinition> fragments = new ArrayList<>();
    while (peek().kind() != Kind.EOF) {
      Token t = peek();
      if (t.kind() == Kind.NAME) {
        switch (t.value()) {
          case "query", "mutation", "subscription" -> operations.add(operationDefinition());
          case "fragment" -> fragments.add(fragmentDefinition());
          default -> throw unexpected();
        }
      } else if (t.kind() == Kind.BRACE_L) {
        operations.add(operationDefinition());
      } else {
        throw unexpected();
      }
    }
    return new QueryDocument(operations, fragments);
  }

  private OperationDefinition operationDefinition() {
    Position pos = peekPos();
    if (peek().kind() == Kind.BRACE_L) {
      return new OperationDefinition(
          "query", "", List.of(), List.of(), requiredSelectionSet(), pos);
    }
    String operation = operationType();
    String name = peek().kind() == Kind.NAME ? next().value() : "";
    List<VariableDefinition> vars = variableDefinitions();
    List<Directive> directives = directives(false);
    return new OperationDefinition(operation, name, vars, directives, requiredSelectionSet(), pos);
  }

  private String operationType() {
    Token t = next();
    return switch (t.value()) {
      case "query", "mutation", "subscription" -> t.value();
      default -> throw unexpected(t);
    };
  }

  private List<VariableDefinition> variableDefinitions() {
    return many(Kind.PAREN_L, Kind.PAREN_R, this::variableDefinition);
  }

  private VariableDefinition variableDefinition() {
    Position pos = peekPos();
    String variable = variable();
    expect(Kind.COLON);
    Type type = typeReference();
    Value defaultValue = skip(Kind.EQUALS) ? valueLiteral(true) : null;
    return new VariableDefinition(variable, type, defaultValue, directives(false), pos);
  }

  private String variable() {
    expect(Kind.DOLLAR);
    return parseName();
  }

  private List<Selection> optionalSelectionSet() {
    enter();
    List<Selection> set = some(Kind.BRACE_L, Kind.BRACE_R, this::selection);
    depth--;
    return set;
  }

  private List<Selection> requiredSelectionSet() {
    if (peek().kind() != Kind.BRACE_L) {
      throw error(peek(), "Expected " + Kind.BRACE_L + ", found " + peek().kind());
    }
    return optionalSelectionSet();
  }

  private Selection selection() {
    return peek().kind() == Kind.SPREAD ? fragment() : field();
  }

  private Field field() {
    Position pos = peekPos();
    String alias = parseName();
    String name = skip(Kind.COLON) ? parseName() : alias;
    List<Argument> arguments = arguments(false);
    List<Directive> directives = directives(false);
    List<Selection> set = peek().kind() == Kind.BRACE_L ? optionalSelectionSet() : List.of();
    return new Field(alias, name, arguments, directives, set, pos);
  }

  private List<Argument> arguments(boolean isConst) {
    return many(Kind.PAREN_L, Kind.PAREN_R, () -> argument(isConst));
  }

  private Argument argument(boolean isConst) {
    Position pos = peekPos();
    String name = parseName();
    expect(Kind.COLON);
    return new Argument(name, valueLiteral(isConst), pos);
  }

  private Selection fragment() {
    expect(Kind.SPREAD);
    Token t = peek();
    if (t.kind() == Kind.NAME && !t.value().equals("on")) {
      Position pos = peekPos();
      return new FragmentSpread(fragmentName(), directives(false), pos);
    }
    Position pos = peekPos();
    String typeCondition = "";
    if (peek().value().equals("on")) {
      next();
      typeCondition = parseName();
    }
    List<Directive> directives = directives(false);
    return new InlineFragment(typeCondition, directives, requiredSelectionSet(), pos);
  }

  private FragmentDefinition fragmentDefinition() {
    Position pos = peekPos();
    expectKeyword("fragment");
    String name = fragmentName();
    List<VariableDefinition> vars = variableDefinitions();
    expectKeyword("on");
    String typeCondition = parseName();
    List<Directive> directives = directives(false);
    return new FragmentDefinition(
        name, vars, typeCondition, directives, requiredSelectionSet(), pos);
  }

  private String fragmentName() {
    if (peek().value().equals("on")) {
      throw unexpected();
    }
    return parseName();
  }

  private Value valueLiteral(boolean isConst) {
    Token t = peek();
    int kind;
    switch (t.kind()) {
      case BRACKET_L -> {
        return listValue(isConst);
      }
      case BRACE_L -> {
        return objectValue(isConst);
      }
      case DOLLAR -> {
        if (isConst) {
          throw unexpected();
        }
        return new Value(variable(), List.of(), Ast.VARIABLE, false, t.position());
      }
      case INT -> kind = Ast.INT;
      case FLOAT -> kind = Ast.FLOAT;
      case STRING -> kind = Ast.STRING;
      case BLOCK_STRING -> kind = Ast.BLOCK;
      case NAME ->
          kind =
              switch (t.value()) {
                case "true", "false" -> Ast.BOOLEAN;
                case "null" -> Ast.NULL;
                default -> Ast.ENUM;
              };
      default -> throw unexpected();
    }
    next();
    return new Value(t.value(), List.of(), kind, false, t.position());
  }

  private Value listValue(boolean isConst) {
    Position pos = peekPos();
    enter();
    List<ChildValue> values =
        many(
            Kind.BRACKET_L,
            Kind.BRACKET_R,
            () -> {
              Value v = valueLiteral(isConst);
              return new ChildValue("", v, v.position());
            });
    depth--;
    return new Value("", values, Ast.LIST, false, pos);
  }

  private Value objectValue(boolean isConst) {
    Position pos = peekPos();
    enter();
    List<ChildValue> fields =
        many(
            Kind.BRACE_L,
            Kind.BRACE_R,
            () -> {
              Position p = peekPos();
              String name = parseName();
              expect(Kind.COLON);
              return new ChildValue(name, valueLiteral(isConst), p);
            });
    depth--;
    return new Value("", fields, Ast.OBJECT, false, pos);
  }

  private List<Directive> directives(boolean isConst) {
    List<Directive> directives = new ArrayList<>();
    while (peek().kind() == Kind.AT) {
      expect(Kind.AT);
      Position pos = peekPos();
      String name = parseName();
      directives.add(new Directive(name, arguments(isConst), "", pos));
    }
    return directives;
  }

  private Type typeReference() {
    enter();
    Type type;
    if (skip(Kind.BRACKET_L)) {
      Position pos = peekPos();
      Type elem = typeReference();
      expect(Kind.BRACKET_R);
      type = new Type("", elem, skip(Kind.BANG), pos);
    } else {
      Position pos = peekPos();
      String name = parseName();
      type = new Type(name, null, skip(Kind.BANG), pos);
    }
    depth--;
    return type;
  }

  // ---- schema documents

  private SchemaDocument schemaDocument() {
    SchemaDocument doc =
        new SchemaDocument(
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>(),
            new ArrayList<>());
    while (peek().kind() != Kind.EOF) {
      String description = description();
      if (peek().kind() != Kind.NAME) {
        throw unexpected();
      }
      switch (peek().value()) {
        case "scalar", "type", "interface", "union", "enum", "input" ->
            doc.definitions().add(typeSystemDefinition(description));
        case "schema" -> doc.schema().add(schemaDefinition(description));
        case "directive" -> doc.directives().add(directiveDefinition(description));
        case "extend" -> {
          if (!description.isEmpty()) {
            throw unexpected(prev);
          }
          typeSystemExtension(doc);
        }
        default -> throw unexpected();
      }
    }
    return doc;
  }

  private String description() {
    Kind k = peek().kind();
    return k == Kind.STRING || k == Kind.BLOCK_STRING ? next().value() : "";
  }

  private Definition typeSystemDefinition(String description) {
    String keyword = peek().value();
    expectKeyword(keyword);
    Position pos = peekPos();
    String name = parseName();
    return switch (keyword) {
      case "scalar" -> definition("SCALAR", description, name, directives(true), pos);
      case "type", "interface" -> {
        List<String> interfaces = implementsInterfaces();
        List<Directive> dirs = directives(true);
        String kind = keyword.equals("type") ? "OBJECT" : "INTERFACE";
        yield new Definition(
            kind,
            description,
            name,
            dirs,
            interfaces,
            fieldsDefinition(),
            List.of(),
            List.of(),
            builtIn,
            pos);
      }
      case "union" -> {
        List<Directive> dirs = directives(true);
        yield new Definition(
            "UNION",
            description,
            name,
            dirs,
            List.of(),
            List.of(),
            unionMembers(),
            List.of(),
            builtIn,
            pos);
      }
      case "enum" -> {
        List<Directive> dirs = directives(true);
        yield new Definition(
            "ENUM",
            description,
            name,
            dirs,
            List.of(),
            List.of(),
            List.of(),
            enumValues(),
            builtIn,
            pos);
      }
      default -> {
        List<Directive> dirs = directives(true);
        yield new Definition(
            "INPUT_OBJECT",
            description,
            name,
            dirs,
            List.of(),
            inputFieldsDefinition(),
            List.of(),
            List.of(),
            builtIn,
            pos);
      }
    };
  }

  private Definition definition(
      String kind, String description, String name, List<Directive> dirs, Position pos) {
    return new Definition(
        kind, description, name, dirs, List.of(), List.of(), List.of(), List.of(), builtIn, pos);
  }

  private SchemaDefinition schemaDefinition(String description) {
    expectKeyword("schema");
    Position pos = peekPos();
    List<Directive> dirs = directives(true);
    return new SchemaDefinition(
        description, dirs, some(Kind.BRACE_L, Kind.BRACE_R, this::operationTypeDefinition), pos);
  }

  private OperationTypeDefinition operationTypeDefinition() {
    Position pos = peekPos();
    String operation = operationType();
    expect(Kind.COLON);
    return new OperationTypeDefinition(operation, parseName(), pos);
  }

  private List<String> implementsInterfaces() {
    List<String> types = new ArrayList<>();
    if (peek().value().equals("implements")) {
      next();
      skip(Kind.AMP);
      types.add(parseName());
      while (skip(Kind.AMP)) {
        types.add(parseName());
      }
    }
    return types;
  }

  private List<FieldDefinition> fieldsDefinition() {
    return some(Kind.BRACE_L, Kind.BRACE_R, this::fieldDefinition);
  }

  private FieldDefinition fieldDefinition() {
    Position pos = peekPos();
    String description = description();
    String name = parseName();
    List<ArgumentDefinition> args = argumentDefinitions();
    expect(Kind.COLON);
    Type type = typeReference();
    return new FieldDefinition(description, name, args, null, type, directives(true), pos);
  }

  private List<ArgumentDefinition> argumentDefinitions() {
    return some(Kind.PAREN_L, Kind.PAREN_R, this::argumentDefinition);
  }

  private ArgumentDefinition argumentDefinition() {
    Position pos = peekPos();
    String description = description();
    String name = parseName();
    expect(Kind.COLON);
    Type type = typeReference();
    Value defaultValue = skip(Kind.EQUALS) ? valueLiteral(true) : null;
    return new ArgumentDefinition(description, name, defaultValue, type, directives(true), pos);
  }

  private FieldDefinition inputValueDefinition() {
    Position pos = peekPos();
    String description = description();
    String name = parseName();
    expect(Kind.COLON);
    Type type = typeReference();
    Value defaultValue = skip(Kind.EQUALS) ? valueLiteral(true) : null;
    return new FieldDefinition(
        description, name, List.of(), defaultValue, type, directives(true), pos);
  }

  private List<FieldDefinition> inputFieldsDefinition() {
    return some(Kind.BRACE_L, Kind.BRACE_R, this::inputValueDefinition);
  }

  private List<String> unionMembers() {
    List<String> types = new ArrayList<>();
    if (skip(Kind.EQUALS)) {
      skip(Kind.PIPE);
      types.add(parseName());
      while (skip(Kind.PIPE)) {
        types.add(parseName());
      }
    }
    return types;
  }

  private List<EnumValueDefinition> enumValues() {
    return some(
        Kind.BRACE_L,
        Kind.BRACE_R,
        () -> {
          Position pos = peekPos();
          String description = description();
          String name = parseName();
          return new EnumValueDefinition(description, name, directives(true), pos);
        });
  }

  private void typeSystemExtension(SchemaDocument doc) {
    expectKeyword("extend");
    String keyword = peek().value();
    if (keyword.equals("schema")) {
      expectKeyword("schema");
      Position pos = peekPos();
      List<Directive> dirs = directives(true);
      List<OperationTypeDefinition> ops =
          some(Kind.BRACE_L, Kind.BRACE_R, this::operationTypeDefinition);
      if (dirs.isEmpty() && ops.isEmpty()) {
        throw unexpected();
      }
      doc.schemaExtension().add(new SchemaDefinition("", dirs, ops, pos));
      return;
    }
    switch (keyword) {
      case "scalar", "type", "interface", "union", "enum", "input" -> {
        expectKeyword(keyword);
        Position pos = peekPos();
        String name = parseName();
        doc.extensions().add(extension(keyword, name, pos));
      }
      default -> throw unexpected();
    }
  }

  private Definition extension(String keyword, String name, Position pos) {
    List<String> interfaces = List.of();
    if (keyword.equals("type")) {
      interfaces = implementsInterfaces();
    }
    List<Directive> dirs = directives(true);
    List<FieldDefinition> fields = List.of();
    List<String> types = List.of();
    List<EnumValueDefinition> values = List.of();
    String kind;
    switch (keyword) {
      case "scalar" -> kind = "SCALAR";
      case "type" -> {
        kind = "OBJECT";
        fields = fieldsDefinition();
      }
      case "interface" -> {
        kind = "INTERFACE";
        fields = fieldsDefinition();
      }
      case "union" -> {
        kind = "UNION";
        types = unionMembers();
      }
      case "enum" -> {
        kind = "ENUM";
        values = enumValues();
      }
      default -> {
        kind = "INPUT_OBJECT";
        fields = inputFieldsDefinition();
      }
    }
    if (interfaces.isEmpty()
        && dirs.isEmpty()
        && fields.isEmpty()
        && types.isEmpty()
        && values.isEmpty()) {
      throw unexpected();
    }
    return new Definition(kind, "", name, dirs, interfaces, fields, types, values, builtIn, pos);
  }

  private DirectiveDefinition directiveDefinition(String description) {
    expectKeyword("directive");
    expect(Kind.AT);
    Position pos = peekPos();
    String name = parseName();
    List<ArgumentDefinition> args = argumentDefinitions();
    boolean repeatable = false;
    if (peek().kind() == Kind.NAME && peek().value().equals("repeatable")) {
      repeatable = true;
      next();
    }
    expectKeyword("on");
    skip(Kind.PIPE);
    List<String> locations = new ArrayList<>();
    locations.add(directiveLocation());
    while (skip(Kind.PIPE)) {
      locations.add(directiveLocation());
    }
    return new DirectiveDefinition(description, name, args, locations, repeatable, pos);
  }

  private String directiveLocation() {
    Token t = expect(Kind.NAME);
    if (LOCATIONS.contains(t.value())) {
      return t.value();
    }
    throw unexpected(t);
  }
}
