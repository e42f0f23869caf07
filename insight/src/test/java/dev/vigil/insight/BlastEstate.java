package dev.vigil.insight;

import dev.vigil.access.DeviceState;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.edge.DeviceInput;
import dev.vigil.gateway.edge.RequestInput;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.gateway.sidecar.WorkloadInput;
import dev.vigil.identity.SpiffeId;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small estate for the blast-radius tests, written as the files an operator writes: a vigil.yaml
 * with six edge routes (one admin-only, one observed, one monitored, one in front of the orders
 * workload), three sidecar configurations, the policy in service and a tighter candidate. Its
 * traffic is made by a real decision point with the durable log, from inputs the gateway's and the
 * sidecar's own builders build.
 */
final class BlastEstate {

  static final String WEB = "spiffe://prod.example/web";
  static final String ORDERS = "spiffe://prod.example/orders";
  static final String BILLING = "spiffe://prod.example/billing";
  static final String LEDGER = "spiffe://prod.example/ledger";
  static final String BATCH = "spiffe://staging.example/batch";

  /** SREs with MFA anything; developers read what is not restricted; prod workloads read, write. */
  static final String IN_SERVICE =
      """
      package authz
      import rego.v1

      default allow := false

      allow if {
        "sre" in input.subject.roles
        input.subject.mfa
      }

      allow if {
        "dev" in input.subject.roles
        input.action == "read"
        input.resource.classification != "restricted"
      }

      allow if {
        input.subject.trust_domain == "prod.example"
        input.action in {"read", "write"}
      }

      allow if {
        some g in input.grants
        g.entitlement == "payroll-admin"
        input.resource.service == "payroll"
      }
      """;

  /**
   * SREs need a managed device too and delete nothing restricted; each workload calls only what it
   * needs: web reads orders, orders reads and writes billing.
   */
  static final String CANDIDATE =
      """
      package authz
      import rego.v1

      default allow := false

      allow if {
        "sre" in input.subject.roles
        input.subject.mfa
        input.device.managed
        not restricted_delete
      }

      restricted_delete if {
        input.resource.classification == "restricted"
        input.action == "delete"
      }

      allow if {
        "dev" in input.subject.roles
        input.action == "read"
        input.resource.classification != "restricted"
      }

      allow if {
        input.subject.spiffe_id == "spiffe://prod.example/web"
        input.resource.service == "orders"
        input.action == "read"
      }

      allow if {
        input.subject.spiffe_id == "spiffe://prod.example/orders"
        input.resource.service == "billing"
        input.action in {"read", "write"}
      }
      """;

  static final String VIGIL_YAML =
      """
      policy:
        bundle: live
      routes:
        - name: wiki
          prefix: /wiki
          upstream: http://127.0.0.1:9001
          policy: authz/allow
          resource: {service: wiki, environment: production, classification: internal}
        - name: payroll
          prefix: /payroll
          upstream: http://127.0.0.1:9002
          policy: authz/allow
          resource: {service: payroll, environment: production, classification: restricted}
        - name: console
          prefix: /console
          upstream: http://127.0.0.1:9003
          policy: authz/allow
          action: admin
          resource: {service: console, environment: production, classification: internal}
        - name: reports
          prefix: /reports
          upstream: http://127.0.0.1:9004
          policy: authz/allow
          mode: observe
          resource: {service: reports, environment: production, classification: internal}
        - name: staging
          prefix: /staging
          upstream: http://127.0.0.1:9005
          policy: authz/allow
          mode: monitor
          resource: {service: wiki, environment: staging, classification: internal}
        - name: orders-ui
          prefix: /orders
          upstream: https://127.0.0.1:9443
          upstream_spiffe_id: spiffe://prod.example/orders
          policy: authz/allow
          resource: {service: orders, environment: production, classification: internal}
      """;

  final Path dir;
  final Path config;
  final Path live;
  final Path candidate;
  final Map<String, Path> sidecarFiles = new LinkedHashMap<>();
  final List<Route> edge;
  final Map<String, List<Route>> sidecars = new LinkedHashMap<>();

  /** Decision ids of the recorded traffic, by name. */
  final Map<String, String> ids = new LinkedHashMap<>();

  private BlastEstate(Path dir) throws Exception {
    this.dir = dir;
    config = Files.writeString(dir.resolve("vigil.yaml"), VIGIL_YAML);
    live = RecordedTraffic.bundle(dir.resolve("live"), IN_SERVICE);
    candidate = RecordedTraffic.bundle(dir.resolve("candidate"), CANDIDATE);
    edge = VigilConfig.read(config, dir.resolve("data")).routes();
    sidecar(ORDERS, "orders", "enforce");
    sidecar(BILLING, "billing", "enforce");
    sidecar(LEDGER, "ledger", "monitor");
  }

  /** Writes the files and records the traffic in {@code store}. */
  static BlastEstate record(Path dir, Store store) throws Exception {
    BlastEstate e = new BlastEstate(dir);
    e.traffic(store);
    return e;
  }

  BlastRadius.Estate estate() {
    return new BlastRadius.Estate(edge, sidecars);
  }

  private void sidecar(String workload, String name, String mode) throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("sidecar-" + name + ".yaml"),
            """
            inbound:
              - name: %s
                listen: 127.0.0.1:0
                app: http://127.0.0.1:9100
                policy: authz/allow
                mode: %s
                resource: {service: %s, environment: production}
            """
                .formatted(name, mode, name));
    sidecarFiles.put(workload, file);
    sidecars.put(
        workload, SidecarConfig.read(file).inbound().stream().map(i -> i.route()).toList());
  }

  private void traffic(Store store) throws Exception {
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    try (DecisionPoint pdp =
        new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log))) {
      pdp.putPolicy("authz.rego", IN_SERVICE);
      Value laptop =
          DeviceInput.of(
              new DeviceState(
                  DeviceState.Status.MANAGED, "laptop-7", Map.of("disk_encrypted", true), 30));
      Session alice = session("alice", List.of("sre"), List.of("platform"), true);
      Session bob = session("bob", List.of("dev"), List.of("eng"), false);
      user(pdp, "alice-wiki", alice, laptop, "wiki", "GET");
      user(pdp, "bob-wiki", bob, null, "wiki", "GET");
      user(pdp, "bob-orders", bob, null, "orders-ui", "GET");
      user(pdp, "bob-payroll", bob, null, "payroll", "POST");
      workload(pdp, "web-orders", WEB, ORDERS, "GET", true);
      workload(pdp, "orders-billing", ORDERS, BILLING, "POST", true);
      // Logged by a sidecar from before events named the called workload.
      workload(pdp, "billing-ledger", BILLING, LEDGER, "GET", false);
      workload(pdp, "batch-orders", BATCH, ORDERS, "GET", true);
    }
  }

  private static Session session(String id, List<String> roles, List<String> groups, boolean mfa) {
    long now = Instant.now().getEpochSecond();
    return new Session(
        "s-" + id,
        id,
        id + "@example.com",
        roles,
        groups,
        mfa ? List.of("pwd", "otp") : List.of("pwd"),
        "",
        mfa,
        now,
        "local",
        now,
        now,
        null,
        0,
        "",
        now + 3600);
  }

  private void user(
      DecisionPoint pdp, String name, Session s, Value device, String route, String method)
      throws Exception {
    Route r = edge.stream().filter(x -> x.name().equals(route)).findFirst().orElseThrow();
    Value input =
        RequestInput.build(
            method,
            r.pathPrefix() + "/page",
            "wiki.example",
            Map.of(),
            "10.0.0.7",
            Instant.now(),
            r,
            s,
            device,
            null);
    Map<String, String> context = new HashMap<>();
    context.put("route", r.name());
    context.put("subject", s.userId());
    decide(pdp, name, r, input, context);
  }

  /** A call through the sidecar of {@code to}; {@code named}: its event names the callee. */
  private void workload(
      DecisionPoint pdp, String name, String caller, String to, String method, boolean named)
      throws Exception {
    Route r = sidecars.get(to).get(0);
    Value input =
        WorkloadInput.build(
            method,
            "/api",
            "svc.internal",
            Map.of(),
            "10.0.1.9",
            Instant.now(),
            r,
            SpiffeId.parse(caller));
    Map<String, String> context = new HashMap<>();
    context.put("route", r.name());
    context.put("transport", "mtls");
    context.put("subject", caller);
    if (named) {
      context.put("workload", to);
    }
    decide(pdp, name, r, input, context);
  }

  private void decide(
      DecisionPoint pdp, String name, Route r, Value input, Map<String, String> context)
      throws Exception {
    Decision d =
        pdp.decide(PolicyPath.parse(r.policyPath()), input, context, pdp.evalOptions(), r.mode());
    d.logged().get(10, TimeUnit.SECONDS);
    ids.put(name, d.decisionId());
  }
}
