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
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads syntax trees back from policy values, the way OPA does: through Go's JSON decoding into
 * gqlparser's structs. Keys match field names ignoring case, except for operations, fragments and
 * fields, whose decoders want exact names; unknown keys are ignored; a value of the wrong kind is
 * an error. Like gqlparser, a selection decodes as a field whenever it can.
 */
public final class AstDecoder {

  private int depth;

  private AstDecoder() {}

  /** Thrown for a value that Go's decoder would refuse, with a message in its words. */
  public static class DecodeException extends RuntimeException {
    DecodeException(String message) {
      super(message, null, false, false);
    }
  }

  /** Thrown for a tree nested beyond {@link Parser#MAX_DEPTH}; never retried another way. */
  static final class TooDeepException extends DecodeException {
    TooDeepException(String message) {
      super(message);
    }
  }

  public static QueryDocument queryDocument(ObjectValue o) {
    AstDecoder d = new AstDecoder();
    Map<String, Value> f = d.fields(o, false, "QueryDocument", "Operations", "Fragments");
    return new QueryDocument(
        d.list(f.get("Operations"), d::operation), d.list(f.get("Fragments"), d::fragment));
  }

  public static SchemaDocument schemaDocument(ObjectValue o) {
    AstDecoder d = new AstDecoder();
    Map<String, Value> f =
        d.fields(
            o,
            false,
            "SchemaDocument",
            "Schema",
            "SchemaExtension",
            "Directives",
            "Definitions",
            "Extensions");
    return new SchemaDocument(
        d.list(f.get("Schema"), d::schemaDefinition),
        d.list(f.get("SchemaExtension"), d::schemaDefinition),
        d.list(f.get("Directives"), d::directiveDefinition),
        d.list(f.get("Definitions"), d::definition),
        d.list(f.get("Extensions"), d::definition));
  }

  private OperationDefinition operation(Value v) {
    Map<String, Value> f =
        fields(
            v,
            true,
            "OperationDefinition",
            "Operation",
            "Name",
            "VariableDefinitions",
            "Directives",
            "SelectionSet");
    return new OperationDefinition(
        string(f, "Operation"),
        string(f, "Name"),
        list(f.get("VariableDefinitions"), this::variable),
        list(f.get("Directives"), this::directive),
        selections(f.get("SelectionSet")),
        null);
  }

  private FragmentDefinition fragment(Value v) {
    Map<String, Value> f =
        fields(
            v,
            true,
            "FragmentDefinition",
            "Name",
            "VariableDefinition",
            "TypeCondition",
            "Directives",
            "SelectionSet");
    return new FragmentDefinition(
        string(f, "Name"),
        list(f.get("VariableDefinition"), this::variable),
        string(f, "TypeCondition"),
        list(f.get("Directives"), this::directive),
        selections(f.get("SelectionSet")),
        null);
  }

  private VariableDefinition variable(Value v) {
    Map<String, Value> f =
        fields(
            v,
            false,
            "VariableDefinition",
            "Variable",
            "Type",
            "DefaultValue",
            "Directives",
            "Used");
    bool(f, "Used");
    return new VariableDefinition(
        string(f, "Variable"),
        requiredType(f),
        value(f.get("DefaultValue")),
        list(f.get("Directives"), this::directive),
        null);
  }

  /**
   * Decodes the Type of a variable, field or argument. gqlparser would fail on a missing one while
   * validating (a nil dereference), so it is refused here with a plain message.
   */
  private Type requiredType(Map<String, Value> f) {
    Type t = type(f.get("Type"));
    if (t == null) {
      throw new DecodeException(
          "GraphQL AST "
              + structOf(f)
              + " "
              + GoQuote.quote(string(f, nameKey(f)))
              + " has no Type");
    }
    return t;
  }

  private static String nameKey(Map<String, Value> f) {
    return f.containsKey("Variable") ? "Variable" : "Name";
  }

  private Type type(Value v) {
    if (v == null || v instanceof NullValue) {
      return null;
    }
    enter();
    Map<String, Value> f = fields(v, false, "Type", "NamedType", "Elem", "NonNull");
    Type t = new Type(string(f, "NamedType"), type(f.get("Elem")), bool(f, "NonNull"), null);
    depth--;
    return t;
  }

  private Ast.Value value(Value v) {
    if (v == null || v instanceof NullValue) {
      return null;
    }
    enter();
    Map<String, Value> f =
        fields(v, false, "Value", "Raw", "Children", "Kind", "ExpectedTypeHasDefault");
    Ast.Value out =
        new Ast.Value(
            string(f, "Raw"),
            list(f.get("Children"), this::child),
            integer(f, "Kind", "Value"),
            bool(f, "ExpectedTypeHasDefault"),
            null);
    depth--;
    return out;
  }

  private ChildValue child(Value v) {
    Map<String, Value> f = fields(v, false, "ChildValue", "Name", "Value");
    return new ChildValue(string(f, "Name"), value(f.get("Value")), null);
  }

  /**
   * Decodes a selection set as gqlparser does: each item as a field, failing that as a fragment
   * spread, failing that as an inline fragment; an item that fits none is dropped.
   */
  private List<Selection> selections(Value v) {
    if (v == null || v instanceof NullValue) {
      return List.of();
    }
    List<Value> items = elements(v, "SelectionSet");
    List<Selection> out = new ArrayList<>();
    enter();
    for (Value item : items) {
      Selection s = firstDecoding(item, this::field, this::fragmentSpread, this::inlineFragment);
      if (s != null) {
        out.add(s);
      }
    }
    depth--;
    return out;
  }

  @SafeVarargs
  private Selection firstDecoding(Value item, Function<Value, Selection>... decoders) {
    for (Function<Value, Selection> d : decoders) {
      int saved = depth;
      try {
        return d.apply(item);
      } catch (TooDeepException e) {
        throw e;
      } catch (DecodeException e) {
        depth = saved;
      }
    }
    return null;
  }

  private Selection fragmentSpread(Value v) {
    Map<String, Value> f = fields(v, false, "FragmentSpread", "Name", "Directives");
    return new Ast.FragmentSpread(
        string(f, "Name"), list(f.get("Directives"), this::directive), null);
  }

  private Selection inlineFragment(Value v) {
    Map<String, Value> f =
        fields(v, true, "InlineFragment", "TypeCondition", "Directives", "SelectionSet");
    return new Ast.InlineFragment(
        string(f, "TypeCondition"),
        list(f.get("Directives"), this::directive),
        selections(f.get("SelectionSet")),
        null);
  }

  private Field field(Value v) {
    Map<String, Value> f =
        fields(v, true, "Field", "Alias", "Name", "Arguments", "Directives", "SelectionSet");
    return new Field(
        string(f, "Alias"),
        string(f, "Name"),
        list(f.get("Arguments"), this::argument),
        list(f.get("Directives"), this::directive),
        selections(f.get("SelectionSet")),
        null);
  }

  private Argument argument(Value v) {
    Map<String, Value> f = fields(v, false, "Argument", "Name", "Value");
    return new Argument(string(f, "Name"), value(f.get("Value")), null);
  }

  private Directive directive(Value v) {
    Map<String, Value> f = fields(v, false, "Directive", "Name", "Arguments", "Location");
    return new Directive(
        string(f, "Name"), list(f.get("Arguments"), this::argument), string(f, "Location"), null);
  }

  private SchemaDefinition schemaDefinition(Value v) {
    Map<String, Value> f =
        fields(v, false, "SchemaDefinition", "Description", "Directives", "OperationTypes");
    return new SchemaDefinition(
        string(f, "Description"),
        list(f.get("Directives"), this::directive),
        list(f.get("OperationTypes"), this::operationType),
        null);
  }

  private OperationTypeDefinition operationType(Value v) {
    Map<String, Value> f = fields(v, false, "OperationTypeDefinition", "Operation", "Type");
    return new OperationTypeDefinition(string(f, "Operation"), string(f, "Type"), null);
  }

  private DirectiveDefinition directiveDefinition(Value v) {
    Map<String, Value> f =
        fields(
            v,
            false,
            "DirectiveDefinition",
            "Description",
            "Name",
            "Arguments",
            "Locations",
            "IsRepeatable");
    return new DirectiveDefinition(
        string(f, "Description"),
        string(f, "Name"),
        list(f.get("Arguments"), this::argumentDefinition),
        list(f.get("Locations"), x -> stringValue(x, "DirectiveDefinition.Locations")),
        bool(f, "IsRepeatable"),
        null);
  }

  private Definition definition(Value v) {
    Map<String, Value> f =
        fields(
            v,
            false,
            "Definition",
            "Kind",
            "Description",
            "Name",
            "Directives",
            "Interfaces",
            "Fields",
            "Types",
            "EnumValues",
            "BuiltIn");
    return new Definition(
        string(f, "Kind"),
        string(f, "Description"),
        string(f, "Name"),
        list(f.get("Directives"), this::directive),
        list(f.get("Interfaces"), x -> stringValue(x, "Definition.Interfaces")),
        list(f.get("Fields"), this::fieldDefinition),
        list(f.get("Types"), x -> stringValue(x, "Definition.Types")),
        list(f.get("EnumValues"), this::enumValue),
        bool(f, "BuiltIn"),
        null);
  }

  private FieldDefinition fieldDefinition(Value v) {
    Map<String, Value> f =
        fields(
            v,
            false,
            "FieldDefinition",
            "Description",
            "Name",
            "Arguments",
            "DefaultValue",
            "Type",
            "Directives");
    return new FieldDefinition(
        string(f, "Description"),
        string(f, "Name"),
        list(f.get("Arguments"), this::argumentDefinition),
        value(f.get("DefaultValue")),
        requiredType(f),
        list(f.get("Directives"), this::directive),
        null);
  }

  private ArgumentDefinition argumentDefinition(Value v) {
    Map<String, Value> f =
        fields(
            v,
            false,
            "ArgumentDefinition",
            "Description",
            "Name",
            "DefaultValue",
            "Type",
            "Directives");
    return new ArgumentDefinition(
        string(f, "Description"),
        string(f, "Name"),
        value(f.get("DefaultValue")),
        requiredType(f),
        list(f.get("Directives"), this::directive),
        null);
  }

  private EnumValueDefinition enumValue(Value v) {
    Map<String, Value> f =
        fields(v, false, "EnumValueDefinition", "Description", "Name", "Directives");
    return new EnumValueDefinition(
        string(f, "Description"),
        string(f, "Name"),
        list(f.get("Directives"), this::directive),
        null);
  }

  // ---- Go decoding rules

  private void enter() {
    if (++depth > Parser.MAX_DEPTH) {
      throw new TooDeepException("GraphQL AST nested deeper than " + Parser.MAX_DEPTH + " levels");
    }
  }

  /**
   * Matches the object's keys to the struct's fields: exactly, or (unless {@code exact}) ignoring
   * case; keys are visited in sorted order so a later match wins, as Go sees them.
   */
  private Map<String, Value> fields(Value v, boolean exact, String struct, String... names) {
    if (!(v instanceof ObjectValue o)) {
      throw mismatch(v, struct, struct);
    }
    Map<String, Value> out = new HashMap<>();
    for (Value k : o.keys()) {
      if (!(k instanceof StringValue ks)) {
        continue;
      }
      String match = null;
      for (String name : names) {
        if (name.equals(ks.value())) {
          match = name;
          break;
        }
        if (!exact && match == null && name.equalsIgnoreCase(ks.value())) {
          match = name;
        }
      }
      if (match != null) {
        Value val = o.get(k);
        out.put(match, val);
      }
    }
    out.put("", StringValue.of(struct));
    return out;
  }

  private String string(Map<String, Value> f, String name) {
    Value v = f.get(name);
    if (v == null || v instanceof NullValue) {
      return "";
    }
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw mismatch(v, structOf(f) + "." + name, "string");
  }

  private static String stringValue(Value v, String where) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    if (v instanceof NullValue) {
      return "";
    }
    throw mismatch(v, where, "string");
  }

  private boolean bool(Map<String, Value> f, String name) {
    Value v = f.get(name);
    if (v == null || v instanceof NullValue) {
      return false;
    }
    if (v instanceof BooleanValue b) {
      return b.value();
    }
    throw mismatch(v, structOf(f) + "." + name, "bool");
  }

  private int integer(Map<String, Value> f, String name, String struct) {
    Value v = f.get(name);
    if (v == null || v instanceof NullValue) {
      return 0;
    }
    if (v instanceof NumberValue n) {
      Long l = n.longValueExact();
      if (l != null && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
        return (int) (long) l;
      }
      throw new DecodeException(
          "json: cannot unmarshal number "
              + n
              + " into Go struct field "
              + struct
              + "."
              + name
              + " of type ast.ValueKind");
    }
    throw mismatch(v, struct + "." + name, "ast.ValueKind");
  }

  private static String structOf(Map<String, Value> f) {
    return ((StringValue) f.get("")).value();
  }

  private <T> List<T> list(Value v, Function<Value, T> item) {
    if (v == null || v instanceof NullValue) {
      return List.of();
    }
    List<T> out = new ArrayList<>();
    for (Value e : elements(v, "list")) {
      if (e instanceof NullValue) {
        continue;
      }
      out.add(item.apply(e));
    }
    return out;
  }

  private static List<Value> elements(Value v, String where) {
    if (v instanceof ArrayValue a) {
      return a.elements();
    }
    if (v instanceof SetValue s) {
      return new ArrayList<>(s.elements());
    }
    throw mismatch(v, where, "array");
  }

  private static DecodeException mismatch(Value v, String field, String goType) {
    String kind =
        switch (v) {
          case StringValue s -> "string";
          case NumberValue n -> "number";
          case BooleanValue b -> "bool";
          case ArrayValue a -> "array";
          case SetValue s -> "array";
          case ObjectValue o -> "object";
          case NullValue n -> "null";
        };
    return new DecodeException(
        "json: cannot unmarshal " + kind + " into Go struct field " + field + " of type " + goType);
  }
}
