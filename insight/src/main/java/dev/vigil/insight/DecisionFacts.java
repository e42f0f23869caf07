package dev.vigil.insight;

import dev.vigil.access.Grant;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
 * @param transport how a sidecar's caller came: {@code mtls}, {@code tls} (without a client
 *     certificate) or {@code plaintext}; null when no sidecar logged the decision
 * @param workload the SPIFFE ID of the workload a sidecar fronts: the one called (logged by
 *     sidecars since events name it), else null
 * @param refusal the code of a refusal before policy ({@code NO_ROUTE} ...), else null
 * @param device {@code managed}, {@code unmanaged} or {@code unknown}; null when the event has no
 *     {@code input.device}
 * @param email the user's e-mail address ({@code input.subject.email})
 * @param idp the identity provider a user signed in with ({@code local} or a provider's name)
 * @param classification {@code input.resource.classification}
 * @param criticality {@code input.resource.criticality}
 * @param action {@code input.action}
 * @param mfa whether the caller showed a second factor ({@code input.subject.mfa})
 * @param grants the caller's grants as logged, or null when the input has none to show (masked, or
 *     not the gateway's)
 * @param recheck why an open connection was decided again or cut ({@code policy_change}, {@code
 *     svid_expiry}, {@code svid_revalidation} of a sidecar's TCP inbound listener, {@code
 *     target_svid} of a TCP outbound one), or null for a call: a re-check is no new call, and the
 *     analyses that count calls skip it
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
    String transport,
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
    String reason,
    String email,
    String idp,
    String classification,
    String criticality,
    String action,
    boolean mfa,
    List<GrantFact> grants,
    String recheck) {

  /**
   * A just-in-time grant as the gateway put it in {@code input.grants} (docs/policy-input.md).
   *
   * @param expiresAt when it stopped counting, or null when the event does not say
   * @param approvedBy the approver, {@code ""} for break-glass
   */
  record GrantFact(
      String id, String entitlement, Instant expiresAt, String approvedBy, boolean breakGlass) {

    /** Whether it counted at {@code t}: not past its end. */
    boolean countsAt(Instant t) {
      return expiresAt != null && t.isBefore(expiresAt);
    }

    /** Whether an approver gave it, rather than break-glass. */
    boolean approved() {
      return !breakGlass && approvedBy != null && !approvedBy.isEmpty();
    }
  }

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
        string(event, "transport"),
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
        reason,
        string(subject, "email"),
        string(subject, "idp"),
        string(resource, "classification"),
        string(resource, "criticality"),
        string(input, "action"),
        subject.get("mfa") == BooleanValue.TRUE,
        input.get("grants") instanceof ArrayValue a ? grants(a) : null,
        string(event, "recheck"));
  }

  /** The grants of an {@code input.grants} array; an entry that is not an object is skipped. */
  private static List<GrantFact> grants(ArrayValue a) {
    List<GrantFact> out = new ArrayList<>();
    for (Value v : a.elements()) {
      if (v instanceof ObjectValue g) {
        Instant expires;
        try {
          expires = string(g, "expires_at") == null ? null : Instant.parse(string(g, "expires_at"));
        } catch (DateTimeParseException e) {
          expires = null;
        }
        out.add(
            new GrantFact(
                string(g, "id"),
                string(g, "entitlement"),
                expires,
                string(g, "approved_by"),
                g.get("break_glass") == BooleanValue.TRUE));
      }
    }
    return out;
  }

  /** Whether a sidecar logged the decision (its event names the transport). */
  boolean sidecar() {
    return transport != null;
  }

  /**
   * The caller as the graph names it by user: {@code workload:ID}, {@code user:ID}, or anonymous.
   */
  String callerNode() {
    return switch (caller) {
      case WORKLOAD -> "workload:" + Texts.clean(callerId);
      case USER -> "user:" + Texts.clean(callerId);
      default -> ANONYMOUS;
    };
  }

  /**
   * The kind of service decided for: {@code route}, {@code sidecar}, or {@code path} without one.
   */
  String serviceKind() {
    return record.route() == null ? "path" : sidecar() ? "sidecar" : "route";
  }

  /** The service's name: the route's, else the policy path's. */
  String serviceName() {
    return Texts.clean(record.route() != null ? record.route() : record.path());
  }

  /**
   * The service as the graph names it: {@code route:NAME}, {@code sidecar:NAME}, {@code path:P}.
   */
  String serviceNode() {
    return serviceKind() + ":" + serviceName();
  }

  /**
   * Whether the request went on to the app: the policy allowed it, or the route let it through
   * without enforcing (observe, or a monitor mode's would-be denial).
   */
  boolean letThrough() {
    return record.allowed() || !record.enforced();
  }

  /** Whether the caller held a grant an approver approved ({@code input.grants}). */
  boolean approvedGrant() {
    return grants != null && grants.stream().anyMatch(GrantFact::approved);
  }

  /** Whether the caller held a grant taken by break-glass. */
  boolean breakGlassGrant() {
    return grants != null && grants.stream().anyMatch(GrantFact::breakGlass);
  }

  /**
   * Whether the caller is the holder of {@code g} (of the same provider, when the log names one).
   */
  boolean heldBy(Grant g) {
    return g.subject().equals(callerId) && (idp == null || idp.equals(g.idp()));
  }

  /** The ids of the caller's grants the input held; empty when it showed none. */
  List<String> grantIds() {
    if (grants == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (GrantFact g : grants) {
      if (g.id() != null) {
        out.add(g.id());
      }
    }
    return out;
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
