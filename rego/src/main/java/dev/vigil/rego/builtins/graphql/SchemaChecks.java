package dev.vigil.rego.builtins.graphql;

import static dev.vigil.rego.builtins.graphql.Schema.fail;

import dev.vigil.rego.builtins.graphql.Ast.Argument;
import dev.vigil.rego.builtins.graphql.Ast.ArgumentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Directive;
import dev.vigil.rego.builtins.graphql.Ast.DirectiveDefinition;
import dev.vigil.rego.builtins.graphql.Ast.EnumValueDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Position;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Schema.TypeDef;
import java.util.List;

/** The per-type and per-directive checks of gqlparser's schema validation, in its order. */
final class SchemaChecks {

  private static final List<String> OUTPUT_KINDS =
      List.of("SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM");
  private static final List<String> INPUT_KINDS = List.of("SCALAR", "ENUM", "INPUT_OBJECT");

  private final Schema schema;

  SchemaChecks(Schema schema) {
    this.schema = schema;
  }

  void directiveDefinition(DirectiveDefinition d) {
    name(d.position(), d.name());
    arguments(d.arguments(), d);
  }

  void definition(TypeDef def) {
    for (FieldDefinition f : def.fields) {
      name(f.position(), f.name());
      typeRef(f.type());
      arguments(f.arguments(), null);
      String location =
          def.kind.equals("INPUT_OBJECT") ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION";
      directives(f.directives(), location, null);
    }
    for (String member : def.types) {
      TypeDef t = schema.types.get(member);
      if (t == null) {
        throw fail(def.position, "Undefined type " + GoQuote.quote(member) + ".");
      }
      if (!t.kind.equals("OBJECT")) {
        throw fail(def.position, def.kind + " type " + GoQuote.quote(member) + " must be OBJECT.");
      }
    }
    for (String intf : def.interfaces) {
      implementsInterface(def, intf);
    }
    switch (def.kind) {
      case "OBJECT", "INTERFACE" -> {
        if (def.fields.isEmpty()) {
          throw fail(def.position, def.kind + " " + def.name + ": must define one or more fields.");
        }
        for (FieldDefinition f : def.fields) {
          TypeDef t = schema.types.get(f.type().name());
          if (t != null && !OUTPUT_KINDS.contains(t.kind)) {
            throw fail(
                f.position(),
                def.kind
                    + " "
                    + def.name
                    + ": field must be one of "
                    + String.join(", ", OUTPUT_KINDS)
                    + ".");
          }
        }
      }
      case "ENUM" -> {
        if (def.enumValues.isEmpty()) {
          throw fail(
              def.position,
              def.kind + " " + def.name + ": must define one or more unique enum values.");
        }
        for (EnumValueDefinition v : def.enumValues) {
          if (List.of("true", "false", "null").contains(v.name())) {
            throw fail(
                def.position, def.kind + " " + def.name + ": non-enum value " + v.name() + ".");
          }
          directives(v.directives(), "ENUM_VALUE", null);
        }
      }
      case "INPUT_OBJECT" -> {
        if (def.fields.isEmpty()) {
          throw fail(
              def.position, def.kind + " " + def.name + ": must define one or more input fields.");
        }
        for (FieldDefinition f : def.fields) {
          TypeDef t = schema.types.get(f.type().name());
          if (t != null && !INPUT_KINDS.contains(t.kind)) {
            throw fail(
                f.position(),
                t.kind
                    + " "
                    + f.name()
                    + ": field must be one of "
                    + String.join(", ", INPUT_KINDS)
                    + ".");
          }
        }
      }
      default -> {}
    }
    for (int i = 0; i < def.fields.size(); i++) {
      for (int j = i + 1; j < def.fields.size(); j++) {
        FieldDefinition second = def.fields.get(j);
        if (def.fields.get(i).name().equals(second.name())) {
          throw fail(
              second.position(),
              "Field " + def.name + "." + second.name() + " can only be defined once.");
        }
      }
    }
    if (!def.builtIn) {
      name(def.position, def.name);
    }
    directives(def.directives, def.kind, null);
  }

  private void implementsInterface(TypeDef def, String intfName) {
    TypeDef intf = schema.types.get(intfName);
    if (intf == null) {
      throw fail(def.position, "Undefined type " + GoQuote.quote(intfName) + ".");
    }
    if (!intf.kind.equals("INTERFACE")) {
      throw fail(
          def.position, GoQuote.quote(intfName) + " is a non interface type " + intf.kind + ".");
    }
    String prefix = "For " + def.name + " to implement " + intf.name;
    for (FieldDefinition required : intf.fields) {
      FieldDefinition found = def.field(required.name());
      if (found == null) {
        throw fail(def.position, prefix + " it must have a field called " + required.name() + ".");
      }
      if (!isCovariant(required.type(), found.type())) {
        throw fail(
            found.position(),
            prefix + " the field " + required.name() + " must have type " + required.type() + ".");
      }
      for (ArgumentDefinition reqArg : required.arguments()) {
        ArgumentDefinition foundArg = argument(found.arguments(), reqArg.name());
        if (foundArg == null) {
          throw fail(
              found.position(),
              prefix
                  + " the field "
                  + required.name()
                  + " must have the same arguments but it is missing "
                  + reqArg.name()
                  + ".");
        }
        if (!compatible(reqArg.type(), foundArg.type())) {
          throw fail(
              foundArg.position(),
              prefix
                  + " the field "
                  + required.name()
                  + " must have the same arguments but "
                  + reqArg.name()
                  + " has the wrong type.");
        }
      }
      for (ArgumentDefinition extra : found.arguments()) {
        if (argument(required.arguments(), extra.name()) == null
            && extra.type().nonNull()
            && extra.defaultValue() == null) {
          throw fail(
              extra.position(),
              prefix
                  + " any additional arguments on "
                  + found.name()
                  + " must be optional or have a default value but "
                  + extra.name()
                  + " is required.");
        }
      }
    }
    for (String transitive : intf.interfaces) {
      if (!def.interfaces.contains(transitive)) {
        if (transitive.equals(def.name)) {
          throw fail(
              def.position,
              "Type "
                  + def.name
                  + " cannot implement "
                  + intfName
                  + " because it would create a circular reference.");
        }
        throw fail(
            def.position,
            "Type "
                + def.name
                + " must implement "
                + transitive
                + " because it is implemented by "
                + intfName
                + ".");
      }
    }
  }

  static ArgumentDefinition argument(List<ArgumentDefinition> args, String name) {
    for (ArgumentDefinition a : args) {
      if (a.name().equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** Reports whether {@code actual} may stand where {@code required} is promised. */
  private boolean isCovariant(Type required, Type actual) {
    if (required.nonNull() && !actual.nonNull()) {
      return false;
    }
    if (!required.namedType().isEmpty()) {
      if (required.namedType().equals(actual.namedType())) {
        return true;
      }
      for (TypeDef t : schema.possibleTypes.getOrDefault(required.namedType(), List.of())) {
        if (t != null && t.name.equals(actual.namedType())) {
          return true;
        }
      }
      return false;
    }
    if (required.elem() != null && actual.elem() == null) {
      return false;
    }
    return required.elem() == null || isCovariant(required.elem(), actual.elem());
  }

  /** gqlparser's {@code Type.IsCompatible}: the same named type and no weaker nullness. */
  static boolean compatible(Type t, Type other) {
    if (!t.namedType().equals(other.namedType())) {
      return false;
    }
    if (t.elem() != null && other.elem() == null) {
      return false;
    }
    if (t.elem() != null && !compatible(t.elem(), other.elem())) {
      return false;
    }
    return !other.nonNull() || t.nonNull();
  }

  private void typeRef(Type t) {
    if (!schema.types.containsKey(t.name())) {
      throw fail(t.position(), "Undefined type " + t.name() + ".");
    }
  }

  private void arguments(List<ArgumentDefinition> args, DirectiveDefinition current) {
    for (ArgumentDefinition a : args) {
      name(a.position(), a.name());
      typeRef(a.type());
      TypeDef t = schema.types.get(a.type().name());
      if (!t.isInput()) {
        throw fail(
            a.position(),
            "cannot use "
                + a.type()
                + " as argument "
                + a.name()
                + " because "
                + t.kind
                + " is not a valid input type");
      }
      directives(a.directives(), "ARGUMENT_DEFINITION", current);
    }
  }

  void directives(List<Directive> dirs, String location, DirectiveDefinition current) {
    for (Directive d : dirs) {
      name(d.position(), d.name());
      if (current != null && d.name().equals(current.name())) {
        throw fail(d.position(), "Directive " + current.name() + " cannot refer to itself.");
      }
      DirectiveDefinition def = schema.directives.get(d.name());
      if (def == null) {
        throw fail(d.position(), "Undefined directive " + d.name() + ".");
      }
      if (!def.locations().contains(location)) {
        throw fail(
            d.position(), "Directive " + d.name() + " is not applicable on " + location + ".");
      }
      for (Argument a : d.arguments()) {
        if (argument(def.arguments(), a.name()) == null) {
          throw fail(
              a.position(), "Undefined argument " + a.name() + " for directive " + d.name() + ".");
        }
      }
      for (ArgumentDefinition a : def.arguments()) {
        if (a.type().nonNull() && a.defaultValue() == null) {
          Argument given = null;
          for (Argument g : d.arguments()) {
            if (g.name().equals(a.name())) {
              given = g;
              break;
            }
          }
          if (given == null || given.value() == null || given.value().kind() == Ast.NULL) {
            throw fail(
                d.position(),
                "Argument " + a.name() + " for directive " + d.name() + " cannot be null.");
          }
        }
      }
    }
  }

  private static void name(Position pos, String name) {
    if (name.startsWith("__")) {
      throw fail(
          pos,
          "Name \""
              + name
              + "\" must not begin with \"__\", which is reserved by GraphQL introspection.");
    }
  }
}
