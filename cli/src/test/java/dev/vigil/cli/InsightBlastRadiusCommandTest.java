package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.config.VigilConfig;
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
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil insight blast-radius} end to end: a vigil.yaml and a sidecar file as an operator
 * writes them, traffic through a real decision point and the durable log, the command in process.
 */
class InsightBlastRadiusCommandTest {

  private static final String LIVE =
      """
      package authz
      import rego.v1

      default allow := false

      allow if {
        "dev" in input.subject.roles
        input.action == "read"
      }

      allow if input.subject.trust_domain == "prod.example"
      """;

  /** Developers read only what is not restricted; workloads only read. */
  private static final String CANDIDATE =
      """
      package authz
      import rego.v1

      default allow := false

      allow if {
        "dev" in input.subject.roles
        input.action == "read"
        input.resource.classification != "restricted"
      }

      allow if {
        input.subject.trust_domain == "prod.example"
        input.action == "read"
      }
      """;

  private static final String VIGIL_YAML =
      """
      policy:
        bundle: live
      routes:
        - name: wiki
          prefix: /wiki
          upstream: http://127.0.0.1:9001
          policy: authz/allow
          resource: {service: wiki, classification: internal}
        - name: payroll
          prefix: /payroll
          upstream: http://127.0.0.1:9002
          policy: authz/allow
          resource: {service: payroll, classification: restricted}
        - name: reports
          prefix: /reports
          upstream: http://127.0.0.1:9003
          policy: authz/allow
          mode: observe
      """;

  private static final String SIDECAR_YAML =
      """
      inbound:
        - name: orders
          listen: 127.0.0.1:0
          app: http://127.0.0.1:9100
          policy: authz/allow
          resource: {service: orders}
      """;

  private static final String WEB = "spiffe://prod.example/web";
  private static final String ORDERS = "spiffe://prod.example/orders";

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_blastcli_");

  private Path data;
  private Path config;
  private Path sidecar;

  @BeforeEach
  void record() throws Exception {
    data = tmp.resolve("data");
    config = Files.writeString(tmp.resolve("vigil.yaml"), VIGIL_YAML);
    sidecar = Files.writeString(tmp.resolve("sidecar-orders.yaml"), SIDECAR_YAML);
    bundle("live", LIVE);
    bundle("candidate", CANDIDATE);
    traffic(StoreLocation.embedded(data));
  }

  /** Bob reads the wiki, web reads orders: through a real decision point into {@code where}. */
  private void traffic(StoreLocation where) throws Exception {
    Route wiki = VigilConfig.read(config, data).routes().get(0);
    Route orders = SidecarConfig.read(sidecar).inbound().get(0).route();
    long now = Instant.now().getEpochSecond();
    Session bob =
        new Session(
            "s1",
            "bob",
            "bob@example.com",
            List.of("dev"),
            List.of("eng"),
            List.of("pwd"),
            "",
            false,
            now,
            "local",
            now,
            now,
            null,
            0,
            "",
            now + 3600);
    try (Store store = Store.open(where)) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      try (DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log))) {
        pdp.putPolicy("authz.rego", LIVE);
        Value user =
            RequestInput.build(
                "GET", "/wiki", "", Map.of(), "10.0.0.7", Instant.now(), wiki, bob, null, null);
        decide(pdp, wiki, user, "bob", Map.of());
        Value call =
            WorkloadInput.build(
                "GET",
                "/api",
                "",
                Map.of(),
                "10.0.1.9",
                Instant.now(),
                orders,
                SpiffeId.parse(WEB));
        decide(pdp, orders, call, WEB, Map.of("transport", "mtls"));
      }
    }
  }

  private static void decide(
      DecisionPoint pdp, Route r, Value input, String subject, Map<String, String> extra)
      throws Exception {
    Map<String, String> context = new java.util.HashMap<>(extra);
    context.put("route", r.name());
    context.put("subject", subject);
    Decision d =
        pdp.decide(PolicyPath.parse(r.policyPath()), input, context, pdp.evalOptions(), r.mode());
    d.logged().get(10, TimeUnit.SECONDS);
  }

  private void bundle(String name, String rego) throws Exception {
    Path dir = tmp.resolve(name).resolve("authz");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("authz.rego"), rego);
  }

  private CliRun run(String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "insight",
                "blast-radius",
                "--data-dir",
                data.toString(),
                "--config",
                config.toString(),
                "--sidecar",
                ORDERS + "=" + sidecar));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void blastRadius_dev_withCandidate_printsReachAndReduction() {
    CliRun r = run("user:bob", "--bundle", tmp.resolve("candidate").toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("blast radius of user:bob, as of ")
        .contains("  roles dev; groups eng; mfa false; device no_certificate")
        .contains("reach under policy: 5 of 9 route actions (2 only because the route does not")
        .contains("with the candidate: 4 of 9 (reduction 1, newly reachable 0)")
        .contains("  route reports  observe (not enforced)")
        .contains("    read    reachable  | candidate: denied: authz/authz.rego:9: ")
        .contains(
            "    write   denied: authz/authz.rego:8: input.action == \"read\" failed: input.action"
                + " is \"write\"  | candidate: same")
        .contains("no longer reachable with the candidate: 1\n  payroll read\n")
        .contains("  1 hop  route:wiki  via user:bob -> route:wiki")
        .contains("not followed further, no workload configured behind: route:wiki");
  }

  @Test
  void blastRadius_workload_json_listsItsSidecarRoutesAndChain() {
    CliRun r = run(WEB, "--format", "json");

    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("\"reachable\": 3")
        .contains("\"workload\": \"" + ORDERS + "\"")
        .contains("\"node\": \"workload:" + ORDERS + "\"")
        .contains("\"reachable_with_candidate\": null");
  }

  @Test
  void blastRadius_sharedStore_readsThePostgresLog() throws Exception {
    String url = schemas.createUrl();
    traffic(StoreLocation.parse(url));

    CliRun r =
        CliRun.of(
            "insight",
            "blast-radius",
            "--store",
            url,
            "--config",
            config.toString(),
            "--sidecar",
            ORDERS + "=" + sidecar,
            WEB);

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("reach under policy: 3 of 3 route actions")
        .contains("  1 hop  workload:" + ORDERS + "  via workload:" + WEB + " -> sidecar:orders");
  }

  @Test
  void blastRadius_roleGiven_forAUserNeverSeen() {
    CliRun r = run("user:zed", "--role", "dev", "--mfa", "true");

    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("not seen in the window: attributes from the options; given --role, --mfa")
        .contains("reach under policy: 5 of 9");
  }

  @Test
  void blastRadius_badInput_exitsTwoWithOneLineNamingIt() {
    assertOneLine(run("user:zed"), "subject \"user:zed\" made no request in the window");
    assertOneLine(run("bob"), "subject \"bob\" is neither user:ID nor a SPIFFE ID");
    assertOneLine(run("user:bob", "--mfa", "yes"), "--mfa must be true or false, not \"yes\"");
    assertOneLine(
        run("user:bob", "--bundle", tmp.resolve("nowhere").toString()), "--bundle refused: ");
    assertOneLine(
        run("user:bob", "--in-service", tmp.resolve("nowhere").toString()),
        "--in-service refused: ");
    assertOneLine(run("user:bob", "--format", "dot"), "--format must be text or json, not \"dot\"");
    assertOneLine(run("user:bob", "--sidecar", "orders=" + sidecar), "--sidecar \"orders\": ");
    assertOneLine(run("user:bob", "--route", "nope"), "--route \"nope\" is no route a user calls");
    assertOneLine(run("user:bob", "--grant", "root"), "--grant \"root\" is no entitlement of ");
    assertOneLine(run("user:bob", "--grant", " "), "--grant must name an entitlement, not \" \"");
    CliRun noRoutes =
        CliRun.of("insight", "blast-radius", "--data-dir", data.toString(), "user:bob");
    assertOneLine(noRoutes, "no routes to measure: give --config vigil.yaml");
  }

  private static void assertOneLine(CliRun r, String message) {
    assertThat(r.status()).as(r.err()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).startsWith("vigil insight blast-radius: ").contains(message);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.out()).isEmpty();
  }
}
