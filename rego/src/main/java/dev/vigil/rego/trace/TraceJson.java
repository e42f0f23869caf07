package dev.vigil.rego.trace;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.eval.TraceEvent;
import dev.vigil.rego.parse.AstJson;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes trace events in the two forms of OPA's REST API {@code explanation}.
 *
 * <p>The machine form ({@link #events}) is an array of objects with OPA's fields: {@code op} in
 * lower case, {@code query_id}, {@code parent_id}, {@code type} ({@code rule}, {@code body}, {@code
 * expr}, or empty for a note), {@code node} (the AST in OPA's JSON, null for a note), {@code
 * locals} (as {@code [{"key": var term, "value": value term}]}) and, for a note, {@code message}.
 * Beyond OPA's fields each event has {@code location} ({@code {"file", "row", "col"}}, the place
 * OPA keeps in its event but does not write), and a rule's or expression's node has its own {@code
 * location}, as OPA writes it when asked to include locations. OPA's clients read events by these
 * keys and ignore others.
 *
 * <p>The text form ({@link #pretty}) is one line per event, as OPA gives it for {@code
 * pretty=true}: the location ({@code file:row}, or {@code query:row} for the query asked), then
 * bars showing how deep the event's query is, the op and what it is about.
 */
public final class TraceJson {

  private TraceJson() {}

  /** Returns the events in OPA's machine form. */
  public static ArrayValue events(List<TraceEvent> events) {
    Map<Object, Value> nodes = new IdentityHashMap<>();
    List<Value> out = new ArrayList<>(events.size());
    for (TraceEvent e : events) {
      out.add(event(e, nodes));
    }
    return ArrayValue.of(out);
  }

  private static Value event(TraceEvent e, Map<Object, Value> nodes) {
    Map<Value, Value> m = new HashMap<>();
    put(m, "op", StringValue.of(e.op().label().toLowerCase(Locale.ROOT)));
    put(m, "query_id", NumberValue.of(e.queryId()));
    put(m, "parent_id", NumberValue.of(e.parentId()));
    put(m, "type", StringValue.of(typeOf(e.node())));
    put(m, "node", e.node() == null ? NullValue.NULL : node(e.node(), nodes));
    List<Value> locals = new ArrayList<>(e.locals().size());
    e.locals()
        .forEach(
            (name, value) ->
                locals.add(
                    ObjectValue.of(
                        StringValue.of("key"),
                        typed("var", StringValue.of(name)),
                        StringValue.of("value"),
                        term(value))));
    put(m, "locals", ArrayValue.of(locals));
    if (e.message() != null) {
      put(m, "message", StringValue.of(e.message()));
    }
    if (e.location() != null && e.location() != Location.NONE) {
      put(m, "location", location(e.location()));
    }
    return ObjectValue.wrap(m);
  }

  private static String typeOf(TraceEvent.Node node) {
    return switch (node) {
      case null -> "";
      case TraceEvent.RuleNode r -> "rule";
      case TraceEvent.BodyNode b -> "body";
      case TraceEvent.ExprNode x -> "expr";
    };
  }

  /** Renders a node once per trace: the events of one rule or expression share its JSON. */
  private static Value node(TraceEvent.Node node, Map<Object, Value> cache) {
    Object key =
        switch (node) {
          case TraceEvent.RuleNode r -> r.rule();
          case TraceEvent.BodyNode b -> b.exprs();
          case TraceEvent.ExprNode x -> x.expr();
        };
    Value cached = cache.get(key);
    if (cached instanceof ObjectValue o
        && node instanceof TraceEvent.ExprNode x
        && !(o.get("index") instanceof NumberValue n && n.equals(NumberValue.of(x.index())))) {
      cached = null;
    }
    if (cached != null) {
      return cached;
    }
    Value v =
        switch (node) {
          case TraceEvent.RuleNode r -> located(AstJson.rule(r.rule()), r.rule().location());
          case TraceEvent.BodyNode b -> body(b.exprs());
          case TraceEvent.ExprNode x ->
              located(AstJson.expr(x.expr(), x.index()), x.expr().location());
        };
    cache.put(key, v);
    return v;
  }

  private static Value body(List<Expr> exprs) {
    List<Value> out = new ArrayList<>(exprs.size());
    for (int i = 0; i < exprs.size(); i++) {
      out.add(located(AstJson.expr(exprs.get(i), i), exprs.get(i).location()));
    }
    return ArrayValue.of(out);
  }

  private static Value located(Value node, Location where) {
    if (!(node instanceof ObjectValue o) || where == null || where == Location.NONE) {
      return node;
    }
    Map<Value, Value> m = new LinkedHashMap<>(o.asMap());
    put(m, "location", location(where));
    return ObjectValue.wrap(m);
  }

  private static Value location(Location l) {
    return ObjectValue.of(
        StringValue.of("file"), StringValue.of(l.file()),
        StringValue.of("row"), NumberValue.of(l.line()),
        StringValue.of("col"), NumberValue.of(l.column()));
  }

  /** Returns a value as an AST term: {@code {"type": "object", "value": [[k, v], ...]}} etc. */
  static Value term(Value v) {
    return switch (v) {
      case ArrayValue a -> {
        List<Value> out = new ArrayList<>(a.size());
        for (Value x : a.elements()) {
          out.add(term(x));
        }
        yield typed("array", ArrayValue.of(out));
      }
      case SetValue s -> {
        List<Value> sorted = new ArrayList<>(s.elements());
        sorted.sort(Values::compare);
        List<Value> out = new ArrayList<>(sorted.size());
        for (Value x : sorted) {
          out.add(term(x));
        }
        yield typed("set", ArrayValue.of(out));
      }
      case ObjectValue o -> {
        List<Value> keys = new ArrayList<>(o.keys());
        keys.sort(Values::compare);
        List<Value> pairs = new ArrayList<>(keys.size());
        for (Value k : keys) {
          pairs.add(ArrayValue.of(term(k), term(o.get(k))));
        }
        yield typed("object", ArrayValue.of(pairs));
      }
      default -> typed(v.typeName(), v);
    };
  }

  private static Value typed(String type, Value value) {
    return ObjectValue.of(
        StringValue.of("type"), StringValue.of(type), StringValue.of("value"), value);
  }

  private static void put(Map<Value, Value> m, String key, Value value) {
    m.put(StringValue.of(key), value);
  }

  // ---- text form

  /** Returns the events in OPA's text form, one line each. */
  public static List<String> pretty(List<TraceEvent> events) {
    Map<Integer, Integer> depths = new HashMap<>();
    List<String> places = new ArrayList<>(events.size());
    int width = 0;
    for (TraceEvent e : events) {
      String place = place(e.location());
      places.add(place);
      width = Math.max(width, place.length());
    }
    List<String> lines = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      TraceEvent e = events.get(i);
      int depth =
          depths.computeIfAbsent(e.queryId(), q -> depths.getOrDefault(e.parentId(), 0) + 1);
      if (e.queryId() == e.parentId()) {
        depth = 1;
        depths.put(e.queryId(), 1);
      }
      StringBuilder line = new StringBuilder(places.get(i));
      line.append(" ".repeat(width - places.get(i).length() + 4));
      line.append("| ".repeat(Math.max(0, bars(e, depth))));
      line.append(e.op().label()).append(' ').append(subject(e));
      lines.add(line.toString());
    }
    return lines;
  }

  /** Returns how many bars indent an event: an Enter (or a Redo of a body or rule) one fewer. */
  private static int bars(TraceEvent e, int depth) {
    boolean opensQuery =
        e.op() == TraceEvent.Op.ENTER
            || (e.op() == TraceEvent.Op.REDO && !(e.node() instanceof TraceEvent.ExprNode));
    return opensQuery ? depth - 1 : depth;
  }

  private static String place(Location l) {
    if (l == null || l == Location.NONE) {
      return "";
    }
    return (l.file().isEmpty() ? "query" : l.file()) + ":" + l.line();
  }

  private static String subject(TraceEvent e) {
    return switch (e.node()) {
      case null -> quote(e.message() == null ? "" : e.message());
      case TraceEvent.RuleNode r -> r.path();
      case TraceEvent.ExprNode x -> oneLine(x.expr().text());
      case TraceEvent.BodyNode b -> {
        List<String> texts = new ArrayList<>(b.exprs().size());
        for (Expr x : b.exprs()) {
          texts.add(oneLine(x.text()));
        }
        yield String.join("; ", texts);
      }
    };
  }

  private static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\n\\s*", " ");
  }

  private static String quote(String s) {
    return StringValue.of(s).toJson();
  }
}
