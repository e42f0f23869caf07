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
import java.util.Set;
import java.util.function.BiConsumer;

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
    return write(d, masked, MaskedSecrets.NONE, now, context, node);
  }

  /**
   * Writes the event; a string of the result or the reason that reveals one of {@code secrets} (a
   * masked field's text, or a value the policy derived from it) is written masked.
   */
  static DecisionEvent write(
      Decision d,
      Masking.Result masked,
      MaskedSecrets secrets,
      Instant now,
      Map<String, String> context,
      String node) {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    Walk walk = new Walk(e);
    // Context fields replace event fields of the same name, as they always have; the usual context
    // (route, subject) names none.
    boolean replaces = false;
    for (String k : context.keySet()) {
      replaces |= EVENT_FIELDS.contains(k);
    }
    Map<String, String> replacing = replaces ? context : Map.of();
    if (free("decision_id", replacing)) {
      e.key("decision_id").string(d.decisionId());
    }
    if (free("timestamp", replacing)) {
      e.key("timestamp").time(now);
    }
    if (free("path", replacing)) {
      e.key("path").string(d.path());
    }
    if (masked.input() != null && free("input", replacing)) {
      e.key("input");
      walk.value(masked.input());
    }
    if (d.result() != null && free("result", replacing)) {
      e.key("result");
      walk.value(secrets.scrub(d.result()));
    }
    if (free("allowed", replacing)) {
      e.key("allowed").bool(d.allowed());
    }
    if (free("mode", replacing)) {
      e.key("mode").string(d.mode().label());
    }
    if (free("enforced", replacing)) {
      e.key("enforced").bool(d.enforced());
    }
    if (!d.reason().isEmpty() && free("reason", replacing)) {
      e.key("reason").string(secrets.scrubText(d.reason()));
    }
    if (d.explanation() != null && free("explanation", replacing)) {
      explanation(d.explanation(), e.key("explanation"));
    }
    if (!d.revision().isEmpty() && free("bundles", replacing)) {
      e.key("bundles").startObject().key("vigil").startObject();
      e.key("revision").string(d.revision()).end().end();
    }
    // No policy evaluated, no latency: a zero or the time spent logging would read as a decision's.
    if (d.timed() && free("metrics", replacing)) {
      e.key("metrics").startObject();
      e.key("timer_rego_query_eval_ns").integer(d.latencyNanos()).end();
    }
    if (d.timed() && free("latency_ns", replacing)) {
      e.key("latency_ns").integer(d.latencyNanos());
    }
    if (free("node", replacing)) {
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

  /** The event's own fields, which a context field of the same name replaces. */
  private static final Set<String> EVENT_FIELDS =
      Set.of(
          "decision_id",
          "timestamp",
          "path",
          "input",
          "result",
          "allowed",
          "mode",
          "enforced",
          "reason",
          "explanation",
          "bundles",
          "metrics",
          "latency_ns",
          "node");

  private static boolean free(String key, Map<String, String> replacing) {
    return replacing.isEmpty() || !replacing.containsKey(key);
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
    new Walk(e).value(v);
  }

  /**
   * Writes values into one event. An object's members are written in one pass over its map, the
   * cheapest way through it, as long as its keys are strings; an object with a key that is not is
   * written again, in its keys' own order (see {@link #object}).
   */
  private static final class Walk implements BiConsumer<Value, Value> {
    private final DecisionEvent.Encoder e;

    /** Whether the object being written has a key that is not a string. */
    private boolean mixed;

    Walk(DecisionEvent.Encoder e) {
      this.e = e;
    }

    void value(Value v) {
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
        case ArrayValue a -> list(a.elements());
        case SetValue s -> list(s.elements());
        case ObjectValue o -> object(o);
      }
    }

    /** One member of the object being written, while its keys are strings. */
    @Override
    public void accept(Value key, Value value) {
      if (mixed) {
        return;
      }
      if (key instanceof StringValue k) {
        e.key(k.value());
        value(value);
      } else {
        mixed = true;
      }
    }

    private void object(ObjectValue o) {
      long mark = e.mark();
      boolean outer = mixed;
      mixed = false;
      e.startObject();
      o.forEach(this);
      if (mixed) {
        // A key that is not a string is named by its JSON text, as Json.write names it. Keys
        // named alike (1 and "1") are read back in the order written: Json.write's, the keys'
        // own order.
        e.rewind(mark);
        e.startObject();
        for (Value k : o.keys()) {
          e.key(k instanceof StringValue s ? s.value() : Json.write(k));
          value(o.get(k));
        }
      }
      mixed = outer;
      e.end();
    }

    private void list(List<Value> items) {
      e.startArray();
      for (Value item : items) {
        value(item);
      }
      e.end();
    }
  }
}
