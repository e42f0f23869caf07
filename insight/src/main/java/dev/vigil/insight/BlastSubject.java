package dev.vigil.insight;

import dev.vigil.access.DeviceState;
import dev.vigil.access.Grant;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.edge.DeviceInput;
import dev.vigil.gateway.edge.GrantInput;
import dev.vigil.gateway.edge.RequestInput;
import dev.vigil.gateway.sidecar.WorkloadInput;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SpiffeIdException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The identity a blast radius is measured for, with the attributes a request of it would carry: a
 * user's roles, groups, MFA and device, or a workload's SPIFFE ID and trust domain. They are read
 * from its latest logged input in a window, and any of a user's can be given instead.
 *
 * <p>Inputs for it are built by the gateway's own builders ({@link RequestInput} for a user at the
 * edge, {@link WorkloadInput} for a workload at a sidecar), so that a policy sees what it would see
 * from a real request. Its just-in-time grants are not carried: the radius is its standing access,
 * unless grants are given ({@code --grant ENTITLEMENT}), which a user's requests then carry in
 * {@code input.grants} as the gateway puts an approved grant there: what holding them would add.
 *
 * @param kind {@link DecisionFacts#USER} or {@link DecisionFacts#WORKLOAD}
 * @param id the user's id, or the workload's SPIFFE ID
 * @param subject the logged {@code input.subject} with the options applied; empty when never seen
 * @param device the device its requests carry ({@code input.device}), for a user
 * @param sourceIp the address its latest logged request came from, or null
 * @param seen the decision its attributes were read from, or null when none in the window
 * @param given the options that replaced a logged attribute ({@code --role} ...)
 * @param grants the entitlements its requests carry a grant of, as if approved; empty for its
 *     standing access
 */
public record BlastSubject(
    String kind,
    String id,
    ObjectValue subject,
    Value device,
    String sourceIp,
    DecisionRecord seen,
    List<String> given,
    List<String> grants) {

  public BlastSubject {
    given = List.copyOf(given);
    grants = List.copyOf(grants);
  }

  /**
   * Attributes given instead of the logged ones; null (or an empty list) keeps the logged value.
   *
   * @param managedDevice true for a managed device (the logged one when it was managed, else one
   *     with no posture), false for a request without a device certificate
   * @param grants entitlements to carry a grant of in every request, or null for none
   */
  public record Overrides(
      List<String> roles,
      List<String> groups,
      Boolean mfa,
      Boolean managedDevice,
      List<String> grants) {

    public static final Overrides NONE = new Overrides(null, null, null, null, null);

    /** Attributes given instead of the logged ones, without grants. */
    public Overrides(List<String> roles, List<String> groups, Boolean mfa, Boolean managedDevice) {
      this(roles, groups, mfa, managedDevice, null);
    }

    /** The options these overrides stand for, for reports. */
    List<String> named() {
      List<String> out = new ArrayList<>();
      if (roles != null && !roles.isEmpty()) {
        out.add("--role");
      }
      if (groups != null && !groups.isEmpty()) {
        out.add("--group");
      }
      if (mfa != null) {
        out.add("--mfa");
      }
      if (managedDevice != null) {
        out.add("--managed-device");
      }
      if (grants != null && !grants.isEmpty()) {
        out.add("--grant");
      }
      return out;
    }
  }

  /**
   * Finds the subject {@code text} names ({@code user:ID} or a SPIFFE ID) in the window's log and
   * applies {@code overrides}.
   *
   * @throws IllegalArgumentException naming the subject when it is neither form, when an option
   *     does not apply to a workload, or when the window never saw it and no attribute was given
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static BlastSubject find(Store store, Window window, String text, Overrides overrides) {
    String kind;
    String id;
    if (text.startsWith("user:") && text.length() > "user:".length()) {
      kind = DecisionFacts.USER;
      id = text.substring("user:".length());
    } else if (text.startsWith("spiffe://")) {
      kind = DecisionFacts.WORKLOAD;
      try {
        id = SpiffeId.parse(text).toString();
      } catch (SpiffeIdException e) {
        throw new IllegalArgumentException(
            "subject \"" + Texts.clean(text) + "\": " + e.getMessage(), e);
      }
    } else {
      throw new IllegalArgumentException(
          "subject \""
              + Texts.clean(text)
              + "\" is neither user:ID nor a SPIFFE ID (spiffe://...)");
    }
    List<String> given = overrides.named();
    if (kind.equals(DecisionFacts.WORKLOAD) && !given.isEmpty()) {
      throw new IllegalArgumentException(
          given.get(0) + " applies to users; a workload's attributes are its SPIFFE ID " + id);
    }
    DecisionRecord latest = latest(store, window, kind, id);
    if (latest == null && given.isEmpty()) {
      throw new IllegalArgumentException(
          "subject \""
              + Texts.clean(text)
              + "\" made no request in the window "
              + window
              + (kind.equals(DecisionFacts.USER)
                  ? "; widen --since, or give its attributes (--role, --group, --mfa,"
                      + " --managed-device)"
                  : "; widen --since, or check the SPIFFE ID (vigil insight inventory lists"
                      + " the window's workloads)"));
    }
    ObjectValue input = ObjectValue.EMPTY;
    if (latest != null) {
      try {
        if (RecordedDecision.of(latest).input() instanceof ObjectValue in) {
          input = in;
        }
      } catch (JsonException e) {
        // The record's columns named the subject; its attributes stay unknown.
      }
    }
    ObjectValue subject = apply(DecisionFacts.object(input, "subject"), overrides);
    Value device = device(input.get("device"), overrides.managedDevice());
    String source = DecisionFacts.string(DecisionFacts.object(input, "request"), "source_ip");
    List<String> grants = overrides.grants() == null ? List.of() : overrides.grants();
    return new BlastSubject(kind, id, subject, device, source, latest, given, grants);
  }

  /** Whether this is a workload, reached through sidecars. */
  public boolean workload() {
    return kind.equals(DecisionFacts.WORKLOAD);
  }

  /** The node that stands for it in the dependency graph ({@code user:alice}). */
  String node() {
    return kind + ":" + Texts.clean(id);
  }

  /** Its roles, as requests carry them. */
  public List<String> roles() {
    return DecisionFacts.strings(subject, "roles");
  }

  /** Its groups, as requests carry them. */
  public List<String> groups() {
    return DecisionFacts.strings(subject, "groups");
  }

  /** Whether its requests carry {@code mfa: true}. */
  public boolean mfa() {
    return subject.get("mfa") == BooleanValue.TRUE;
  }

  /**
   * Builds the input of a request of this subject to {@code route}, as the edge gateway (for a
   * user) or a sidecar (for a workload) would build it at {@code at}: the route's path prefix and
   * host ({@code *} sends none), no headers.
   */
  Value input(Route route, String method, Instant at) {
    String host = route.host().equals("*") ? "" : route.host();
    if (workload() && BlastRadius.tcp(route)) {
      return WorkloadInput.tcp(sourceIp, at, route, SpiffeId.parse(id));
    }
    if (workload()) {
      return WorkloadInput.build(
          method, route.pathPrefix(), host, Map.of(), sourceIp, at, route, SpiffeId.parse(id));
    }
    return RequestInput.build(
        method,
        route.pathPrefix(),
        host,
        Map.of(),
        sourceIp,
        at,
        route,
        session(at),
        device,
        grants.isEmpty() ? null : grantsInput(at));
  }

  /**
   * {@code input.grants} with a grant of each of {@link #grants}, as the gateway shows an approved
   * one ({@link GrantInput}): one hour left, approved by someone else, not break-glass.
   */
  private Value grantsInput(Instant at) {
    List<Grant> held = new ArrayList<>();
    for (String e : grants) {
      held.add(
          new Grant(
              "blast-radius-" + e,
              id,
              orEmpty(DecisionFacts.string(subject, "idp")),
              e,
              "what holding the grant would add",
              at,
              Duration.ofHours(1),
              Grant.State.ACTIVE,
              "blast-radius",
              at,
              "",
              at,
              at.plusSeconds(3600),
              false,
              null,
              null,
              null,
              null,
              null));
    }
    return GrantInput.of(held);
  }

  /** A session with the subject's attributes, as the gateway holds one for a signed-in user. */
  private Session session(Instant at) {
    long now = at.getEpochSecond();
    long authTime =
        subject.get("auth_time") instanceof NumberValue n
            ? n.longValueExact() != null ? n.longValueExact() : now
            : now;
    return new Session(
        "blast-radius",
        id,
        orEmpty(DecisionFacts.string(subject, "email")),
        roles(),
        groups(),
        DecisionFacts.strings(subject, "amr"),
        DecisionFacts.string(subject, "acr"),
        mfa(),
        authTime,
        orEmpty(DecisionFacts.string(subject, "idp")),
        now,
        now,
        null,
        0,
        "",
        now + 1);
  }

  /** The latest of the window's decisions whose caller is this subject, or null. */
  private static DecisionRecord latest(Store store, Window window, String kind, String id) {
    DecisionRecord[] latest = new DecisionRecord[1];
    new DecisionScan(store)
        .forEach(
            window.since(),
            window.until(),
            null,
            r -> {
              if (latest[0] != null && !r.timestamp().isAfter(latest[0].timestamp())) {
                return;
              }
              DecisionFacts f = DecisionFacts.of(r);
              if (kind.equals(f.caller()) && id.equals(f.callerId()) && f.refusal() == null) {
                latest[0] = r;
              }
            });
    return latest[0];
  }

  private static ObjectValue apply(ObjectValue logged, Overrides o) {
    Map<Value, Value> m = new HashMap<>(logged.asMap());
    if (o.roles() != null && !o.roles().isEmpty()) {
      m.put(StringValue.of("roles"), array(o.roles()));
    }
    if (o.groups() != null && !o.groups().isEmpty()) {
      m.put(StringValue.of("groups"), array(o.groups()));
    }
    if (o.mfa() != null) {
      m.put(StringValue.of("mfa"), BooleanValue.of(o.mfa()));
    }
    return ObjectValue.wrap(m);
  }

  private static Value device(Value logged, Boolean managed) {
    boolean wasManaged = logged instanceof ObjectValue d && d.get("managed") == BooleanValue.TRUE;
    if (managed == null) {
      return logged instanceof ObjectValue ? logged : DeviceInput.UNKNOWN;
    }
    if (!managed) {
      return DeviceInput.UNKNOWN;
    }
    return wasManaged
        ? logged
        : DeviceInput.of(new DeviceState(DeviceState.Status.MANAGED, "(given)", Map.of(), 0));
  }

  private static ArrayValue array(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) StringValue.of(x)).toList());
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
