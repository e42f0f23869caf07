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
    this(
        store,
        "node-a",
        BundleReader.fromFiles(
            "insight-test", Map.of("authz.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
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
    return decide(input(route, method, "wiki.example", subject, device), route, id, mode, false);
  }

  /** A workload's call through a sidecar: the caller's SPIFFE ID to the sidecar's route. */
  String workload(String spiffeId, String trustDomain, String route, String method, Mode mode) {
    String subject =
        "{\"type\":\"workload\",\"id\":%s,\"spiffe_id\":%s,\"trust_domain\":%s}"
            .formatted(Json.quote(spiffeId), Json.quote(spiffeId), Json.quote(trustDomain));
    return decide(
        input(route, method, "ledger.internal", subject, null), route, spiffeId, mode, true);
  }

  /** A request without a session through the edge gateway. */
  String anonymous(String route, String method, Mode mode) {
    return decide(input(route, method, "wiki.example", null, null), route, null, mode, false);
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
    Map<String, String> context = new HashMap<>();
    context.put("route", route);
    if (subject != null) {
      context.put("subject", subject);
    }
    if (sidecar) {
      context.put("transport", "mtls");
    }
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
    String service = route.equals("ledger") ? "ledger" : "wiki";
    StringBuilder sb = new StringBuilder("{");
    sb.append(
        "\"request\":{\"method\":%s,\"path\":\"/x\",\"host\":%s,\"source_ip\":\"127.0.0.1\"},"
            .formatted(Json.quote(method), Json.quote(host)));
    sb.append(
        "\"resource\":{\"service\":%s,\"environment\":\"production\",\"route\":%s}"
            .formatted(Json.quote(service), Json.quote(route)));
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
