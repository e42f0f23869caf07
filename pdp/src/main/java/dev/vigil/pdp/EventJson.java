package dev.vigil.pdp;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes the decision-log event of one decision as compact JSON, straight from the decision,
 * without first building it as a value tree.
 *
 * <p>Why: every decision is logged, so the event is written once per request; building a map of
 * values and then sorting and escaping it generically was the largest single cost of a decision.
 * The text is the same as {@link Json#write} gives for the same event: keys sorted at every level,
 * strings escaped as Go's encoder does (the escaping itself is {@link Json#quote}'s, reached only
 * for strings that need it).
 */
final class EventJson {

  /**
   * The ASCII characters a JSON string holds as they are: printable, and not the quote, backslash,
   * {@code <}, {@code >} or {@code &}.
   */
  private static final boolean[] PLAIN = new boolean[0x7f];

  static {
    for (char c = 0x20; c < 0x7f; c++) {
      PLAIN[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
    }
  }

  private EventJson() {}

  /** One top-level member: a key and its value (a {@link Value}, String, Boolean or Long). */
  private record Member(String key, Object value) {}

  private record Metrics(long evalNanos) {}

  private record Revision(String revision) {}

  static String write(
      Decision d, Masking.Result masked, Instant now, Map<String, String> context, String node) {
    List<Member> members = new ArrayList<>(16 + context.size());
    members.add(new Member("decision_id", d.decisionId()));
    members.add(new Member("timestamp", Timestamps.iso(now)));
    members.add(new Member("path", d.path()));
    if (masked.input() != null) {
      members.add(new Member("input", masked.input()));
    }
    if (d.result() != null) {
      members.add(new Member("result", d.result()));
    }
    members.add(new Member("allowed", d.allowed()));
    members.add(new Member("mode", d.mode().label()));
    members.add(new Member("enforced", d.enforced()));
    if (!d.reason().isEmpty()) {
      members.add(new Member("reason", d.reason()));
    }
    if (d.explanation() != null) {
      members.add(new Member("explanation", d.explanation()));
    }
    if (!d.revision().isEmpty()) {
      members.add(new Member("bundles", new Revision(d.revision())));
    }
    members.add(new Member("metrics", new Metrics(d.latencyNanos())));
    members.add(new Member("latency_ns", d.latencyNanos()));
    members.add(new Member("node", node));
    // Context fields replace event fields of the same name, as they always have.
    context.forEach(
        (k, v) -> {
          members.removeIf(m -> m.key().equals(k));
          members.add(new Member(k, v));
        });
    if (!masked.erased().isEmpty()) {
      members.add(new Member("erased", masked.erased()));
    }
    if (!masked.masked().isEmpty()) {
      members.add(new Member("masked", masked.masked()));
    }
    members.sort((a, b) -> a.key().compareTo(b.key()));
    StringBuilder sb = new StringBuilder(768);
    sb.append('{');
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      Member m = members.get(i);
      quote(m.key(), sb);
      sb.append(':');
      plain(m.value(), sb);
    }
    return sb.append('}').toString();
  }

  private static void plain(Object v, StringBuilder sb) {
    switch (v) {
      case Metrics m ->
          sb.append("{\"timer_rego_query_eval_ns\":").append(m.evalNanos()).append('}');
      case Revision r -> {
        sb.append("{\"vigil\":{\"revision\":");
        quote(r.revision(), sb);
        sb.append("}}");
      }
      case String s -> quote(s, sb);
      case Boolean b -> sb.append(b.booleanValue());
      case Long n -> sb.append(n.longValue());
      case Value value -> value(value, sb);
      case Explanation x -> explanation(x, sb);
      case List<?> l -> {
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          quote((String) l.get(i), sb);
        }
        sb.append(']');
      }
      default -> throw new IllegalArgumentException("no JSON form for " + v.getClass());
    }
  }

  private static void explanation(Explanation x, StringBuilder sb) {
    // Keys in sorted order: expression, location, message, rule.
    sb.append('{');
    if (x.failedExpression() != null) {
      sb.append("\"expression\":");
      quote(x.failedExpression(), sb);
      sb.append(',');
    }
    sb.append("\"location\":");
    quote(x.location(), sb);
    sb.append(",\"message\":");
    quote(x.message(), sb);
    sb.append(",\"rule\":");
    quote(x.rule(), sb);
    sb.append('}');
  }

  /** Writes a value as {@link Json#write} does. */
  static void value(Value v, StringBuilder sb) {
    switch (v) {
      case StringValue s -> quote(s.value(), sb);
      case BooleanValue b -> sb.append(b.value());
      case NullValue n -> sb.append("null");
      case NumberValue n -> sb.append(n);
      case ArrayValue a -> list(a.elements(), sb);
      case SetValue s -> list(s.elements(), sb);
      case ObjectValue o -> object(o, sb);
    }
  }

  private static void list(List<Value> items, StringBuilder sb) {
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      value(items.get(i), sb);
    }
    sb.append(']');
  }

  private static void object(ObjectValue o, StringBuilder sb) {
    if (!stringKeyed(o, sb)) {
      mixedKeyed(o, sb);
    }
  }

  /**
   * Writes an object whose keys are all strings, the usual case, in one pass over its entries:
   * names sorted as strings (distinct keys, so no ties), without sorting the key values first.
   * Returns false, having written nothing, when a key is not a string.
   */
  private static boolean stringKeyed(ObjectValue o, StringBuilder sb) {
    int n = o.size();
    String[] names = new String[n];
    Value[] values = new Value[n];
    int i = 0;
    for (Map.Entry<Value, Value> e : o.asMap().entrySet()) {
      if (!(e.getKey() instanceof StringValue key)) {
        return false;
      }
      // Insertion sort: event objects hold a handful of keys.
      String name = key.value();
      int at = i++;
      while (at > 0 && names[at - 1].compareTo(name) > 0) {
        names[at] = names[at - 1];
        values[at] = values[at - 1];
        at--;
      }
      names[at] = name;
      values[at] = e.getValue();
    }
    members(names, values, sb);
    return true;
  }

  private static void members(String[] names, Value[] values, StringBuilder sb) {
    sb.append('{');
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      quote(names[i], sb);
      sb.append(':');
      value(values[i], sb);
    }
    sb.append('}');
  }

  private static void mixedKeyed(ObjectValue o, StringBuilder sb) {
    List<Value> keys = o.keys();
    String[] names = new String[keys.size()];
    boolean sorted = true;
    for (int i = 0; i < names.length; i++) {
      Value k = keys.get(i);
      names[i] = k instanceof StringValue s ? s.value() : Json.write(k);
      sorted &= i == 0 || names[i - 1].compareTo(names[i]) <= 0;
    }
    Value[] values = new Value[names.length];
    if (sorted) {
      for (int i = 0; i < names.length; i++) {
        values[i] = o.get(keys.get(i));
      }
    } else {
      // Keys that are not all strings, ordered by their JSON text as Json.write orders them.
      Integer[] order = new Integer[names.length];
      Arrays.setAll(order, i -> i);
      Arrays.sort(order, (a, b) -> names[a].compareTo(names[b]));
      String[] byName = new String[names.length];
      for (int i = 0; i < order.length; i++) {
        byName[i] = names[order[i]];
        values[i] = o.get(keys.get(order[i]));
      }
      System.arraycopy(byName, 0, names, 0, names.length);
    }
    members(names, values, sb);
  }

  /** Appends a quoted string; plain ASCII is copied whole, anything else escaped by Json. */
  static void quote(String s, StringBuilder sb) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= PLAIN.length || !PLAIN[c]) {
        Json.quote(s, sb);
        return;
      }
    }
    sb.append('"').append(s).append('"');
  }
}
