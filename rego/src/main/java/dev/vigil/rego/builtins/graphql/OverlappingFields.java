package dev.vigil.rego.builtins.graphql;

import dev.vigil.rego.builtins.graphql.Ast.Argument;
import dev.vigil.rego.builtins.graphql.Ast.Field;
import dev.vigil.rego.builtins.graphql.Ast.FieldDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentDefinition;
import dev.vigil.rego.builtins.graphql.Ast.FragmentSpread;
import dev.vigil.rego.builtins.graphql.Ast.InlineFragment;
import dev.vigil.rego.builtins.graphql.Ast.Position;
import dev.vigil.rego.builtins.graphql.Ast.Selection;
import dev.vigil.rego.builtins.graphql.Ast.Type;
import dev.vigil.rego.builtins.graphql.Ast.Value;
import dev.vigil.rego.builtins.graphql.Schema.TypeDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The "overlapping fields can be merged" rule (GraphQL spec section 5.3.2), in graphql-js's
 * algorithm as gqlparser ports it: fields sharing a response name are compared within a selection
 * set, against the fields of spread fragments, between fragments, and down through their
 * sub-selections.
 */
final class OverlappingFields {

  /** A conflict; {@code sub} holds the sub-selection conflicts that caused it, if any. */
  record Conflict(String responseName, String message, List<Conflict> sub, Position position) {

    void describe(StringBuilder b) {
      if (sub.isEmpty()) {
        b.append(message);
        return;
      }
      for (int i = 0; i < sub.size(); i++) {
        Conflict c = sub.get(i);
        b.append("subfields \"").append(c.responseName).append("\" conflict because ");
        c.describe(b);
        if (i != sub.size() - 1) {
          b.append(" and ");
        }
      }
    }

    String text() {
      StringBuilder b = new StringBuilder();
      describe(b);
      return "Fields \""
          + responseName
          + "\" conflict because "
          + b
          + ". Use different aliases on the fields to fetch both if this was intentional.";
    }
  }

  private record Collected(Map<String, List<Field>> fields, List<FragmentSpread> spreads) {}

  private final Schema schema;
  private final Function<String, FragmentDefinition> fragments;
  private final Function<Field, FieldDefinition> fieldDefs;
  private final Function<Field, TypeDef> fieldParents;
  private final Map<String, Map<String, Boolean>> comparedPairs = new HashMap<>();
  private Set<String> comparedFragments = new HashSet<>();
  private int depth;
  private long comparisons;
  private final LongConsumer charge;

  /** The most field pairs compared in one document, so that crafted queries cannot hang. */
  static final long MAX_COMPARISONS = 500_000;

  OverlappingFields(
      Schema schema,
      Function<String, FragmentDefinition> fragments,
      Function<Field, FieldDefinition> fieldDefs,
      Function<Field, TypeDef> fieldParents,
      LongConsumer charge) {
    this.schema = schema;
    this.fragments = fragments;
    this.fieldDefs = fieldDefs;
    this.fieldParents = fieldParents;
    this.charge = charge;
  }

  List<Conflict> withinSelectionSet(List<Selection> set) {
    List<Conflict> conflicts = new ArrayList<>();
    if (set.isEmpty()) {
      return conflicts;
    }
    Collected c = collect(set);
    for (List<Field> fields : c.fields.values()) {
      for (int i = 0; i < fields.size(); i++) {
        for (int j = i + 1; j < fields.size(); j++) {
          add(conflicts, find(false, fields.get(i), fields.get(j)));
        }
      }
    }
    comparedFragments = new HashSet<>();
    for (int i = 0; i < c.spreads.size(); i++) {
      betweenFieldsAndFragment(conflicts, false, c.fields, c.spreads.get(i));
      for (int j = i + 1; j < c.spreads.size(); j++) {
        betweenFragments(conflicts, false, c.spreads.get(i), c.spreads.get(j));
      }
    }
    return conflicts;
  }

  private static void add(List<Conflict> conflicts, Conflict c) {
    if (c != null) {
      conflicts.add(c);
    }
  }

  private void betweenFieldsAndFragment(
      List<Conflict> conflicts,
      boolean exclusive,
      Map<String, List<Field>> fields,
      FragmentSpread spread) {
    if (!comparedFragments.add(spread.name())) {
      return;
    }
    spend(spread.position());
    FragmentDefinition def = fragments.apply(spread.name());
    if (def == null) {
      return;
    }
    Collected b = collect(def.selectionSet());
    if (sameFields(fields, b.fields)) {
      return;
    }
    between(conflicts, exclusive, fields, b.fields);
    for (FragmentSpread s : b.spreads) {
      if (!s.name().equals(spread.name())) {
        betweenFieldsAndFragment(conflicts, exclusive, fields, s);
      }
    }
  }

  private void betweenFragments(
      List<Conflict> conflicts, boolean exclusive, FragmentSpread a, FragmentSpread b) {
    spend(b.position());
    if (a.name().equals(b.name()) || hasPair(a.name(), b.name(), exclusive)) {
      return;
    }
    comparedPairs.computeIfAbsent(a.name(), k -> new HashMap<>()).put(b.name(), exclusive);
    comparedPairs.computeIfAbsent(b.name(), k -> new HashMap<>()).put(a.name(), exclusive);
    FragmentDefinition da = fragments.apply(a.name());
    FragmentDefinition db = fragments.apply(b.name());
    if (da == null || db == null) {
      return;
    }
    enter(a.position());
    Collected ca = collect(da.selectionSet());
    Collected cb = collect(db.selectionSet());
    between(conflicts, exclusive, ca.fields, cb.fields);
    for (FragmentSpread s : cb.spreads) {
      betweenFragments(conflicts, exclusive, a, s);
    }
    for (FragmentSpread s : ca.spreads) {
      betweenFragments(conflicts, exclusive, s, b);
    }
    depth--;
  }

  private boolean hasPair(String a, String b, boolean exclusive) {
    Map<String, Boolean> m = comparedPairs.get(a);
    if (m == null || !m.containsKey(b)) {
      return false;
    }
    return exclusive || !m.get(b);
  }

  private void between(
      List<Conflict> conflicts,
      boolean exclusive,
      Map<String, List<Field>> a,
      Map<String, List<Field>> b) {
    for (Map.Entry<String, List<Field>> e : a.entrySet()) {
      List<Field> others = b.get(e.getKey());
      if (others == null) {
        continue;
      }
      for (Field fa : e.getValue()) {
        for (Field fb : others) {
          add(conflicts, find(exclusive, fa, fb));
        }
      }
    }
  }

  /**
   * Counts one unit of comparison work, charged to the query's time budget 64 at a time, and fails
   * once a crafted query would take too long.
   */
  private void spend(Position position) {
    if ((++comparisons & 63) == 0) {
      charge.accept(64);
    }
    if (comparisons > MAX_COMPARISONS) {
      throw new GraphqlException(
          "the query has too many overlapping fields and fragments to validate (more than "
              + MAX_COMPARISONS
              + " comparisons)",
          position);
    }
  }

  private Conflict find(boolean parentsExclusive, Field a, Field b) {
    spend(b.position());
    FieldDefinition da = fieldDefs.apply(a);
    FieldDefinition db = fieldDefs.apply(b);
    TypeDef pa = fieldParents.apply(a);
    TypeDef pb = fieldParents.apply(b);
    if (da == null || db == null || pa == null || pb == null) {
      return null;
    }
    boolean exclusive =
        parentsExclusive
            || (!pa.name.equals(pb.name) && pa.kind.equals("OBJECT") && pb.kind.equals("OBJECT"));
    String responseName = a.alias().isEmpty() ? a.name() : a.alias();
    if (!exclusive) {
      if (!a.name().equals(b.name())) {
        return new Conflict(
            responseName,
            a.name() + " and " + b.name() + " are different fields",
            List.of(),
            b.position());
      }
      if (!sameArguments(a.arguments(), b.arguments())) {
        return new Conflict(responseName, "they have differing arguments", List.of(), b.position());
      }
    }
    if (typesConflict(da.type(), db.type())) {
      return new Conflict(
          responseName,
          "they return conflicting types " + da.type() + " and " + db.type(),
          List.of(),
          b.position());
    }
    enter(b.position());
    List<Conflict> sub = betweenSubSelections(exclusive, a.selectionSet(), b.selectionSet());
    depth--;
    return sub.isEmpty() ? null : new Conflict(responseName, "", sub, b.position());
  }

  private List<Conflict> betweenSubSelections(
      boolean exclusive, List<Selection> a, List<Selection> b) {
    List<Conflict> conflicts = new ArrayList<>();
    Collected ca = collect(a);
    Collected cb = collect(b);
    between(conflicts, exclusive, ca.fields, cb.fields);
    for (FragmentSpread s : cb.spreads) {
      comparedFragments = new HashSet<>();
      betweenFieldsAndFragment(conflicts, exclusive, ca.fields, s);
    }
    for (FragmentSpread s : ca.spreads) {
      comparedFragments = new HashSet<>();
      betweenFieldsAndFragment(conflicts, exclusive, cb.fields, s);
    }
    for (FragmentSpread sa : ca.spreads) {
      for (FragmentSpread sb : cb.spreads) {
        betweenFragments(conflicts, exclusive, sa, sb);
      }
    }
    return conflicts;
  }

  private void enter(Position position) {
    if (++depth > Parser.MAX_DEPTH) {
      throw new GraphqlException(
          "exceeded the maximum nesting depth of " + Parser.MAX_DEPTH + " while validating",
          position);
    }
  }

  private static boolean sameFields(Map<String, List<Field>> a, Map<String, List<Field>> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, List<Field>> e : a.entrySet()) {
      List<Field> x = e.getValue();
      List<Field> y = b.get(e.getKey());
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (x.get(i) != y.get(i)) {
          return false;
        }
      }
    }
    return true;
  }

  /** gqlparser compares argument values by kind and raw text only. */
  private static boolean sameArguments(List<Argument> a, List<Argument> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (Argument x : a) {
      boolean matched = false;
      for (Argument y : b) {
        if (x.name().equals(y.name()) && sameValue(x.value(), y.value())) {
          matched = true;
          break;
        }
      }
      if (!matched) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameValue(Value a, Value b) {
    if (a == null || b == null) {
      return a == b;
    }
    return a.kind() == b.kind() && a.raw().equals(b.raw());
  }

  private boolean typesConflict(Type a, Type b) {
    if (a.elem() != null) {
      return b.elem() == null || typesConflict(a.elem(), b.elem());
    }
    if (b.elem() != null || a.nonNull() != b.nonNull()) {
      return true;
    }
    TypeDef ta = schema.types.get(a.namedType());
    TypeDef tb = schema.types.get(b.namedType());
    if (ta != null && tb != null && ta.isLeaf() && tb.isLeaf()) {
      return !ta.name.equals(tb.name);
    }
    return false;
  }

  private static Collected collect(List<Selection> set) {
    Map<String, List<Field>> fields = new LinkedHashMap<>();
    List<FragmentSpread> spreads = new ArrayList<>();
    collect(set, fields, spreads);
    return new Collected(fields, spreads);
  }

  private static void collect(
      List<Selection> set, Map<String, List<Field>> fields, List<FragmentSpread> spreads) {
    for (Selection s : set) {
      switch (s) {
        case Field f ->
            fields
                .computeIfAbsent(f.alias().isEmpty() ? f.name() : f.alias(), k -> new ArrayList<>())
                .add(f);
        case InlineFragment inf -> collect(inf.selectionSet(), fields, spreads);
        case FragmentSpread fs -> spreads.add(fs);
      }
    }
  }
}
