package dev.vigil.pdp;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes the decision-log record of a refusal no policy made (a request refused before policy, a
 * summary of refusals that could not be logged): denied and enforced, whatever the route's mode,
 * with the fields every decision's event has and those the refusal adds.
 */
public final class RefusalEvents {

  private RefusalEvents() {}

  /**
   * Returns the record.
   *
   * @param route the record's route column (a listener's name for the sidecar's), or null
   * @param fields the event's own fields, in order, after {@code reason} and before {@code node}
   */
  public static DecisionRecord record(
      String id,
      Instant now,
      String path,
      String route,
      String reason,
      Map<String, Value> fields,
      String node) {
    Map<Value, Value> e = new LinkedHashMap<>();
    put(e, "decision_id", StringValue.of(id));
    put(e, "timestamp", StringValue.of(now.toString()));
    put(e, "path", StringValue.of(path));
    put(e, "allowed", BooleanValue.FALSE);
    put(e, "mode", StringValue.of("enforce"));
    put(e, "enforced", BooleanValue.TRUE);
    put(e, "reason", StringValue.of(reason));
    fields.forEach((k, v) -> put(e, k, v));
    put(e, "node", StringValue.of(node));
    return new DecisionRecord(
        id, now, path, null, route, false, "enforce", true, node, Json.write(ObjectValue.wrap(e)));
  }

  /**
   * Returns the record of a request or connection a listener refused before policy: its fields are
   * {@code refusal} (the code), {@code listener}, {@code peer}, then {@code extra} in order; the
   * listener's name is the route column.
   */
  public static DecisionRecord listenerRecord(
      String id,
      Instant now,
      String path,
      String listener,
      String peer,
      String code,
      String reason,
      Map<String, String> extra,
      String node) {
    Map<String, Value> fields = new LinkedHashMap<>();
    fields.put("refusal", StringValue.of(code));
    fields.put("listener", StringValue.of(listener));
    fields.put("peer", StringValue.of(peer));
    extra.forEach((k, v) -> fields.put(k, StringValue.of(v)));
    return record(id, now, path, listener, reason, fields, node);
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }
}
