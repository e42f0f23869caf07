package dev.vigil.rego.builtins.graphql;

import java.util.List;

/**
 * The GraphQL syntax tree, shaped as vektah/gqlparser shapes it, because OPA hands that shape to
 * policies as JSON. Lists are never null (empty when absent); optional nodes may be null. Positions
 * are null for trees decoded from policy values.
 */
public final class Ast {

  private Ast() {}

  /** A line and column, both counted from 1, columns in code points. */
  public record Position(int line, int column) {}

  /** An executable document: operations and fragments. */
  public record QueryDocument(
      List<OperationDefinition> operations, List<FragmentDefinition> fragments) {}

  public record OperationDefinition(
      String operation,
      String name,
      List<VariableDefinition> variableDefinitions,
      List<Directive> directives,
      List<Selection> selectionSet,
      Position position) {}

  public record VariableDefinition(
      String variable,
      Type type,
      Value defaultValue,
      List<Directive> directives,
      Position position) {}

  /** A type reference: a named type, or a list of {@code elem}; either may be non-null. */
  public record Type(String namedType, Type elem, boolean nonNull, Position position) {

    /** Returns the innermost named type. */
    public String name() {
      return namedType.isEmpty() && elem != null ? elem.name() : namedType;
    }

    /** Returns the type as GraphQL writes it: {@code [String!]!}. */
    @Override
    public String toString() {
      String base = namedType.isEmpty() && elem != null ? "[" + elem + "]" : namedType;
      return nonNull ? base + "!" : base;
    }
  }

  /** The kinds of value, numbered as gqlparser numbers them. */
  public static final int VARIABLE = 0;

  public static final int INT = 1;
  public static final int FLOAT = 2;
  public static final int STRING = 3;
  public static final int BLOCK = 4;
  public static final int BOOLEAN = 5;
  public static final int NULL = 6;
  public static final int ENUM = 7;
  public static final int LIST = 8;
  public static final int OBJECT = 9;

  /** A literal or variable; lists and objects hold children (unnamed for lists). */
  public record Value(
      String raw,
      List<ChildValue> children,
      int kind,
      boolean expectedTypeHasDefault,
      Position position) {

    /**
     * Writes the value as gqlparser's validator quotes it in messages: {@code $v}, {@code [1,2]}.
     */
    public String describe() {
      return switch (kind) {
        case VARIABLE -> "$" + raw;
        case STRING, BLOCK -> GoQuote.quote(raw);
        case LIST -> {
          StringBuilder b = new StringBuilder("[");
          for (int i = 0; i < children.size(); i++) {
            b.append(i == 0 ? "" : ",").append(describe(children.get(i).value()));
          }
          yield b.append(']').toString();
        }
        case OBJECT -> {
          StringBuilder b = new StringBuilder("{");
          for (int i = 0; i < children.size(); i++) {
            ChildValue c = children.get(i);
            b.append(i == 0 ? "" : ",").append(c.name()).append(':').append(describe(c.value()));
          }
          yield b.append('}').toString();
        }
        default -> raw;
      };
    }

    private static String describe(Value v) {
      return v == null ? "<nil>" : v.describe();
    }
  }

  public record ChildValue(String name, Value value, Position position) {}

  /** A field, fragment spread or inline fragment. */
  public sealed interface Selection permits Field, FragmentSpread, InlineFragment {
    Position position();
  }

  public record Field(
      String alias,
      String name,
      List<Argument> arguments,
      List<Directive> directives,
      List<Selection> selectionSet,
      Position position)
      implements Selection {}

  public record Argument(String name, Value value, Position position) {}

  public record FragmentSpread(String name, List<Directive> directives, Position position)
      implements Selection {}

  public record InlineFragment(
      String typeCondition,
      List<Directive> directives,
      List<Selection> selectionSet,
      Position position)
      implements Selection {}

  public record FragmentDefinition(
      String name,
      List<VariableDefinition> variableDefinition,
      String typeCondition,
      List<Directive> directives,
      List<Selection> selectionSet,
      Position position) {}

  /** A directive applied somewhere; {@code location} is empty until validation places it. */
  public record Directive(
      String name, List<Argument> arguments, String location, Position position) {}

  /** A schema document: type system definitions and extensions. */
  public record SchemaDocument(
      List<SchemaDefinition> schema,
      List<SchemaDefinition> schemaExtension,
      List<DirectiveDefinition> directives,
      List<Definition> definitions,
      List<Definition> extensions) {}

  public record SchemaDefinition(
      String description,
      List<Directive> directives,
      List<OperationTypeDefinition> operationTypes,
      Position position) {}

  public record OperationTypeDefinition(String operation, String type, Position position) {}

  public record DirectiveDefinition(
      String description,
      String name,
      List<ArgumentDefinition> arguments,
      List<String> locations,
      boolean isRepeatable,
      Position position) {}

  /** A type definition or extension of any kind (SCALAR, OBJECT, INTERFACE, UNION, ENUM, ...). */
  public record Definition(
      String kind,
      String description,
      String name,
      List<Directive> directives,
      List<String> interfaces,
      List<FieldDefinition> fields,
      List<String> types,
      List<EnumValueDefinition> enumValues,
      boolean builtIn,
      Position position) {}

  public record FieldDefinition(
      String description,
      String name,
      List<ArgumentDefinition> arguments,
      Value defaultValue,
      Type type,
      List<Directive> directives,
      Position position) {}

  public record ArgumentDefinition(
      String description,
      String name,
      Value defaultValue,
      Type type,
      List<Directive> directives,
      Position position) {}

  public record EnumValueDefinition(
      String description, String name, List<Directive> directives, Position position) {}
}
