package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Ast.Argument;
import dev.vigil.rego.builtins.graphql.Ast.ArgumentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.ChildValue;
import dev.vigil.rego.builtins.graphql.Ast.Directive;
import dev.vigil.rego.builtins.graphql.Ast.DirectiveDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Field;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentSpread;
import dev.vigil.rego.builtins.graphql.Ast.InlineFragment;
import dev.vigil.rego.builtins.graphql.Ast.OperationDefinition;
import dev.vigil.rego.builtins.graphql.Ast.Position;
import dev.vigil.rego.builtins.graphql.Ast.QueryDocument;
import dev.vigil.rego.builtins.graphql.Ast.Selection;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Ast.Value;
import dev.vigil.rego.builtins.graphql.Ast.VariableDefinition;
import dev.vigil.rego.builtins.graphql.GraphqlException.Problem;
import dev.vigil.rego.builtins.graphql.Schema.TypeDef;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Validates an executable document against a schema with gqlparser's rules. The document is walked
 * as gqlparser walks it (operations first, fragment spreads followed inline once per operation,
 * then each fragment definition); at each node the rules run in the order gqlparser registers them,
 * so the problems come out in gqlparser's order.
 */
public final class QueryValidator {

  private static final int MAX_WALK_DEPTH = 400;
  private static final int MAX_INTROSPECTION_STEPS = 200_000;

  private final Schema schema;
  private final QueryDocument doc;
  private final List<Problem> problems = new ArrayList<>();

  // What gqlparser's walker writes into the tree, kept beside it.
  private final Map<Field, FieldDefinition> fieldDefs = new IdentityHashMap<>();
  private final Map<Field, TypeDef> fieldParents = new IdentityHashMap<>();
  private final Map<Value, Type> expectedTypes = new IdentityHashMap<>();
  private final Map<Value, TypeDef> valueDefs = new IdentityHashMap<>();
  private final Map<Value, Boolean> expectedHasDefault = new IdentityHashMap<>();
  private final Map<Value, VariableDefinition> valueVars = new IdentityHashMap<>();
  private final Set<VariableDefinition> usedVars = newIdentitySet();
  private final Map<Directive, String> directiveLocations = new IdentityHashMap<>();

  private final OverlappingFields overlap;
  private final Map<String, FragmentDefinition> fragmentsByName = new HashMap<>();
  private Map<String, VariableDefinition> currentVariables = Map.of();
  private OperationDefinition currentOperation;
  private Set<String> walkedSpreads = new HashSet<>();
  private int depth;
  private int introspectionSteps;
  private final LongConsumer charge;

  // Rule state.
  private final Set<String> knownDirectivesSeen = new HashSet<>();
  private final Set<String> visitedFragments = new HashSet<>();
  private boolean inFragmentDefinition;
  private final Set<String> usedFragmentNames = new HashSet<>();
  private final Set<String> operationNames = new HashSet<>();
  private final Set<String> fragmentNames = new HashSet<>();

  private QueryValidator(Schema schema, QueryDocument doc, LongConsumer charge) {
    this.schema = schema;
    this.doc = doc;
    this.charge = charge;
    this.overlap =
        new OverlappingFields(schema, this::fragment, fieldDefs::get, fieldParents::get, charge);
    for (FragmentDefinition f : doc.fragments()) {
      fragmentsByName.putIfAbsent(f.name(), f);
    }
  }

  /**
   * Returns the problems found, in gqlparser's order; empty when the document is valid. The work of
   * comparing fields and walking introspection selections, which can grow with the square of the
   * query's size up to the caps here, is told to {@code charge} as it goes, a unit per step.
   */
  public static List<Problem> validate(Schema schema, QueryDocument doc, LongConsumer charge) {
    QueryValidator v = new QueryValidator(schema, doc, charge);
    for (OperationDefinition op : doc.operations()) {
      v.walkedSpreads = new HashSet<>();
      v.walkOperation(op);
    }
    for (FragmentDefinition f : doc.fragments()) {
      v.walkedSpreads = new HashSet<>();
      v.walkFragment(f);
    }
    return v.problems;
  }

  private static <T> Set<T> newIdentitySet() {
    return java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  }

  private void report(String message, Position position) {
    problems.add(new Problem(message, position));
  }

  // ---- the walk

  private void walkOperation(OperationDefinition op) {
    currentOperation = op;
    currentVariables = new HashMap<>();
    for (VariableDefinition v : op.variableDefinitions()) {
      currentVariables.putIfAbsent(v.variable(), v);
    }
    for (VariableDefinition v : op.variableDefinitions()) {
      onVariable(v);
      if (v.defaultValue() != null) {
        expectedTypes.put(v.defaultValue(), v.type());
        valueDefs.put(v.defaultValue(), schema.types.get(v.type().name()));
      }
    }
    TypeDef root;
    String location;
    switch (op.operation()) {
      case "mutation" -> {
        root = schema.mutation;
        location = "MUTATION";
      }
      case "subscription" -> {
        root = schema.subscription;
        location = "SUBSCRIPTION";
      }
      default -> {
        root = schema.query;
        location = "QUERY";
      }
    }
    for (VariableDefinition v : op.variableDefinitions()) {
      if (v.defaultValue() != null) {
        walkValue(v.defaultValue());
      }
      walkDirectives(v.directives(), "VARIABLE_DEFINITION");
    }
    walkDirectives(op.directives(), location);
    walkSelectionSet(root, op.selectionSet());
    onOperation(op);
    currentOperation = null;
  }

  private void walkFragment(FragmentDefinition f) {
    TypeDef def = schema.types.get(f.typeCondition());
    walkDirectives(f.directives(), "FRAGMENT_DEFINITION");
    walkSelectionSet(def, f.selectionSet());
    onFragment(f, def);
  }

  private void walkDirectives(List<Directive> directives, String location) {
    for (Directive d : directives) {
      DirectiveDefinition def = schema.directives.get(d.name());
      directiveLocations.put(d, location);
      for (Argument a : d.arguments()) {
        walkArgument(def == null ? null : SchemaChecks.argument(def.arguments(), a.name()), a);
      }
      onDirective(d, def, location);
    }
    onDirectiveList(directives);
  }

  private void walkArgument(ArgumentDefinition def, Argument a) {
    if (a.value() == null) {
      return;
    }
    if (def != null) {
      expectedTypes.put(a.value(), def.type());
      expectedHasDefault.put(
          a.value(), def.defaultValue() != null && def.defaultValue().kind() != Ast.NULL);
      valueDefs.put(a.value(), schema.types.get(def.type().name()));
    }
    walkValue(a.value());
  }

  private void walkValue(Value v) {
    enter(v.position());
    if (v.kind() == Ast.VARIABLE && currentOperation != null) {
      VariableDefinition def = variable(v.raw());
      if (def != null) {
        valueVars.put(v, def);
        usedVars.add(def);
      } else {
        valueVars.remove(v);
      }
    }
    if (v.kind() == Ast.OBJECT) {
      TypeDef def = valueDefs.get(v);
      for (ChildValue c : v.children()) {
        if (c.value() == null) {
          continue;
        }
        if (def != null) {
          FieldDefinition f = def.field(c.name());
          if (f != null) {
            expectedTypes.put(c.value(), f.type());
            expectedHasDefault.put(
                c.value(), f.defaultValue() != null && f.defaultValue().kind() != Ast.NULL);
            valueDefs.put(c.value(), schema.types.get(f.type().name()));
          }
        }
        walkValue(c.value());
      }
    }
    if (v.kind() == Ast.LIST) {
      Type expected = expectedTypes.get(v);
      for (ChildValue c : v.children()) {
        if (c.value() == null) {
          continue;
        }
        if (expected != null && expected.elem() != null) {
          expectedTypes.put(c.value(), expected.elem());
          valueDefs.put(c.value(), valueDefs.get(v));
        }
        walkValue(c.value());
      }
    }
    onValue(v);
    depth--;
  }

  private void walkSelectionSet(TypeDef parent, List<Selection> set) {
    for (Selection s : set) {
      walkSelection(parent, s);
    }
  }

  private void walkSelection(TypeDef parent, Selection s) {
    enter(s.position());
    switch (s) {
      case Field f -> {
        FieldDefinition def;
        if (f.name().equals("__typename")) {
          def =
              new FieldDefinition(
                  "",
                  "__typename",
                  List.of(),
                  null,
                  new Type("String", null, false, null),
                  List.of(),
                  null);
        } else {
          def = parent == null ? null : parent.field(f.name());
        }
        put(fieldDefs, f, def);
        put(fieldParents, f, parent);
        TypeDef next = def == null ? null : schema.types.get(def.type().name());
        for (Argument a : f.arguments()) {
          walkArgument(def == null ? null : SchemaChecks.argument(def.arguments(), a.name()), a);
        }
        walkDirectives(f.directives(), "FIELD");
        walkSelectionSet(next, f.selectionSet());
        onField(f, def, parent);
      }
      case InlineFragment inf -> {
        TypeDef next =
            inf.typeCondition().isEmpty() ? parent : schema.types.get(inf.typeCondition());
        walkDirectives(inf.directives(), "INLINE_FRAGMENT");
        walkSelectionSet(next, inf.selectionSet());
        onInlineFragment(inf, parent);
      }
      case FragmentSpread fs -> {
        FragmentDefinition def = fragment(fs.name());
        TypeDef next = def == null ? null : schema.types.get(def.typeCondition());
        walkDirectives(fs.directives(), "FRAGMENT_SPREAD");
        if (def != null && walkedSpreads.add(def.name())) {
          walkSelectionSet(next, def.selectionSet());
        }
        onFragmentSpread(fs, def, parent);
      }
    }
    depth--;
  }

  private static <K, V> void put(Map<K, V> map, K key, V value) {
    if (value == null) {
      map.remove(key);
    } else {
      map.put(key, value);
    }
  }

  private void enter(Position position) {
    if (++depth > MAX_WALK_DEPTH) {
      throw new GraphqlException(
          "exceeded the maximum nesting depth of " + MAX_WALK_DEPTH + " while validating",
          position);
    }
  }

  /** Returns the first fragment of that name, as gqlparser's {@code ForName} does. */
  private FragmentDefinition fragment(String name) {
    return fragmentsByName.get(name);
  }

  private VariableDefinition variable(String name) {
    return currentVariables.get(name);
  }

  // ---- events, each running the rules that listen to it in gqlparser's order

  private void onOperation(OperationDefinition op) {
    knownRootType(op);
    if (op.name().isEmpty() && doc.operations().size() > 1) {
      report("This anonymous operation must be the only defined operation.", op.position());
    }
    for (VariableDefinition v : op.variableDefinitions()) {
      if (!usedVars.contains(v)) {
        report(
            op.name().isEmpty()
                ? "Variable \"$" + v.variable() + "\" is never used."
                : "Variable \"$"
                    + v.variable()
                    + "\" is never used in operation \""
                    + op.name()
                    + "\".",
            v.position());
      }
    }
    overlapping(op.selectionSet());
    singleFieldSubscription(op);
    if (!operationNames.add(op.name())) {
      report("There can be only one operation named \"" + op.name() + "\".", op.position());
    }
    Map<String, Integer> seen = new HashMap<>();
    for (VariableDefinition v : op.variableDefinitions()) {
      if (seen.merge(v.variable(), 1, Integer::sum) == 2) {
        report("There can be only one variable named \"$" + v.variable() + "\".", v.position());
      }
    }
    for (VariableDefinition v : op.variableDefinitions()) {
      TypeDef t = schema.types.get(v.type().name());
      if (t != null && !t.isInput()) {
        report(
            "Variable \"$" + v.variable() + "\" cannot be non-input type \"" + v.type() + "\".",
            v.position());
      }
    }
  }

  private void knownRootType(OperationDefinition op) {
    TypeDef root =
        switch (op.operation()) {
          case "mutation" -> schema.mutation;
          case "subscription" -> schema.subscription;
          default -> schema.query;
        };
    if (root == null) {
      report("Schema does not support operation type \"" + op.operation() + "\"", op.position());
    }
  }

  private void singleFieldSubscription(OperationDefinition op) {
    if (schema.subscription == null || !op.operation().equals("subscription")) {
      return;
    }
    List<Field> fields = new ArrayList<>();
    topFields(op.selectionSet(), fields, new HashSet<>(), new HashSet<>());
    String name =
        op.name().isEmpty() ? "Anonymous Subscription" : "Subscription " + GoQuote.quote(op.name());
    if (fields.size() > 1) {
      report(name + " must select only one top level field.", fields.get(1).position());
    }
    for (Field f : fields) {
      if (f.name().startsWith("__")) {
        report(name + " must not select an introspection top level field.", f.position());
      }
    }
  }

  private void topFields(
      List<Selection> set, List<Field> out, Set<String> seenNames, Set<String> seenFragments) {
    for (Selection s : set) {
      switch (s) {
        case Field f -> {
          if (seenNames.add(f.name())) {
            out.add(f);
          }
        }
        case InlineFragment inf -> topFields(inf.selectionSet(), out, seenNames, seenFragments);
        case FragmentSpread fs -> {
          FragmentDefinition def = fragment(fs.name());
          if (def != null && seenFragments.add(fs.name())) {
            topFields(def.selectionSet(), out, seenNames, seenFragments);
          }
        }
      }
    }
  }

  private void onVariable(VariableDefinition v) {
    if (!schema.types.containsKey(v.type().name())) {
      report("Unknown type \"" + v.type().name() + "\".", v.position());
    }
  }

  private void onField(Field f, FieldDefinition def, TypeDef parent) {
    fieldsOnCorrectType(f, def, parent);
    if (def != null && parent != null) {
      List<String> names = def.arguments().stream().map(ArgumentDefinition::name).toList();
      for (Argument a : f.arguments()) {
        if (SchemaChecks.argument(def.arguments(), a.name()) == null) {
          report(
              "Unknown argument \""
                  + a.name()
                  + "\" on field \""
                  + parent.name
                  + "."
                  + f.name()
                  + "\"."
                  + Suggestions.quoted("Did you mean", a.name(), names),
              f.position());
        }
      }
    }
    if ((f.name().equals("__schema") || f.name().equals("__type"))
        && introspectionTooDeep(f.selectionSet(), new HashSet<>(), 0, 0)) {
      report("Maximum introspection depth exceeded", f.position());
    }
    if (currentOperation != null) {
      overlapping(f.selectionSet());
    }
    if (def != null) {
      for (ArgumentDefinition a : def.arguments()) {
        if (a.type().nonNull()
            && a.defaultValue() == null
            && !hasArgument(f.arguments(), a.name())) {
          report(
              "Field \""
                  + f.name()
                  + "\" argument \""
                  + a.name()
                  + "\" of type \""
                  + a.type()
                  + "\" is required, but it was not provided.",
              f.position());
        }
      }
      scalarLeafs(f, def);
    }
    uniqueArguments(f.arguments());
  }

  /**
   * gqlparser's introspection depth rule: more than two nested list fields of {@code __Type}
   * ({@code fields}, {@code interfaces}, {@code possibleTypes}, {@code inputFields}) below an
   * introspection root is refused, since such queries grow exponentially.
   */
  private boolean introspectionTooDeep(
      List<Selection> set, Set<String> visiting, int listDepth, int level) {
    if ((introspectionSteps & 63) == 0) {
      charge.accept(64);
    }
    if (level > MAX_WALK_DEPTH || ++introspectionSteps > MAX_INTROSPECTION_STEPS) {
      throw new GraphqlException(
          "the introspection query is too large to check (more than "
              + MAX_INTROSPECTION_STEPS
              + " selections through its fragments)",
          set.isEmpty() ? null : set.get(0).position());
    }
    for (Selection s : set) {
      switch (s) {
        case Field f -> {
          int d = listDepth;
          if (List.of("fields", "interfaces", "possibleTypes", "inputFields").contains(f.name())
              && ++d >= 3) {
            return true;
          }
          if (introspectionTooDeep(f.selectionSet(), visiting, d, level + 1)) {
            return true;
          }
        }
        case InlineFragment inf -> {
          if (introspectionTooDeep(inf.selectionSet(), visiting, listDepth, level + 1)) {
            return true;
          }
        }
        case FragmentSpread fs -> {
          FragmentDefinition def = fragment(fs.name());
          if (def != null && visiting.add(fs.name())) {
            boolean deep = introspectionTooDeep(def.selectionSet(), visiting, listDepth, level + 1);
            visiting.remove(fs.name());
            if (deep) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private void fieldsOnCorrectType(Field f, FieldDefinition def, TypeDef parent) {
    if (parent == null || def != null) {
      return;
    }
    String message = "Cannot query field \"" + f.name() + "\" on type \"" + parent.name + "\".";
    List<String> typeNames = suggestedTypeNames(parent, f.name());
    if (!typeNames.isEmpty()) {
      message +=
          " Did you mean to use an inline fragment on " + Suggestions.quotedOrList(typeNames) + "?";
    } else if (List.of("OBJECT", "INTERFACE").contains(parent.kind)) {
      List<String> names = parent.fields.stream().map(FieldDefinition::name).toList();
      List<String> close = Suggestions.list(f.name(), names);
      if (!close.isEmpty()) {
        message += " Did you mean " + Suggestions.quotedOrList(close) + "?";
      }
    }
    report(message, f.position());
  }

  private List<String> suggestedTypeNames(TypeDef parent, String fieldName) {
    if (!parent.isAbstract()) {
      return List.of();
    }
    Map<String, Integer> interfaceUsage = new LinkedHashMap<>();
    List<String> objects = new ArrayList<>();
    for (TypeDef t : schema.possibleTypes(parent)) {
      if (t == null || t.field(fieldName) == null) {
        continue;
      }
      objects.add(t.name);
      for (String i : t.interfaces) {
        TypeDef it = schema.types.get(i);
        if (it != null && it.field(fieldName) != null) {
          interfaceUsage.merge(i, 1, Integer::sum);
        }
      }
    }
    List<String> interfaces = new ArrayList<>(interfaceUsage.keySet());
    interfaces.sort((a, b) -> Integer.compare(interfaceUsage.get(b), interfaceUsage.get(a)));
    List<String> out = new ArrayList<>(interfaces);
    out.addAll(objects);
    return out;
  }

  private void scalarLeafs(Field f, FieldDefinition def) {
    TypeDef t = schema.types.get(def.type().name());
    if (t == null) {
      return;
    }
    if (t.isLeaf() && !f.selectionSet().isEmpty()) {
      report(
          "Field \""
              + f.name()
              + "\" must not have a selection since type \""
              + t.name
              + "\" has no subfields.",
          f.position());
    }
    if (!t.isLeaf() && f.selectionSet().isEmpty()) {
      report(
          "Field \""
              + f.name()
              + "\" of type \""
              + def.type()
              + "\" must have a selection of subfields. Did you mean \""
              + f.name()
              + " { ... }\"?",
          f.position());
    }
  }

  private static boolean hasArgument(List<Argument> args, String name) {
    for (Argument a : args) {
      if (a.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private void uniqueArguments(List<Argument> args) {
    Map<String, Integer> seen = new HashMap<>();
    for (Argument a : args) {
      if (seen.merge(a.name(), 1, Integer::sum) == 2) {
        report("There can be only one argument named \"" + a.name() + "\".", a.position());
      }
    }
  }

  private void onFragment(FragmentDefinition f, TypeDef def) {
    if (def != null && !def.isComposite()) {
      report(
          "Fragment \""
              + f.name()
              + "\" cannot condition on non composite type \""
              + f.typeCondition()
              + "\".",
          f.position());
    }
    if (def == null) {
      List<String> names = new ArrayList<>(schema.types.keySet());
      report(
          "Unknown type \""
              + f.typeCondition()
              + "\"."
              + Suggestions.quoted("Did you mean", f.typeCondition(), names),
          f.position());
    }
    fragmentCycles(f);
    inFragmentDefinition = true;
    if (!usedFragmentNames.contains(f.name())) {
      report("Fragment \"" + f.name() + "\" is never used.", f.position());
    }
    overlapping(f.selectionSet());
    if (!fragmentNames.add(f.name())) {
      report("There can be only one fragment named \"" + f.name() + "\".", f.position());
    }
  }

  private void fragmentCycles(FragmentDefinition start) {
    List<FragmentSpread> path = new ArrayList<>();
    Map<String, Integer> indexByName = new HashMap<>();
    detectCycles(start, path, indexByName, 0);
  }

  private void detectCycles(
      FragmentDefinition f,
      List<FragmentSpread> path,
      Map<String, Integer> indexByName,
      int level) {
    if (!visitedFragments.add(f.name())) {
      return;
    }
    if (level > MAX_WALK_DEPTH) {
      throw new GraphqlException(
          "exceeded the maximum nesting depth of " + MAX_WALK_DEPTH + " while validating",
          f.position());
    }
    List<FragmentSpread> spreads = new ArrayList<>();
    collectSpreads(f.selectionSet(), spreads);
    if (spreads.isEmpty()) {
      return;
    }
    indexByName.put(f.name(), path.size());
    for (FragmentSpread s : spreads) {
      Integer cycleIndex = indexByName.get(s.name());
      path.add(s);
      if (cycleIndex == null) {
        FragmentDefinition next = fragment(s.name());
        if (next != null) {
          detectCycles(next, path, indexByName, level + 1);
        }
      } else {
        List<String> names = new ArrayList<>();
        for (FragmentSpread p : path.subList(cycleIndex, path.size() - 1)) {
          names.add("\"" + p.name() + "\"");
        }
        String via = names.isEmpty() ? "" : " via " + String.join(", ", names);
        report(
            "Cannot spread fragment \"" + s.name() + "\" within itself" + via + ".", s.position());
      }
      path.remove(path.size() - 1);
    }
    indexByName.remove(f.name());
  }

  private static void collectSpreads(List<Selection> set, List<FragmentSpread> out) {
    for (Selection s : set) {
      switch (s) {
        case Field f -> collectSpreads(f.selectionSet(), out);
        case InlineFragment inf -> collectSpreads(inf.selectionSet(), out);
        case FragmentSpread fs -> out.add(fs);
      }
    }
  }

  private void onInlineFragment(InlineFragment inf, TypeDef parent) {
    TypeDef t = schema.types.get(inf.typeCondition());
    if (t != null && !t.isComposite()) {
      report(
          "Fragment cannot condition on non composite type \"" + inf.typeCondition() + "\".",
          inf.position());
    }
    if (!inf.typeCondition().isEmpty() && t == null) {
      report("Unknown type \"" + inf.typeCondition() + "\".", inf.position());
    }
    overlapping(inf.selectionSet());
    if (parent != null && !canSpread(parent, inf.typeCondition())) {
      report(
          "Fragment cannot be spread here as objects of type \""
              + parent.name
              + "\" can never be of type \""
              + inf.typeCondition()
              + "\".",
          inf.position());
    }
  }

  private void onFragmentSpread(FragmentSpread fs, FragmentDefinition def, TypeDef parent) {
    if (def == null) {
      report("Unknown fragment \"" + fs.name() + "\".", fs.position());
    }
    if (!inFragmentDefinition) {
      usedFragmentNames.add(fs.name());
    }
    if (def != null && parent != null && !canSpread(parent, def.typeCondition())) {
      report(
          "Fragment \""
              + fs.name()
              + "\" cannot be spread here as objects of type \""
              + parent.name
              + "\" can never be of type \""
              + def.typeCondition()
              + "\".",
          fs.position());
    }
  }

  /** Reports whether a fragment on the named type may apply where {@code parent} is expected. */
  private boolean canSpread(TypeDef parent, String fragmentType) {
    List<TypeDef> parents;
    switch (parent.kind) {
      case "OBJECT" -> parents = List.of(parent);
      case "INTERFACE", "UNION" -> parents = schema.possibleTypes(parent);
      default -> {
        return true;
      }
    }
    TypeDef frag = schema.types.get(fragmentType);
    if (frag == null || !frag.isComposite()) {
      return true;
    }
    for (TypeDef f : schema.possibleTypes(frag)) {
      for (TypeDef p : parents) {
        if (f != null && p != null && p.name.equals(f.name)) {
          return true;
        }
      }
    }
    return false;
  }

  private void onDirective(Directive d, DirectiveDefinition def, String location) {
    if (def != null) {
      List<String> names = def.arguments().stream().map(ArgumentDefinition::name).toList();
      for (Argument a : d.arguments()) {
        if (SchemaChecks.argument(def.arguments(), a.name()) == null) {
          report(
              "Unknown argument \""
                  + a.name()
                  + "\" on directive \"@"
                  + d.name()
                  + "\"."
                  + Suggestions.quoted("Did you mean", a.name(), names),
              d.position());
        }
      }
    }
    if (def == null) {
      report("Unknown directive \"@" + d.name() + "\".", d.position());
    } else if (!def.locations().contains(location)) {
      String key = d.name() + "@" + d.position();
      if (knownDirectivesSeen.add(key)) {
        report(
            "Directive \"@" + d.name() + "\" may not be used on " + location + ".", d.position());
      }
    }
    if (def != null) {
      for (ArgumentDefinition a : def.arguments()) {
        if (a.type().nonNull()
            && a.defaultValue() == null
            && !hasArgument(d.arguments(), a.name())) {
          report(
              "Directive \"@"
                  + d.name()
                  + "\" argument \""
                  + a.name()
                  + "\" of type \""
                  + a.type()
                  + "\" is required, but it was not provided.",
              d.position());
        }
      }
    }
    uniqueArguments(d.arguments());
  }

  private void onDirectiveList(List<Directive> directives) {
    Set<String> seen = new HashSet<>();
    for (Directive d : directives) {
      DirectiveDefinition def = schema.directives.get(d.name());
      if (def != null && def.isRepeatable()) {
        continue;
      }
      if (!seen.add(d.name())) {
        report(
            "The directive \"@" + d.name() + "\" can only be used once at this location.",
            d.position());
      }
    }
  }

  private void onValue(Value v) {
    if (currentOperation != null && v.kind() == Ast.VARIABLE && !valueVars.containsKey(v)) {
      report(
          currentOperation.name().isEmpty()
              ? "Variable \"$" + v.raw() + "\" is not defined."
              : "Variable \"$"
                  + v.raw()
                  + "\" is not defined by operation \""
                  + currentOperation.name()
                  + "\".",
          v.position());
    }
    if (v.kind() == Ast.OBJECT) {
      Set<String> seen = new HashSet<>();
      for (ChildValue c : v.children()) {
        if (!seen.add(c.name())) {
          report("There can be only one input field named \"" + c.name() + "\".", c.position());
        }
      }
    }
    ValueChecks.check(this, v, expectedTypes.get(v), valueDefs.get(v));
    variableInAllowedPosition(v);
  }

  private void variableInAllowedPosition(Value v) {
    Type expected = expectedTypes.get(v);
    VariableDefinition def = valueVars.get(v);
    if (v.kind() != Ast.VARIABLE || expected == null || def == null || currentOperation == null) {
      return;
    }
    boolean nonNull = expected.nonNull();
    if (def.defaultValue() != null && def.defaultValue().kind() != Ast.NULL) {
      nonNull = false;
    }
    if (Boolean.TRUE.equals(expectedHasDefault.get(v))) {
      nonNull = false;
    }
    Type allowed = new Type(expected.namedType(), expected.elem(), nonNull, expected.position());
    if (!SchemaChecks.compatible(def.type(), allowed)) {
      report(
          "Variable \"$"
              + v.raw()
              + "\" of type \""
              + def.type()
              + "\" used in position expecting type \""
              + expected
              + "\".",
          v.position());
    }
  }

  private void overlapping(List<Selection> set) {
    for (OverlappingFields.Conflict c : overlap.withinSelectionSet(set)) {
      report(c.text(), c.position());
    }
  }

  // ---- access for ValueChecks

  void problem(String message, Position position) {
    report(message, position);
  }

  static boolean fitsInt32(String raw) {
    try {
      BigInteger n = new BigInteger(raw);
      return n.bitLength() < 32;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
