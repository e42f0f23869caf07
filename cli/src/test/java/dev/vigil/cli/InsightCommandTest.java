package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class InsightCommandTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insightcli_");

  static final String POLICY =
      "package authz\nimport rego.v1\ndefault allow := false\n"
          + "allow if \"sre\" in input.subject.roles\n";

  /** Alice (an SRE) reads the wiki twice, bob once and is denied; now, through a real PDP. */
  private static String[] decide(StoreLocation where) throws Exception {
    try (Store store = Store.open(where)) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(
          BundleReader.fromFiles(
              "t", Map.of("authz.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
      String[] ids = new String[3];
      String[][] calls = {{"alice", "sre"}, {"alice", "sre"}, {"bob", "dev"}};
      for (int i = 0; i < calls.length; i++) {
        String input =
            ("{\"request\":{\"method\":\"GET\",\"path\":\"/\",\"host\":\"wiki.localhost\"},"
                    + "\"resource\":{\"service\":\"wiki\",\"environment\":\"production\"},"
                    + "\"subject\":{\"type\":\"user\",\"id\":\"%s\",\"roles\":[\"%s\"],"
                    + "\"groups\":[]}}")
                .formatted(calls[i][0], calls[i][1]);
        Decision d =
            pdp.decide(
                PolicyPath.parse("authz/allow"),
                Json.parse(input),
                Map.of("route", "wiki", "subject", calls[i][0]),
                pdp.evalOptions(),
                Mode.ENFORCE);
        d.logged().get(10, TimeUnit.SECONDS);
        ids[i] = d.decisionId();
      }
      pdp.close();
      return ids;
    }
  }

  @Test
  void graph_threeFormats_showTheEdgesOfTheLog() throws Exception {
    Path data = tmp.resolve("data");
    decide(StoreLocation.embedded(data));

    CliRun text = CliRun.of("insight", "graph", "--data-dir", data.toString());
    CliRun json = CliRun.of("insight", "graph", "--data-dir", data.toString(), "--format", "json");
    CliRun dot = CliRun.of("insight", "graph", "--data-dir", data.toString(), "--format", "dot");

    assertThat(text.status()).isZero();
    assertThat(text.out())
        .contains("3 decisions, 2 callers, 1 services, 2 edges")
        .contains(
            "user:alice -> route:wiki (service wiki, environment production)  2 requests"
                + " (2 allowed, 0 denied, 0 not evaluated)  GET  modes enforce")
        .contains("user:bob -> route:wiki (service wiki, environment production)  1 requests");
    assertThat(json.status()).isZero();
    assertThat(json.out()).contains("\"from\": \"user:bob\"").contains("\"denied\": 1");
    assertThat(dot.out())
        .startsWith("digraph vigil {")
        .contains("\"user:bob\" -> \"route:wiki\" [label=\"1 (1 denied) GET\", color=red];");
  }

  @Test
  void graph_windowBeforeTheTraffic_showsNoEdges() throws Exception {
    Path data = tmp.resolve("data");
    decide(StoreLocation.embedded(data));

    CliRun run =
        CliRun.of(
            "insight", "graph", "--data-dir", data.toString(), "--since", "2d", "--until", "1d");

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains(": 0 decisions, 0 callers, 0 services, 0 edges");
  }

  @Test
  void denied_sharedStore_listsBobsDenialWithItsId() throws Exception {
    String url = schemas.createUrl();
    String[] ids = decide(StoreLocation.parse(url));

    CliRun run = CliRun.of("insight", "denied", "--store", url, "--route", "wiki");

    assertThat(run.status()).isZero();
    assertThat(run.out())
        .contains("1 of 3 decisions (1 enforced, 0 would be in monitor)")
        .contains("      1  bob  e.g. " + ids[2])
        .contains("data.authz.allow at authz.rego:4: \"sre\" in input.subject.roles");
  }

  @Test
  void inventory_withConfig_namesTheRouteWithoutTraffic() throws Exception {
    Path data = tmp.resolve("data");
    decide(StoreLocation.embedded(data));
    Path config = tmp.resolve("vigil.yaml");
    Files.writeString(
        config,
        """
        routes:
          - name: wiki
            host: wiki.localhost
            prefix: /
            upstream: http://127.0.0.1:9001
            policy: authz/allow
          - name: payroll
            host: payroll.localhost
            prefix: /
            upstream: http://127.0.0.1:9002
            policy: authz/allow
        """);

    CliRun run =
        CliRun.of(
            "insight", "inventory", "--data-dir", data.toString(), "--config", config.toString());

    assertThat(run.status()).isZero();
    assertThat(run.out())
        .contains("configured routes without traffic:\n  payroll\n")
        .containsPattern("users:\n  alice +2 requests");
  }

  @Test
  void badInput_clearErrorNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    decide(StoreLocation.embedded(data));
    String d = data.toString();

    CliRun format = CliRun.of("insight", "graph", "--data-dir", d, "--format", "png");
    CliRun since = CliRun.of("insight", "denied", "--data-dir", d, "--since", "yesterday");
    CliRun time = CliRun.of("insight", "denied", "--data-dir", d, "--since", "2026-13-01T00:00Z");
    CliRun fraction = CliRun.of("insight", "denied", "--data-dir", d, "--since", "1.5h");
    CliRun tooLong = CliRun.of("insight", "graph", "--data-dir", d, "--until", "36501d");
    CliRun empty = CliRun.of("insight", "graph", "--data-dir", d, "--since", "1h", "--until", "2h");
    CliRun by = CliRun.of("insight", "graph", "--data-dir", d, "--by", "team");
    CliRun top = CliRun.of("insight", "denied", "--data-dir", d, "--top", "0");
    CliRun cap = CliRun.of("insight", "graph", "--data-dir", d, "--max-nodes", "1");
    CliRun missing =
        CliRun.of("insight", "inventory", "--data-dir", tmp.resolve("nope").toString());
    CliRun config =
        CliRun.of("insight", "inventory", "--data-dir", d, "--config", tmp.resolve("x.yaml") + "");

    assertThat(format.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(format.err())
        .isEqualTo("vigil insight graph: --format must be text, json or dot, not \"png\"\n");
    assertThat(since.err())
        .startsWith(
            "vigil insight denied: --since \"yesterday\" is neither a duration (like 24h) nor a"
                + " time");
    assertThat(time.err())
        .isEqualTo(
            "vigil insight denied: --since \"2026-13-01T00:00Z\" is not a time; write it as"
                + " 2026-12-01T00:00:00Z\n");
    // A value meant as a duration is told what is wrong with it, not that it is no time either.
    assertThat(fraction.err())
        .isEqualTo(
            "vigil insight denied: --since \"1.5h\" has a fraction; write whole units, like 1h30m"
                + " rather than 1.5h\n");
    assertThat(tooLong.err())
        .isEqualTo("vigil insight graph: --until \"36501d\" is too long: at most 36500d\n");
    assertThat(empty.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(empty.err()).contains("must be before --until").contains("the window is empty");
    assertThat(by.err())
        .isEqualTo("vigil insight graph: --by must be user, group or role, not \"team\"\n");
    assertThat(top.err()).isEqualTo("vigil insight denied: --top must be 1 or more, not 0\n");
    assertThat(cap.err()).isEqualTo("vigil insight graph: --max-nodes must be 2 or more, not 1\n");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("no Vigil store in data directory").contains("nope");
    assertThat(config.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(config.err()).contains("--config").contains("x.yaml: no such configuration file");
    for (CliRun r : new CliRun[] {format, since, time, empty, by, top, cap, missing, config}) {
      assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }
}
