package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil insight replay} and {@code next-step} end to end, over an embedded store. */
class InsightReplayCommandTest {

  private static final String LIVE =
      "package authz\n\ndefault allow := false\n\nallow if input.user.role == \"sre\"\n\n"
          + "allow if {\n  input.user.role == \"dev\"\n  input.request.method == \"GET\"\n}\n";

  /** Developers may no longer read /admin. */
  private static final String CANDIDATE =
      "package authz\n\ndefault allow := false\n\nallow if input.user.role == \"sre\"\n\n"
          + "allow if {\n  input.user.role == \"dev\"\n  input.request.method == \"GET\"\n"
          + "  not startswith(input.request.path, \"/admin\")\n}\n";

  @TempDir Path tmp;

  private Path data;
  private String adminRead;
  private String monitoredDenial;

  @BeforeEach
  void record() throws Exception {
    data = tmp.resolve("data");
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      try (DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log))) {
        pdp.putPolicy("authz.rego", LIVE);
        decide(pdp, "echo", "alice", "sre", "POST", "/admin", Mode.ENFORCE);
        adminRead = decide(pdp, "echo", "bob", "dev", "GET", "/admin/users", Mode.ENFORCE);
        decide(pdp, "echo", "bob", "dev", "GET", "/hello", Mode.ENFORCE);
        monitoredDenial = decide(pdp, "staging", "bob", "dev", "DELETE", "/x", Mode.MONITOR);
        decide(pdp, "staging", "alice", "sre", "DELETE", "/x", Mode.MONITOR);
        decide(pdp, "reports", "bob", "dev", "GET", "/admin/report", Mode.OBSERVE);
      }
    }
  }

  private static String decide(
      DecisionPoint pdp, String route, String who, String role, String method, String path, Mode m)
      throws Exception {
    Decision d =
        pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse(
                String.format(
                    "{\"user\":{\"role\":\"%s\"},\"request\":{\"method\":\"%s\",\"path\":\"%s\"}}",
                    role, method, path)),
            Map.of("route", route, "subject", who),
            pdp.evalOptions(),
            m);
    d.logged().get(10, TimeUnit.SECONDS);
    return d.decisionId();
  }

  private Path bundle(String name, String rego) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("authz.rego"), rego);
    return dir;
  }

  @Test
  void replay_changedPolicy_exits3AndNamesTheFlip() throws Exception {
    Path candidate = bundle("candidate", CANDIDATE);

    CliRun run =
        CliRun.of(
            "insight", "replay", "--data-dir", data.toString(), "--bundle", candidate.toString());

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out())
        .contains("replayed           6")
        .contains("allowed -> denied  2")
        .contains("route echo  authz/allow  GET /admin/users  subject bob")
        .contains("not startswith(input.request.path, \"/admin\")")
        .contains(adminRead);
  }

  @Test
  void replay_json_isTheDocumentedShape_andTheLogIsUnchanged() throws Exception {
    Path candidate = bundle("candidate", CANDIDATE);

    CliRun run =
        CliRun.of(
            "insight",
            "replay",
            "--data-dir",
            data.toString(),
            "--bundle",
            candidate.toString(),
            "--route",
            "echo",
            "--format",
            "json");

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    ObjectValue o = (ObjectValue) Json.parse(run.out());
    assertThat(o.get("replayed").toJson()).isEqualTo("3");
    assertThat(o.get("allowed_to_denied").toJson()).isEqualTo("1");
    assertThat(o.get("denied_to_allowed").toJson()).isEqualTo("0");
    ArrayValue changes = (ArrayValue) o.get("changes");
    assertThat(changes.elements()).hasSize(1);
    assertThat(changes.elements().get(0).toJson()).contains(adminRead).contains("\"GET\"");
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      assertThat(new DecisionReader(store).count()).isEqualTo(6);
    }
  }

  @Test
  void replay_samePolicy_exits0() throws Exception {
    CliRun run =
        CliRun.of(
            "insight",
            "replay",
            "--data-dir",
            data.toString(),
            "--bundle",
            bundle("same", LIVE).toString());

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out()).contains("allowed -> denied  0").contains("denied -> allowed  0");
  }

  @Test
  void replay_bundleThatDoesNotCompile_exits2NamingTheFileAndLine() throws Exception {
    Path broken = bundle("broken", "package authz\n\nallow if {\n  input.user.role ==\n}\n");

    CliRun run =
        CliRun.of(
            "insight", "replay", "--data-dir", data.toString(), "--bundle", broken.toString());

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("--bundle refused").contains("authz.rego:");
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void replay_missingDataDir_exits1NamingIt() throws Exception {
    CliRun run =
        CliRun.of(
            "insight",
            "replay",
            "--data-dir",
            tmp.resolve("nowhere").toString(),
            "--bundle",
            bundle("candidate", CANDIDATE).toString());

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("no Vigil store in data directory").contains("nowhere");
  }

  @Test
  void replay_badSince_exits2NamingTheOption() throws Exception {
    CliRun run =
        CliRun.of(
            "insight",
            "replay",
            "--data-dir",
            data.toString(),
            "--bundle",
            bundle("candidate", CANDIDATE).toString(),
            "--since",
            "yesterday");

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err())
        .contains("--since \"yesterday\" is neither a duration (like 24h) nor a time");
  }

  /** Regression: the refusal said "until X is not after since Y", naming neither option. */
  @Test
  void replay_untilNotAfterSince_exits2NamingBothOptions() throws Exception {
    CliRun run =
        CliRun.of(
            "insight",
            "replay",
            "--data-dir",
            data.toString(),
            "--bundle",
            bundle("candidate", CANDIDATE).toString(),
            "--since",
            "2026-01-02T00:00:00Z",
            "--until",
            "2026-01-01T00:00:00Z");
    CliRun limit =
        CliRun.of("insight", "next-step", "staging", "--data-dir", data.toString(), "--limit", "0");

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err())
        .isEqualTo(
            "vigil insight replay: --since 2026-01-02T00:00:00Z must be before --until"
                + " 2026-01-01T00:00:00Z: the window is empty\n");
    assertThat(limit.status()).isEqualTo(2);
    assertThat(limit.err())
        .isEqualTo("vigil insight next-step: --limit must be 1 or more, not 0\n");
  }

  /**
   * Regression: a route moved to enforce in vigil.yaml, with no traffic since, was still answered
   * for as monitored, from its newest logged decision.
   */
  @Test
  void nextStep_configSaysEnforce_winsOverTheLogsMonitor_andSaysSo() throws Exception {
    Path config =
        Files.writeString(
            tmp.resolve("vigil.yaml"),
            "routes:\n  - name: staging\n    host: \"*\"\n    prefix: /\n"
                + "    upstream: http://127.0.0.1:9\n    policy: authz/allow\n"
                + "    mode: enforce\n");

    CliRun run =
        CliRun.of(
            "insight",
            "next-step",
            "staging",
            "--data-dir",
            data.toString(),
            "--config",
            config.toString());

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("route staging: enforce (its mode in " + config)
        .contains("its newest logged decision")
        .contains("was in monitor: the configuration wins")
        .contains("there is no next step");
  }

  @Test
  void nextStep_monitoredRoute_listsItsWouldBeDenials() {
    CliRun run = CliRun.of("insight", "next-step", "staging", "--data-dir", data.toString());

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out())
        .contains("route staging: monitor (mode of its newest decision")
        .contains("next step enforce")
        .contains("DELETE /x  subject bob")
        .contains(monitoredDenial);
  }

  @Test
  void nextStep_observedRoute_replaysThePolicyInService() throws Exception {
    CliRun run =
        CliRun.of(
            "insight",
            "next-step",
            "reports",
            "--data-dir",
            data.toString(),
            "--bundle",
            bundle("in-service", CANDIDATE).toString());

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).contains("route reports: observe").contains("GET /admin/report");
  }

  @Test
  void nextStep_observedRouteWithTheNodesConfig_replaysTheBundleItNames() throws Exception {
    Path inService = bundle("in-service", CANDIDATE);
    Path config =
        Files.writeString(
            tmp.resolve("vigil.yaml"), "policy:\n  bundle: " + inService.getFileName() + "\n");
    Path served =
        Files.writeString(tmp.resolve("served.yaml"), "policy:\n  bundle: https://b.example/x\n");

    CliRun run =
        CliRun.of(
            "insight",
            "next-step",
            "reports",
            "--data-dir",
            data.toString(),
            "--config",
            config.toString());
    CliRun remote =
        CliRun.of(
            "insight",
            "next-step",
            "reports",
            "--data-dir",
            data.toString(),
            "--config",
            served.toString());
    CliRun missing =
        CliRun.of(
            "insight",
            "next-step",
            "reports",
            "--data-dir",
            data.toString(),
            "--config",
            tmp.resolve("nope.yaml").toString());

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).contains("route reports: observe").contains("GET /admin/report");
    assertThat(remote.status()).isEqualTo(2);
    assertThat(remote.err())
        .contains(
            "the node's bundle is served from https://b.example/x; download it and give --bundle");
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.yaml: no such configuration file");
  }

  @Test
  void nextStep_configWithoutDataDir_readsTheStoreTheFileNames() throws Exception {
    Path inService = bundle("in-service", CANDIDATE);
    Path config =
        Files.writeString(
            tmp.resolve("vigil.yaml"),
            "data_dir: data\npolicy:\n  bundle: " + inService.getFileName() + "\n");

    CliRun run = CliRun.of("insight", "next-step", "reports", "--config", config.toString());

    assertThat(run.status()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).contains("route reports: observe").contains("GET /admin/report");
  }

  @Test
  void nextStep_configThatDoesNotRead_exits2NamingTheFile() throws Exception {
    Path config = Files.writeString(tmp.resolve("vigil.yaml"), "routes: [\n");

    CliRun run = CliRun.of("insight", "next-step", "reports", "--config", config.toString());

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).startsWith("vigil insight next-step: ").contains("vigil.yaml:2:1");
  }

  @Test
  void nextStep_observedRouteWithoutBundle_exits2SayingWhatToGive() {
    CliRun run = CliRun.of("insight", "next-step", "reports", "--data-dir", data.toString());

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("route \"reports\" is observed").contains("give --bundle");
  }

  @Test
  void nextStep_unknownRoute_exits2NamingIt() {
    CliRun run = CliRun.of("insight", "next-step", "nowhere", "--data-dir", data.toString());

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("route \"nowhere\" has no decision in the log");
  }

  @Test
  void nextStep_enforcedRoute_hasNoNextStep() {
    CliRun run = CliRun.of("insight", "next-step", "echo", "--data-dir", data.toString());

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("there is no next step");
  }
}
