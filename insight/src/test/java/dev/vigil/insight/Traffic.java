package dev.vigil.insight;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.RefusalEvents;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionIds;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes decisions through a real decision point with its durable log, with inputs shaped as the
 * edge gateway and the sidecar build them, at times the test sets.
 */
final class Traffic implements AutoCloseable {

  /** Allows SREs, and workloads of prod.example; denies the rest. */
  static final String POLICY =
      """
      package authz
      import rego.v1

      default allow := false

      allow if "sre" in input.subject.roles

      allow if input.subject.trust_domain == "prod.example"
      """;

  static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  private Instant now = T0;
  private final DecisionLog log;
  private final DecisionPoint pdp;

  Traffic(Store store) {
    this(store, POLICY);
  }

  /** Decides with {@code policy}, module {@code authz.rego}, instead of {@link #POLICY}. */
  Traffic(Store store, String policy) {
    this(
        store,
        "node-a",
        BundleReader.fromFiles(
            "insight-test", Map.of("authz.rego", policy.getBytes(StandardCharsets.UTF_8))));
  }

  /** Decides as {@code node}, serving {@code bundle}. */
  Traffic(Store store, String node, Bundle bundle) {
    this.log = new DecisionLog(store, DecisionLog.Options.defaults());
    InstantSource clock = () -> now;
    this.pdp =
        new DecisionPoint(
            new DecisionPoint.Options(
                node,
                clock,
                Duration.ofSeconds(2),
                false,
                ModeTable.enforceAll(),
                Masking.none(),
                log));
    pdp.activate(bundle);
  }

  /** The decision point, to write through its API as {@code PUT /v1/policies} does. */
  DecisionPoint pdp() {
    return pdp;
  }

  /** Sets the time of the next decisions. */
  Traffic at(Instant t) {
    now = t;
    return this;
  }

  Traffic at(Duration sinceT0) {
    return at(T0.plus(sinceT0));
  }

  /** The time the next decisions are made at, for the grants of the same tests. */
  InstantSource clock() {
    return () -> now;
  }

  /**
   * A signed-in person's request through the edge gateway as it builds it for a local user (with
   * {@code subject.idp}, {@code subject.email} and {@code input.grants}), to a route whose {@code
   * input.resource} has {@code criticality} (or none, when null); returns its decision id.
   *
   * @param grants the JSON array of {@code input.grants}
   */
  String person(
      String id,
      List<String> roles,
      List<String> groups,
      String route,
      String criticality,
      String grants) {
    String subject =
        ("{\"type\":\"user\",\"id\":%s,\"idp\":\"local\",\"email\":%s,\"groups\":%s,"
                + "\"roles\":%s}")
            .formatted(
                Json.quote(id), Json.quote(id + "@example.com"), array(groups), array(roles));
    String resource =
        criticality == null
            ? "{\"service\":%s,\"route\":%s}".formatted(Json.quote(route), Json.quote(route))
            : "{\"service\":%s,\"route\":%s,\"criticality\":%s}"
                .formatted(Json.quote(route), Json.quote(route), Json.quote(criticality));
    String input =
        ("{\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"host\":\"app.example\"},"
                + "\"resource\":%s,\"subject\":%s,\"grants\":%s}")
            .formatted(resource, subject, grants);
    return decide(input, route, id, Mode.ENFORCE, false);
  }

  /** A signed-in user's request through the edge gateway; returns its decision id. */
  String user(
      String id,
      List<String> groups,
      List<String> roles,
      String route,
      String method,
      Mode mode,
      String device) {
    String subject =
        "{\"type\":\"user\",\"id\":%s,\"groups\":%s,\"roles\":%s}"
            .formatted(Json.quote(id), array(groups), array(roles));
    return decide(input(route, method, "wiki.example", subject, device), route, id, mode, null);
  }

  /**
   * A signed-in user's request to a route of {@code criticality} (null for none) asking {@code
   * action}, with or without a second factor, holding an {@code approved} or {@code break_glass}
   * grant, or none (null).
   */
  String person(
      String id,
      List<String> roles,
      String route,
      Mode mode,
      String device,
      boolean mfa,
      String criticality,
      String action,
      String grant) {
    String subject =
        "{\"type\":\"user\",\"id\":%s,\"groups\":[],\"roles\":%s,\"mfa\":%s}"
            .formatted(Json.quote(id), array(roles), mfa);
    String grants =
        grant == null
            ? "[]"
            : "[{\"id\":\"gr-1\",\"entitlement\":\"console-admin\",\"approved_by\":%s,"
                    .formatted(Json.quote(grant.equals("approved") ? "carol" : ""))
                + "\"break_glass\":%s}]".formatted(grant.equals("break_glass"));
    String input =
        input(route, "POST", "wiki.example", subject, device, criticality)
            .replaceFirst(
                "}$", ",\"action\":%s,\"grants\":%s}".formatted(Json.quote(action), grants));
    return decide(input, route, id, mode, null);
  }

  /** A call without a client certificate to a sidecar's PERMISSIVE port: no subject. */
  String plaintext(String route, String method, Mode mode) {
    String input =
        input(route, method, "ledger.internal", null, null)
            .replace("\"source_ip\"", "\"mtls\":false,\"source_ip\"");
    return decide(input, route, null, mode, "plaintext");
  }

  /** A workload's call through a sidecar: the caller's SPIFFE ID to the sidecar's route. */
  String workload(String spiffeId, String trustDomain, String route, String method, Mode mode) {
    return decide(
        workloadInput(spiffeId, trustDomain, route, method), route, spiffeId, mode, "mtls");
  }

  private static String workloadInput(
      String spiffeId, String trustDomain, String route, String method) {
    String subject =
        "{\"type\":\"workload\",\"id\":%s,\"spiffe_id\":%s,\"trust_domain\":%s}"
            .formatted(Json.quote(spiffeId), Json.quote(spiffeId), Json.quote(trustDomain));
    return input(route, method, "ledger.internal", subject, null);
  }

  /**
   * An open TCP connection of a workload decided again after a policy change, logged as a sidecar
   * logs it ({@code recheck: policy_change}): no new call.
   */
  String recheck(String spiffeId, String trustDomain, String route, String method, Mode mode) {
    Map<String, String> context = new HashMap<>();
    context.put("route", route);
    context.put("subject", spiffeId);
    context.put("transport", "mtls");
    context.put("recheck", "policy_change");
    return decide(workloadInput(spiffeId, trustDomain, route, method), context, mode);
  }

  /** A request without a session through the edge gateway. */
  String anonymous(String route, String method, Mode mode) {
    return decide(input(route, method, "wiki.example", null, null), route, null, mode, null);
  }

  /** A request no route serves, logged as the edge gateway logs it (a refusal before policy). */
  String noRoute(String host, String target) throws Exception {
    String id = DecisionIds.next();
    DecisionRecord r =
        RefusalEvents.listenerRecord(
            id,
            now,
            "vigil/gateway/request",
            "edge",
            "127.0.0.1",
            "NO_ROUTE",
            "refused: no route serves this host and path",
            host == null
                ? Map.of("method", "GET", "target", target)
                : Map.of("method", "GET", "target", target, "host", host),
            "node-a");
    log.append(r).get(10, TimeUnit.SECONDS);
    return id;
  }

  private String decide(String input, String route, String subject, Mode mode, boolean sidecar) {
    return decide(input, route, subject, mode, sidecar ? "mtls" : null);
  }

  /**
   * Decides an input the test writes whole, on {@code route}; a {@code transport} ({@code mtls},
   * {@code tls}, {@code plaintext}) logs it as a sidecar does, null as the edge gateway.
   */
  String decide(String input, String route, String subject, Mode mode, String transport) {
    Map<String, String> context = new HashMap<>();
    context.put("route", route);
    if (subject != null) {
      context.put("subject", subject);
    }
    if (transport != null) {
      context.put("transport", transport);
    }
    return decide(input, context, mode);
  }

  private String decide(String input, Map<String, String> context, Mode mode) {
    PolicyPath path = PolicyPath.parse("authz/allow");
    Decision d = pdp.decide(path, Json.parse(input), context, pdp.evalOptions(), mode);
    try {
      d.logged().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("decision not logged", e);
    }
    return d.decisionId();
  }

  private static String input(
      String route, String method, String host, String subject, String device) {
    return input(route, method, host, subject, device, null);
  }

  private static String input(
      String route, String method, String host, String subject, String device, String criticality) {
    String service = route.equals("ledger") ? "ledger" : "wiki";
    StringBuilder sb = new StringBuilder("{");
    sb.append(
        "\"request\":{\"method\":%s,\"path\":\"/x\",\"host\":%s,\"source_ip\":\"127.0.0.1\"},"
            .formatted(Json.quote(method), Json.quote(host)));
    sb.append(
        "\"resource\":{\"service\":%s,\"environment\":\"production\",\"route\":%s%s}"
            .formatted(
                Json.quote(service),
                Json.quote(route),
                criticality == null ? "" : ",\"criticality\":" + Json.quote(criticality)));
    if (subject != null) {
      sb.append(",\"subject\":").append(subject);
    }
    if (device != null) {
      sb.append(",\"device\":").append(device);
    }
    return sb.append('}').toString();
  }

  private static String array(List<String> items) {
    return "[" + String.join(",", items.stream().map(Json::quote).toList()) + "]";
  }

  static final String MANAGED_LAPTOP =
      "{\"managed\":true,\"known\":true,\"status\":\"managed\",\"id\":\"laptop-7\"}";
  static final String STALE_DEVICE =
      "{\"managed\":false,\"known\":false,\"status\":\"stale_report\"}";
  static final String NO_CERTIFICATE =
      "{\"managed\":false,\"known\":false,\"status\":\"no_certificate\"}";

  @Override
  public void close() {
    pdp.close(); // closes the log, having written what it holds
  }
}
