package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.edge.RequestInput;
import dev.vigil.identity.SpiffeId;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the policy input of one request through a sidecar: the gateway's request, resource and
 * action parts (docs/policy-input.md), {@code subject} for the verified workload ({@code type}
 * {@code workload}, {@code id} and {@code spiffe_id} both the SPIFFE ID, {@code trust_domain}), and
 * {@code request.mtls}, false when the request came in plaintext on a PERMISSIVE port (then there
 * is no subject).
 */
public final class WorkloadInput {

  private WorkloadInput() {}

  /**
   * Builds the input of one request; {@code caller} is null for a plaintext caller on a PERMISSIVE
   * port.
   */
  public static Value build(
      String method,
      String path,
      String host,
      Map<String, String> headers,
      String sourceIp,
      Instant time,
      Route route,
      SpiffeId caller) {
    ObjectValue base =
        (ObjectValue)
            RequestInput.build(
                method, path, host, headers, sourceIp, time, route, null, null, null);
    Map<Value, Value> input = new HashMap<>(base.asMap());
    Map<Value, Value> request = new HashMap<>(((ObjectValue) base.get("request")).asMap());
    request.put(StringValue.of("mtls"), BooleanValue.of(caller != null));
    input.put(StringValue.of("request"), ObjectValue.wrap(request));
    if (caller != null) {
      input.put(StringValue.of("subject"), subject(caller));
    }
    return ObjectValue.wrap(input);
  }

  /**
   * Builds the input of one TCP connection, decided once when it opens: the request part has no
   * {@code method}, {@code path}, {@code host} or {@code headers} (a byte stream has none) but
   * {@code protocol: "tcp"}; {@code action} is the route's, else {@code write}, since the stream
   * may carry writes (docs/policy-input.md, "TCP connections").
   */
  public static Value tcp(String sourceIp, Instant time, Route route, SpiffeId caller) {
    // No method: Route.actionFor gives the route's action, else "write".
    ObjectValue base = (ObjectValue) build("", "", "", Map.of(), sourceIp, time, route, caller);
    Map<Value, Value> input = new HashMap<>(base.asMap());
    Map<Value, Value> request = new HashMap<>(((ObjectValue) base.get("request")).asMap());
    for (String absent : new String[] {"method", "path", "host", "headers"}) {
      request.remove(StringValue.of(absent));
    }
    request.put(StringValue.of("protocol"), StringValue.of("tcp"));
    input.put(StringValue.of("request"), ObjectValue.wrap(request));
    return ObjectValue.wrap(input);
  }

  static ObjectValue subject(SpiffeId id) {
    return ObjectValue.of(
        StringValue.of("type"),
        StringValue.of("workload"),
        StringValue.of("id"),
        StringValue.of(id.toString()),
        StringValue.of("spiffe_id"),
        StringValue.of(id.toString()),
        StringValue.of("trust_domain"),
        StringValue.of(id.trustDomain().name()));
  }
}
