package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Ast.ChildValue;
import dev.vigil.rego.builtins.graphql.Ast.EnumValueDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Ast.Value;
import dev.vigil.rego.builtins.graphql.Schema.TypeDef;
import java.util.List;

/** gqlparser's "values of correct type" rule: literals checked against their expected type. */
final class ValueChecks {

  private static final List<String> BUILT_IN_SCALARS =
      List.of("Int", "Float", "String", "Boolean", "ID");

  private ValueChecks() {}

  static void check(QueryValidator v, Value value, Type expected, TypeDef def) {
    if (def == null || expected == null) {
      return;
    }
    if (value.kind() == Ast.NULL && expected.nonNull()) {
      v.problem(
          "Expected value of type \"" + expected + "\", found " + describe(value) + ".",
          value.position());
    }
    if (def.kind.equals("SCALAR") && !BUILT_IN_SCALARS.contains(def.name)) {
      return;
    }
    List<String> enums =
        def.kind.equals("ENUM")
            ? def.enumValues.stream().map(EnumValueDefinition::name).toList()
            : List.of();
    if ((value.kind() == Ast.INT && !fitsInt64(value.raw()))
        || (value.kind() == Ast.FLOAT && Double.isInfinite(Double.parseDouble(value.raw())))) {
      unexpectedType(v, value, expected, def);
    }
    switch (value.kind()) {
      case Ast.LIST -> {
        if (expected.elem() == null) {
          unexpectedType(v, value, expected, def);
        }
      }
      case Ast.INT -> {
        if (!List.of("Int", "Float", "ID").contains(def.name)) {
          unexpectedType(v, value, expected, def);
        }
      }
      case Ast.FLOAT -> {
        if (!def.name.equals("Float")) {
          unexpectedType(v, value, expected, def);
        }
      }
      case Ast.STRING, Ast.BLOCK -> {
        if (def.kind.equals("ENUM")) {
          v.problem(
              "Enum \""
                  + expected
                  + "\" cannot represent non-enum value: "
                  + describe(value)
                  + "."
                  + Suggestions.quoted("Did you mean the enum value", value.raw(), enums),
              value.position());
        } else if (!List.of("String", "ID").contains(def.name)) {
          unexpectedType(v, value, expected, def);
        }
      }
      case Ast.ENUM -> {
        if (!def.kind.equals("ENUM")) {
          v.problem(
              unexpectedTypeMessage(value, expected, def)
                  + Suggestions.unquoted("Did you mean the enum value", value.raw(), enums),
              value.position());
        } else if (!enums.contains(value.raw())) {
          v.problem(
              "Value \""
                  + describe(value)
                  + "\" does not exist in \""
                  + expected
                  + "\" enum."
                  + Suggestions.quoted("Did you mean the enum value", value.raw(), enums),
              value.position());
        }
      }
      case Ast.BOOLEAN -> {
        if (!def.name.equals("Boolean")) {
          unexpectedType(v, value, expected, def);
        }
      }
      case Ast.OBJECT -> objectValue(v, value, def);
      default -> {}
    }
  }

  private static void objectValue(QueryValidator v, Value value, TypeDef def) {
    for (FieldDefinition f : def.fields) {
      if (f.type().nonNull() && child(value, f.name()) == null && f.defaultValue() == null) {
        v.problem(
            "Field \""
                + def.name
                + "."
                + f.name()
                + "\" of required type \""
                + f.type()
                + "\" was not provided.",
            value.position());
      }
    }
    List<String> names = def.fields.stream().map(FieldDefinition::name).toList();
    for (ChildValue c : value.children()) {
      if (def.field(c.name()) == null) {
        v.problem(
            "Field \""
                + c.name()
                + "\" is not defined by type \""
                + def.name
                + "\"."
                + Suggestions.quoted("Did you mean", c.name(), names),
            c.position());
      }
    }
  }

  private static ChildValue child(Value value, String name) {
    for (ChildValue c : value.children()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static void unexpectedType(QueryValidator v, Value value, Type expected, TypeDef def) {
    v.problem(unexpectedTypeMessage(value, expected, def), value.position());
  }

  private static String unexpectedTypeMessage(Value value, Type expected, TypeDef def) {
    String shown = describe(value);
    return switch (expected.toString()) {
      case "Int", "Int!" ->
          value.kind() == Ast.INT && !QueryValidator.fitsInt32(value.raw())
              ? "Int cannot represent non 32-bit signed integer value: " + shown
              : "Int cannot represent non-integer value: " + shown;
      case "String", "String!", "[String]" ->
          "String cannot represent a non string value: " + shown;
      case "Boolean", "Boolean!" -> "Boolean cannot represent a non boolean value: " + shown;
      case "Float", "Float!" -> "Float cannot represent non numeric value: " + shown;
      case "ID", "ID!" -> "ID cannot represent a non-string and non-integer value: " + shown;
      default ->
          def.kind.equals("ENUM")
              ? "Enum \"" + expected + "\" cannot represent non-enum value: " + shown + "."
              : "Expected value of type \"" + expected + "\", found " + shown + ".";
    };
  }

  private static boolean fitsInt64(String raw) {
    try {
      Long.parseLong(raw);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Writes the value as gqlparser's {@code Value.String} does. */
  static String describe(Value value) {
    return value.describe();
  }
}
