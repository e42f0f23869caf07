package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * What a replay needs of one logged decision, read from its event.
 *
 * @param record the decision as stored
 * @param input the input as logged (masked fields masked, erased ones gone), or null when the
 *     decision had none
 * @param hidden the fields the log masked or erased, as it lists them ({@code /input/a/b})
 * @param refused true when the enforcement point refused the request before any policy was asked (a
 *     forged token, a peer that failed verification): enforced, and never evaluated
 * @param reason the logged reason of a denial, or null
 * @param explanation the logged explanation's message, or null
 */
record RecordedDecision(
    DecisionRecord record,
    Value input,
    List<String> hidden,
    boolean refused,
    String reason,
    String explanation) {

  /**
   * Reads the event of a record.
   *
   * @throws JsonException when the stored event is not JSON
   */
  static RecordedDecision of(DecisionRecord r) {
    Value v = Json.parse(r.eventJson());
    ObjectValue e = v instanceof ObjectValue o ? o : ObjectValue.EMPTY;
    List<String> hidden = new ArrayList<>();
    for (String key : List.of("masked", "erased")) {
      if (e.get(key) instanceof ArrayValue a) {
        for (Value f : a.elements()) {
          if (f instanceof StringValue s) {
            hidden.add(s.value());
          }
        }
      }
    }
    // A decision the policy made always has its evaluation time logged; one refused before any
    // policy, or let through unevaluated by observe mode, never has.
    boolean timed = e.get("latency_ns") != null || e.get("metrics") != null;
    boolean refused = !r.allowed() && r.enforced() && !timed;
    String explanation =
        e.get("explanation") instanceof ObjectValue x && x.get("message") instanceof StringValue m
            ? m.value()
            : null;
    return new RecordedDecision(
        r, e.get("input"), List.copyOf(hidden), refused, text(e, "reason"), explanation);
  }

  /** The request's method, from the input the gateway builds, or null. */
  String method() {
    return requestField("method");
  }

  /** The request's normalised path, from the input the gateway builds, or null. */
  String requestPath() {
    return requestField("path");
  }

  private String requestField(String key) {
    if (input instanceof ObjectValue in
        && in.get("request") instanceof ObjectValue req
        && req.get(key) instanceof StringValue s) {
      return s.value();
    }
    return null;
  }

  private static String text(ObjectValue o, String key) {
    return o.get(key) instanceof StringValue s ? s.value() : null;
  }
}
