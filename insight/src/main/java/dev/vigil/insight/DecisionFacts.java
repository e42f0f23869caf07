package dev.vigil.insight;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * What the analyses read from one logged decision, taken from its event as the gateway and the
 * sidecar build it (docs/policy-input.md): who called, which service, what was asked, from which
 * device, and why a denial was one. A field the event lacks is null (an empty list for groups and
 * roles); an event that is not JSON gives the record's columns only.
 *
 * @param caller {@code user}, {@code workload} or {@code anonymous}
 * @param callerId the user's id or the workload's SPIFFE ID; null for anonymous
 * @param trustDomain the calling workload's trust domain
 * @param sidecar whether a sidecar logged it (its event names the transport)
 * @param workload the SPIFFE ID of the workload a sidecar fronts: the one called (logged by
 *     sidecars since events name it), else null
 * @param refusal the code of a refusal before policy ({@code NO_ROUTE} ...), else null
 * @param device {@code managed}, {@code unmanaged} or {@code unknown}; null when the event has no
 *     {@code input.device}
 */
record DecisionFacts(
    DecisionRecord record,
    String caller,
    String callerId,
    String trustDomain,
    List<String> groups,
    List<String> roles,
    String service,
    String environment,
    String namespace,
    boolean sidecar,
    String workload,
    String method,
    String requestPath,
    String host,
    String refusal,
    String target,
    String device,
    String deviceId,
    String deviceStatus,
    String rule,
    String location,
    String expression,
    String reason) {

  static final String USER = "user";
  static final String WORKLOAD = "workload";
  static final String ANONYMOUS = "anonymous";

  /** Reads the facts of {@code r}. */
  static DecisionFacts of(DecisionRecord r) {
    ObjectValue event;
    try {
      event = Json.parse(r.eventJson()) instanceof ObjectValue o ? o : ObjectValue.EMPTY;
    } catch (JsonException e) {
      event = ObjectValue.EMPTY;
    }
    ObjectValue input = object(event, "input");
    ObjectValue subject = object(input, "subject");
    ObjectValue resource = object(input, "resource");
    ObjectValue request = object(input, "request");
    ObjectValue explanation = object(event, "explanation");

    String type = string(subject, "type");
    String caller;
    String callerId;
    if (WORKLOAD.equals(type) && string(subject, "spiffe_id") != null) {
      caller = WORKLOAD;
      callerId = string(subject, "spiffe_id");
    } else if (string(subject, "id") != null) {
      caller = USER;
      callerId = string(subject, "id");
    } else if (r.subject() != null && !r.subject().isEmpty()) {
      // A record written without the input, or with it masked: the subject column still names who.
      caller = r.subject().startsWith("spiffe://") ? WORKLOAD : USER;
      callerId = r.subject();
    } else {
      caller = ANONYMOUS;
      callerId = null;
    }
    String trustDomain = string(subject, "trust_domain");
    if (trustDomain == null && caller.equals(WORKLOAD)) {
      trustDomain = trustDomainOf(callerId);
    }

    ObjectValue device = object(input, "device");
    String deviceClass = null;
    String status = string(device, "status");
    if (input.get("device") instanceof ObjectValue) {
      if (device.get("managed") == BooleanValue.TRUE) {
        deviceClass = "managed";
      } else if (status == null || status.equals("no_certificate")) {
        deviceClass = "unknown";
      } else {
        deviceClass = "unmanaged";
      }
    }

    String reason = string(event, "reason");
    List<String> reasons = DecisionPoint.reasonsOf(event.get("result"));
    if (!reasons.isEmpty()) {
      reason = String.join("; ", reasons);
    }
    String host = string(request, "host");
    return new DecisionFacts(
        r,
        caller,
        callerId,
        trustDomain,
        strings(subject, "groups"),
        strings(subject, "roles"),
        string(resource, "service"),
        string(resource, "environment"),
        string(resource, "namespace"),
        event.get("transport") instanceof StringValue,
        string(event, "workload"),
        string(request, "method") != null ? string(request, "method") : string(event, "method"),
        string(request, "path"),
        host == null || host.isEmpty() ? string(event, "host") : host,
        string(event, "refusal"),
        string(event, "target"),
        deviceClass,
        string(device, "id"),
        status,
        string(explanation, "rule"),
        string(explanation, "location"),
        string(explanation, "expression"),
        reason);
  }

  /** The trust domain of a SPIFFE ID: what comes between {@code spiffe://} and the next slash. */
  static String trustDomainOf(String spiffeId) {
    if (spiffeId == null || !spiffeId.startsWith("spiffe://")) {
      return null;
    }
    String rest = spiffeId.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  /**
   * The failing condition of a denial: the rule, where it is and the expression that failed (when
   * the explanation names one), or null when the decision was not explained.
   */
  String condition() {
    if (rule == null && location == null) {
      return null;
    }
    String where = (rule == null ? "?" : rule) + " at " + (location == null ? "?" : location);
    return expression == null ? where : where + ": " + expression;
  }

  /** The object at {@code key} of {@code o}, empty when there is none. */
  static ObjectValue object(ObjectValue o, String key) {
    return o.get(key) instanceof ObjectValue v ? v : ObjectValue.EMPTY;
  }

  /** The string at {@code key} of {@code o}, or null. */
  static String string(ObjectValue o, String key) {
    return o.get(key) instanceof StringValue s ? s.value() : null;
  }

  /** The strings of the array at {@code key} of {@code o}; empty when there is none. */
  static List<String> strings(ObjectValue o, String key) {
    if (!(o.get(key) instanceof ArrayValue a)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Value v : a.elements()) {
      if (v instanceof StringValue s) {
        out.add(s.value());
      }
    }
    return out;
  }
}
