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
import dev.vigil.rego.builtins.graphql.Ast.QueryDocument;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDefinition;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDocument;
import dev.vigil.rego.builtins.graphql.Ast.Selection;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Ast.VariableDefinition;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes syntax trees as the values OPA returns: gqlparser's Go field names, with positions, nulls
 * and empty lists or objects left out (also inside lists), while empty strings and false stay.
 */
public final class AstEncoder {

  private AstEncoder() {}

  public static Value encode(QueryDocument doc) {
    return obj("Operations", list(doc.operations(), AstEncoder::operation))
        .and("Fragments", list(doc.fragments(), AstEncoder::fragment))
        .build();
  }

  public static Value encode(SchemaDocument doc) {
    return obj("Schema", list(doc.schema(), AstEncoder::schemaDefinition))
        .and("SchemaExtension", list(doc.schemaExtension(), AstEncoder::schemaDefinition))
        .and("Directives", list(doc.directives(), AstEncoder::directiveDefinition))
        .and("Definitions", list(doc.definitions(), AstEncoder::definition))
        .and("Extensions", list(doc.extensions(), AstEncoder::definition))
        .build();
  }

  private static Value operation(OperationDefinition o) {
    return obj("Operation", str(o.operation()))
        .and("Name", str(o.name()))
        .and("VariableDefinitions", list(o.variableDefinitions(), AstEncoder::variable))
        .and("Directives", list(o.directives(), AstEncoder::directive))
        .and("SelectionSet", selections(o.selectionSet()))
        .build();
  }

  private static Value variable(VariableDefinition v) {
    return obj("Variable", str(v.variable()))
        .and("Type", type(v.type()))
        .and("DefaultValue", value(v.defaultValue()))
        .and("Directives", list(v.directives(), AstEncoder::directive))
        .and("Used", BooleanValue.FALSE)
        .build();
  }

  private static Value type(Type t) {
    if (t == null) {
      return null;
    }
    return obj("NamedType", str(t.namedType()))
        .and("Elem", type(t.elem()))
        .and("NonNull", BooleanValue.of(t.nonNull()))
        .build();
  }

  private static Value value(Ast.Value v) {
    if (v == null) {
      return null;
    }
    return obj("Raw", str(v.raw()))
        .and("Children", list(v.children(), AstEncoder::child))
        .and("Kind", NumberValue.of(v.kind()))
        .and("ExpectedTypeHasDefault", BooleanValue.of(v.expectedTypeHasDefault()))
        .build();
  }

  private static Value child(ChildValue c) {
    return obj("Name", str(c.name())).and("Value", value(c.value())).build();
  }

  private static Value selections(List<Selection> set) {
    return list(set, AstEncoder::selection);
  }

  private static Value selection(Selection s) {
    return switch (s) {
      case Field f ->
          obj("Alias", str(f.alias()))
              .and("Name", str(f.name()))
              .and("Arguments", list(f.arguments(), AstEncoder::argument))
              .and("Directives", list(f.directives(), AstEncoder::directive))
              .and("SelectionSet", selections(f.selectionSet()))
              .build();
      case FragmentSpread fs ->
          obj("Name", str(fs.name()))
              .and("Directives", list(fs.directives(), AstEncoder::directive))
              .build();
      case InlineFragment inf ->
          obj("TypeCondition", str(inf.typeCondition()))
              .and("Directives", list(inf.directives(), AstEncoder::directive))
              .and("SelectionSet", selections(inf.selectionSet()))
              .build();
    };
  }

  private static Value argument(Argument a) {
    return obj("Name", str(a.name())).and("Value", value(a.value())).build();
  }

  private static Value directive(Directive d) {
    return obj("Name", str(d.name()))
        .and("Arguments", list(d.arguments(), AstEncoder::argument))
        .and("Location", str(d.location()))
        .build();
  }

  private static Value fragment(FragmentDefinition f) {
    return obj("Name", str(f.name()))
        .and("VariableDefinition", list(f.variableDefinition(), AstEncoder::variable))
        .and("TypeCondition", str(f.typeCondition()))
        .and("Directives", list(f.directives(), AstEncoder::directive))
        .and("SelectionSet", selections(f.selectionSet()))
        .build();
  }

  private static Value schemaDefinition(SchemaDefinition s) {
    return obj("Description", str(s.description()))
        .and("Directives", list(s.directives(), AstEncoder::directive))
        .and("OperationTypes", list(s.operationTypes(), AstEncoder::operationType))
        .build();
  }

  private static Value operationType(OperationTypeDefinition o) {
    return obj("Operation", str(o.operation())).and("Type", str(o.type())).build();
  }

  private static Value directiveDefinition(DirectiveDefinition d) {
    return obj("Description", str(d.description()))
        .and("Name", str(d.name()))
        .and("Arguments", list(d.arguments(), AstEncoder::argumentDefinition))
        .and("Locations", list(d.locations(), AstEncoder::str))
        .and("IsRepeatable", BooleanValue.of(d.isRepeatable()))
        .build();
  }

  private static Value definition(Definition d) {
    return obj("Kind", str(d.kind()))
        .and("Description", str(d.description()))
        .and("Name", str(d.name()))
        .and("Directives", list(d.directives(), AstEncoder::directive))
        .and("Interfaces", list(d.interfaces(), AstEncoder::str))
        .and("Fields", list(d.fields(), AstEncoder::fieldDefinition))
        .and("Types", list(d.types(), AstEncoder::str))
        .and("EnumValues", list(d.enumValues(), AstEncoder::enumValue))
        .and("BuiltIn", BooleanValue.of(d.builtIn()))
        .build();
  }

  private static Value fieldDefinition(FieldDefinition f) {
    return obj("Description", str(f.description()))
        .and("Name", str(f.name()))
        .and("Arguments", list(f.arguments(), AstEncoder::argumentDefinition))
        .and("DefaultValue", value(f.defaultValue()))
        .and("Type", type(f.type()))
        .and("Directives", list(f.directives(), AstEncoder::directive))
        .build();
  }

  private static Value argumentDefinition(ArgumentDefinition a) {
    return obj("Description", str(a.description()))
        .and("Name", str(a.name()))
        .and("DefaultValue", value(a.defaultValue()))
        .and("Type", type(a.type()))
        .and("Directives", list(a.directives(), AstEncoder::directive))
        .build();
  }

  private static Value enumValue(EnumValueDefinition e) {
    return obj("Description", str(e.description()))
        .and("Name", str(e.name()))
        .and("Directives", list(e.directives(), AstEncoder::directive))
        .build();
  }

  private static Value str(String s) {
    return StringValue.of(s);
  }

  /** Encodes the items, leaving out those that encode to nothing; null when none remain. */
  private static <T> Value list(List<T> items, Function<T, Value> encode) {
    List<Value> out = new ArrayList<>(items.size());
    for (T item : items) {
      Value v = item == null ? null : encode.apply(item);
      if (v != null && !isEmpty(v)) {
        out.add(v);
      }
    }
    return out.isEmpty() ? null : ArrayValue.of(out);
  }

  private static boolean isEmpty(Value v) {
    return v instanceof NullValue
        || (v instanceof ArrayValue a && a.size() == 0)
        || (v instanceof ObjectValue o && o.size() == 0);
  }

  private static ObjectBuilder obj(String key, Value value) {
    return new ObjectBuilder().and(key, value);
  }

  /** Builds an object, leaving out keys whose value is null or empty. */
  private static final class ObjectBuilder {
    private final Map<Value, Value> entries = new HashMap<>();

    ObjectBuilder and(String key, Value value) {
      if (value != null && !isEmpty(value)) {
        entries.put(StringValue.of(key), value);
      }
      return this;
    }

    Value build() {
      return ObjectValue.wrap(entries);
    }
  }
}
