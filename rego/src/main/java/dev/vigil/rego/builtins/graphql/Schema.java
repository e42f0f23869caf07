package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Ast.ArgumentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Definition;
import dev.vigil.rego.builtins.graphql.Ast.Directive;
import dev.vigil.rego.builtins.graphql.Ast.DirectiveDefinition;
import dev.vigil.rego.builtins.graphql.Ast.EnumValueDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.OperationTypeDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Position;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDefinition;
import dev.vigil.rego.builtins.graphql.Ast.SchemaDocument;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A validated schema: the user's document merged with the {@link Prelude}, extensions folded into
 * their types, checked as gqlparser's {@code ValidateSchemaDocument} checks it. Immutable once
 * built.
 */
public final class Schema {

  /** A type with its extensions merged in. */
  static final class TypeDef {
    final String kind;
    final String name;
    final boolean builtIn;
    final Position position;
    final List<Directive> directives = new ArrayList<>();
    final List<String> interfaces = new ArrayList<>();
    final List<FieldDefinition> fields = new ArrayList<>();
    final List<String> types = new ArrayList<>();
    final List<EnumValueDefinition> enumValues = new ArrayList<>();

    TypeDef(String kind, String name, boolean builtIn, Position position) {
      this.kind = kind;
      this.name = name;
      this.builtIn = builtIn;
      this.position = position;
    }

    void add(Definition d) {
      directives.addAll(d.directives());
      interfaces.addAll(d.interfaces());
      fields.addAll(d.fields());
      types.addAll(d.types());
      enumValues.addAll(d.enumValues());
    }

    FieldDefinition field(String fieldName) {
      for (FieldDefinition f : fields) {
        if (f.name().equals(fieldName)) {
          return f;
        }
      }
      return null;
    }

    boolean isLeaf() {
      return kind.equals("ENUM") || kind.equals("SCALAR");
    }

    boolean isAbstract() {
      return kind.equals("INTERFACE") || kind.equals("UNION");
    }

    boolean isComposite() {
      return kind.equals("OBJECT") || kind.equals("INTERFACE") || kind.equals("UNION");
    }

    boolean isInput() {
      return kind.equals("SCALAR") || kind.equals("ENUM") || kind.equals("INPUT_OBJECT");
    }
  }

  final Map<String, TypeDef> types = new HashMap<>();
  final Map<String, DirectiveDefinition> directives = new HashMap<>();
  final Map<String, List<TypeDef>> possibleTypes = new HashMap<>();
  TypeDef query;
  TypeDef mutation;
  TypeDef subscription;

  private Schema() {}

  /**
   * Merges the document with the prelude and validates it.
   *
   * @throws GraphqlException with gqlparser's message for the first problem found
   */
  public static Schema build(SchemaDocument userDoc) {
    Schema s = new Schema();
    SchemaDocument doc = merge(Prelude.document(), userDoc);
    List<TypeDef> defs = new ArrayList<>();
    for (Definition d : doc.definitions()) {
      if (s.types.containsKey(d.name())) {
        throw fail(d.position(), "Cannot redeclare type " + d.name() + ".");
      }
      TypeDef t = new TypeDef(d.kind(), d.name(), d.builtIn(), d.position());
      t.add(d);
      s.types.put(d.name(), t);
      defs.add(t);
    }
    for (Definition ext : doc.extensions()) {
      TypeDef t = s.types.get(ext.name());
      if (t == null) {
        t = new TypeDef(ext.kind(), ext.name(), false, ext.position());
        s.types.put(ext.name(), t);
        defs.add(t);
      }
      if (!t.kind.equals(ext.kind())) {
        throw fail(
            ext.position(),
            "Cannot extend type "
                + ext.name()
                + " because the base type is a "
                + t.kind
                + ", not "
                + ext.kind()
                + ".");
      }
      t.add(ext);
    }
    for (TypeDef t : defs) {
      switch (t.kind) {
        case "UNION" -> t.types.forEach(m -> s.addPossible(t.name, s.types.get(m)));
        case "INPUT_OBJECT", "OBJECT" -> {
          t.interfaces.forEach(i -> s.addPossible(i, t));
          s.addPossible(t.name, t);
        }
        case "INTERFACE" -> t.interfaces.forEach(i -> s.addPossible(i, t));
        default -> {}
      }
    }
    for (DirectiveDefinition d : doc.directives()) {
      if (s.directives.containsKey(d.name())) {
        switch (d.name()) {
          case "include", "skip", "deprecated", "specifiedBy", "defer", "oneOf" -> {}
          default -> throw fail(d.position(), "Cannot redeclare directive " + d.name() + ".");
        }
      }
      s.directives.put(d.name(), d);
    }
    if (doc.schema().size() > 1) {
      throw fail(
          doc.schema().get(1).position(),
          "Cannot have multiple schema entry points, consider schema extensions instead.");
    }
    for (SchemaDefinition sd : doc.schema()) {
      s.setRoots(sd);
      new SchemaChecks(s).directives(sd.directives(), "SCHEMA", null);
    }
    for (SchemaDefinition sd : doc.schemaExtension()) {
      s.setRoots(sd);
      new SchemaChecks(s).directives(sd.directives(), "SCHEMA", null);
    }
    SchemaChecks checks = new SchemaChecks(s);
    for (String name : new TreeSet<>(s.types.keySet())) {
      checks.definition(s.types.get(name));
    }
    for (String name : new TreeSet<>(s.directives.keySet())) {
      checks.directiveDefinition(s.directives.get(name));
    }
    if (doc.schema().isEmpty()) {
      if (s.query == null) {
        s.query = s.types.get("Query");
      }
      if (s.mutation == null) {
        s.mutation = s.types.get("Mutation");
      }
      if (s.subscription == null) {
        s.subscription = s.types.get("Subscription");
      }
    }
    if (s.query != null) {
      s.query.fields.add(
          new FieldDefinition(
              "",
              "__schema",
              List.of(),
              null,
              new Type("__Schema", null, true, null),
              List.of(),
              null));
      s.query.fields.add(
          new FieldDefinition(
              "",
              "__type",
              List.of(
                  new ArgumentDefinition(
                      "", "name", null, new Type("String", null, true, null), List.of(), null)),
              null,
              new Type("__Type", null, false, null),
              List.of(),
              null));
    }
    return s;
  }

  private void setRoots(SchemaDefinition sd) {
    for (OperationTypeDefinition op : sd.operationTypes()) {
      TypeDef t = types.get(op.type());
      if (t == null) {
        throw fail(
            op.position(),
            "Schema root "
                + op.operation()
                + " refers to a type "
                + op.type()
                + " that does not exist.");
      }
      switch (op.operation()) {
        case "query" -> query = t;
        case "mutation" -> mutation = t;
        case "subscription" -> subscription = t;
        default -> {}
      }
    }
  }

  private void addPossible(String name, TypeDef t) {
    possibleTypes.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
  }

  /** Returns the object types an abstract type may be; a union's unknown members are null. */
  List<TypeDef> possibleTypes(TypeDef t) {
    if (t.kind.equals("UNION")) {
      List<TypeDef> out = new ArrayList<>();
      for (String m : t.types) {
        out.add(types.get(m));
      }
      return out;
    }
    return possibleTypes.getOrDefault(t.name, List.of());
  }

  private static SchemaDocument merge(SchemaDocument a, SchemaDocument b) {
    return new SchemaDocument(
        concat(a.schema(), b.schema()),
        concat(a.schemaExtension(), b.schemaExtension()),
        concat(a.directives(), b.directives()),
        concat(a.definitions(), b.definitions()),
        concat(a.extensions(), b.extensions()));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static GraphqlException fail(Position pos, String message) {
    return new GraphqlException(message, pos);
  }
}
