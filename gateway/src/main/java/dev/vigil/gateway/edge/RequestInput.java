package dev.vigil.gateway.edge;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.pdp.Timestamps;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the policy input of one request through the gateway, in the shape of docs/policy-input.md:
 * {@code subject}, {@code user}, {@code device}, {@code request}, {@code resource}, {@code action},
 * {@code grants}.
 */
public final class RequestInput {

  /** Request headers passed to policy; others (cookies, authorization) never are. */
  static final Set<String> POLICY_HEADERS =
      Set.of("user-agent", "accept", "content-type", "origin", "referer", "x-request-id");

  private RequestInput() {}

  /**
   * Builds the input of one request; {@code session} is null for a caller without one, {@code
   * device} and {@code grants} null for none.
   */
  public static Value build(
      String method,
      String path,
      String host,
      Map<String, String> headers,
      String sourceIp,
      Instant time,
      Route route,
      Session session,
      Value device,
      Value grants) {
    Map<Value, Value> request = new HashMap<>();
    put(request, "method", StringValue.of(method));
    put(request, "path", StringValue.of(path));
    put(request, "host", StringValue.of(host == null ? "" : host));
    Map<Value, Value> selected = new HashMap<>();
    headers.forEach(
        (k, v) -> {
          String name = k.toLowerCase(Locale.ROOT);
          if (POLICY_HEADERS.contains(name)) {
            selected.put(StringValue.of(name), StringValue.of(v));
          }
        });
    put(request, "headers", ObjectValue.wrap(selected));
    put(request, "source_ip", StringValue.of(sourceIp == null ? "" : sourceIp));
    put(request, "time", StringValue.of(Timestamps.iso(time)));

    Map<Value, Value> resource = new HashMap<>();
    route.resource().forEach((k, v) -> put(resource, k, StringValue.of(v)));
    put(resource, "route", StringValue.of(route.name()));

    Map<Value, Value> input = new HashMap<>();
    put(input, "request", ObjectValue.wrap(request));
    put(input, "resource", ObjectValue.wrap(resource));
    put(input, "action", StringValue.of(route.actionFor(method)));
    put(input, "device", device == null ? DeviceInput.UNKNOWN : device);
    put(input, "grants", grants == null ? GrantInput.NONE : grants);
    if (session != null) {
      Map<Value, Value> subject = new HashMap<>();
      put(subject, "type", StringValue.of("user"));
      put(subject, "id", StringValue.of(session.userId()));
      put(subject, "email", StringValue.of(session.email()));
      put(subject, "roles", strings(session.roles()));
      put(subject, "groups", strings(session.groups()));
      put(subject, "mfa", BooleanValue.of(session.mfa()));
      put(subject, "amr", strings(session.amr()));
      put(subject, "auth_time", NumberValue.of(session.authTime()));
      put(subject, "acr", StringValue.of(session.acr()));
      put(subject, "idp", StringValue.of(session.provider()));
      put(input, "subject", ObjectValue.wrap(subject));
      Map<Value, Value> user = new HashMap<>(subject);
      user.remove(StringValue.of("type"));
      put(user, "role", StringValue.of(session.roles().isEmpty() ? "" : session.roles().get(0)));
      put(input, "user", ObjectValue.wrap(user));
    }
    return ObjectValue.wrap(input);
  }

  private static ArrayValue strings(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) StringValue.of(x)).toList());
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }
}
