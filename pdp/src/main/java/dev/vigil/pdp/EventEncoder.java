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
import dev.vigil.store.DecisionEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes the decision-log event of one decision in the log's compact form ({@link DecisionEvent}),
 * straight from the decision, without first building it as a value tree.
 *
 * <p>Why: every decision is logged, so the event is written once per request. Writing it as JSON
 * text (sorting every object's keys, checking every string for characters to escape) was most of
 * the log writer's CPU time; the compact form takes values in the order they come, and the JSON
 * text, the same as {@link Json#write} gives for the event, is made only when the event is read.
 */
final class EventEncoder {

  private EventEncoder() {}

  static DecisionEvent write(
      Decision d, Masking.Result masked, Instant now, Map<String, String> context, String node) {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    // Context fields replace event fields of the same name, as they always have.
    if (free("decision_id", context)) {
      e.key("decision_id").string(d.decisionId());
    }
    if (free("timestamp", context)) {
      e.key("timestamp").time(now);
    }
    if (free("path", context)) {
      e.key("path").string(d.path());
    }
    if (masked.input() != null && free("input", context)) {
      value(masked.input(), e.key("input"));
    }
    if (d.result() != null && free("result", context)) {
      value(d.result(), e.key("result"));
    }
    if (free("allowed", context)) {
      e.key("allowed").bool(d.allowed());
    }
    if (free("mode", context)) {
      e.key("mode").string(d.mode().label());
    }
    if (free("enforced", context)) {
      e.key("enforced").bool(d.enforced());
    }
    if (!d.reason().isEmpty() && free("reason", context)) {
      e.key("reason").string(d.reason());
    }
    if (d.explanation() != null && free("explanation", context)) {
      explanation(d.explanation(), e.key("explanation"));
    }
    if (!d.revision().isEmpty() && free("bundles", context)) {
      e.key("bundles").startObject().key("vigil").startObject();
      e.key("revision").string(d.revision()).end().end();
    }
    if (free("metrics", context)) {
      e.key("metrics").startObject();
      e.key("timer_rego_query_eval_ns").integer(d.latencyNanos()).end();
    }
    if (free("latency_ns", context)) {
      e.key("latency_ns").integer(d.latencyNanos());
    }
    if (free("node", context)) {
      e.key("node").string(node);
    }
    context.forEach((k, v) -> e.key(k).string(v));
    // Masking's own fields are written last and are never replaced.
    if (!masked.erased().isEmpty()) {
      strings(masked.erased(), e.key("erased"));
    }
    if (!masked.masked().isEmpty()) {
      strings(masked.masked(), e.key("masked"));
    }
    return e.end().done();
  }

  private static boolean free(String key, Map<String, String> context) {
    return context.isEmpty() || !context.containsKey(key);
  }

  private static void explanation(Explanation x, DecisionEvent.Encoder e) {
    e.startObject();
    if (x.failedExpression() != null) {
      e.key("expression").string(x.failedExpression());
    }
    e.key("location").string(x.location());
    e.key("message").string(x.message());
    e.key("rule").string(x.rule());
    e.end();
  }

  private static void strings(List<String> items, DecisionEvent.Encoder e) {
    e.startArray();
    for (String s : items) {
      e.string(s);
    }
    e.end();
  }

  /** Writes a value; its JSON text is the one {@link Json#write} gives. */
  static void value(Value v, DecisionEvent.Encoder e) {
    if (!e.mayNest()
        && (v instanceof ArrayValue || v instanceof SetValue || v instanceof ObjectValue)) {
      // Deeper than the compact form nests (inputs may nest 1,000 levels): kept as JSON text.
      e.json(Json.write(v));
      return;
    }
    switch (v) {
      case StringValue s -> e.string(s.value());
      case BooleanValue b -> e.bool(b.value());
      case NullValue n -> e.nul();
      case NumberValue n -> e.number(n.toString());
      case ArrayValue a -> list(a.elements(), e);
      case SetValue s -> list(s.elements(), e);
      case ObjectValue o -> object(o, e);
    }
  }

  private static void object(ObjectValue o, DecisionEvent.Encoder e) {
    e.startObject();
    if (stringKeyed(o)) {
      for (Map.Entry<Value, Value> m : o.asMap().entrySet()) {
        e.key(((StringValue) m.getKey()).value());
        value(m.getValue(), e);
      }
    } else {
      // A key that is not a string is named by its JSON text, as Json.write names it. Keys named
      // alike (1 and "1") are read back in the order written: Json.write's, the keys' own order.
      for (Value k : o.keys()) {
        e.key(k instanceof StringValue s ? s.value() : Json.write(k));
        value(o.get(k), e);
      }
    }
    e.end();
  }

  private static boolean stringKeyed(ObjectValue o) {
    for (Value k : o.asMap().keySet()) {
      if (!(k instanceof StringValue)) {
        return false;
      }
    }
    return true;
  }

  private static void list(List<Value> items, DecisionEvent.Encoder e) {
    e.startArray();
    for (Value item : items) {
      value(item, e);
    }
    e.end();
  }
}
