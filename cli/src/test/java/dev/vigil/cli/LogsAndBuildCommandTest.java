package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogsAndBuildCommandTest {

  @TempDir Path tmp;

  /** A decision point on examples/authz that logs durably into {@code store}. */
  private static DecisionPoint examplePdp(Store store) throws Exception {
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp =
        new DecisionPoint(DecisionPoint.Options.defaults().withV0(true).withDecisionLog(log));
    pdp.activate(BundleReader.read(Path.of("../examples/authz")));
    return pdp;
  }

  private String[] decide(Path data) throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionPoint pdp = examplePdp(store);
      Decision allow =
          pdp.decide(
              "authz/allow",
              Json.parse(Files.readString(Path.of("../examples/authz/input.json"))),
              Map.of("subject", "alice"));
      Decision deny =
          pdp.decide(
              "authz/allow", Json.parse("{\"user\":{\"role\":\"dev\"}}"), Map.of("subject", "bob"));
      allow.logged().get(10, TimeUnit.SECONDS);
      deny.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      return new String[] {allow.decisionId(), deny.decisionId()};
    }
  }

  @Test
  void logs_deniedFilter_listsOnlyDenialsWithTheirExplanation() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    CliRun run = CliRun.of("logs", "--data-dir", data.toString(), "--denied");

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains(ids[1]).doesNotContain(ids[0]);
    assertThat(run.out()).contains("input.user.role == \"sre\" failed: input.user.role is \"dev\"");
  }

  /**
   * Regression: every request an observe-mode route let through unevaluated was listed as "deny"
   * and under --denied, burying the real denials under requests the policy might have allowed.
   */
  @Test
  void logs_observeModeRequest_isNoDenial_butARefusalOnTheRouteIs() throws Exception {
    Path data = tmp.resolve("data");
    String observed;
    String refused;
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withV0(true).withDecisionLog(log));
      pdp.activate(BundleReader.read(Path.of("../examples/authz")));
      PolicyPath path = PolicyPath.parse("authz/allow");
      Value input =
          Json.parse(
              "{\"user\":{\"role\":\"sre\"},\"request\":{\"method\":\"GET\","
                  + "\"path\":\"/wiki/Main\",\"host\":\"wiki.localhost\","
                  + "\"source_ip\":\"127.0.0.1\"}}");
      Decision o =
          pdp.decide(path, input, Map.of("subject", "alice"), pdp.evalOptions(), Mode.OBSERVE);
      Decision r =
          pdp.refuse(path, input, Map.of("subject", "mallory"), Mode.OBSERVE, "invalid_token: x");
      o.logged().get(10, TimeUnit.SECONDS);
      r.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      observed = o.decisionId();
      refused = r.decisionId();
    }

    CliRun denied = CliRun.of("logs", "--data-dir", data.toString(), "--denied");
    CliRun all = CliRun.of("logs", "--data-dir", data.toString());
    CliRun explained = CliRun.of("logs", "--data-dir", data.toString(), "--explain", observed);

    assertThat(denied.out()).contains(refused).doesNotContain(observed);
    assertThat(all.out().lines().filter(l -> l.contains(observed)))
        .singleElement()
        .asString()
        .contains(observed + " -     observe authz/allow")
        .contains("observe mode: not evaluated");
    assertThat(all.out().lines().filter(l -> l.contains(refused)))
        .singleElement()
        .asString()
        .contains(refused + " deny  observe");
    assertThat(explained.out())
        .contains("result    not evaluated (mode observe, let through)")
        // Who, what, which policy and why, before the event itself.
        .contains("subject   alice")
        .contains("request   GET /wiki/Main (host wiki.localhost, from 127.0.0.1)")
        .contains("path      authz/allow")
        .contains("reason    observe mode: not evaluated");
  }

  /**
   * Regression: the data API takes any path from any client, and a segment decoded from {@code %1b}
   * is logged as it is; {@code vigil logs} printed the path, the subject and the reason raw, so a
   * client could write terminal escapes (colours, cursor moves, a title) onto the screen of whoever
   * read the log. Now each is printed with its control characters as {@code ?}.
   */
  @Test
  void logs_controlCharactersInPathSubjectOrReason_neverReachTheTerminal() throws Exception {
    Path data = tmp.resolve("data");
    String id;
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionPoint pdp = examplePdp(store);
      Decision d =
          pdp.refuse(
              PolicyPath.ofRequest("/x%1b[31mRED/y", java.util.List.of("x\u001b[31mRED", "y")),
              Json.parse("{}"),
              Map.of("subject", "eve\u001b]0;pwned\u0007", "route", "r\u001b[2J"),
              Mode.ENFORCE,
              "refused: \u001b[1Abad");
      d.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      id = d.decisionId();
    }

    CliRun list = CliRun.of("logs", "--data-dir", data.toString());
    CliRun explained = CliRun.of("logs", "--data-dir", data.toString(), "--explain", id);

    assertThat(list.status()).isZero();
    assertThat(list.out()).doesNotContain("\u001b").doesNotContain("\u0007");
    assertThat(list.out()).contains("x?[31mRED/y").contains("eve?]0;pwned?");
    assertThat(explained.status()).isZero();
    assertThat(explained.out()).doesNotContain("\u001b").doesNotContain("\u0007");
    assertThat(explained.out())
        .contains("path      x?[31mRED/y")
        .contains("subject   eve?]0;pwned?")
        .contains("route     r?[2J")
        .contains("reason    refused: ?[1Abad");
  }

  /**
   * Regression: --path data.authz.allow, the way a route's policy may be written, matched nothing,
   * since decisions are stored as authz/allow.
   */
  @Test
  void logs_pathInAnyOfItsSpellings_findsTheSameDecisions() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    for (String spelling : new String[] {"authz/allow", "/authz/allow", "data.authz.allow"}) {
      CliRun run = CliRun.of("logs", "--data-dir", data.toString(), "--path", spelling);
      assertThat(run.out()).as(spelling).contains(ids[0]).contains(ids[1]);
    }
    CliRun bad = CliRun.of("logs", "--data-dir", data.toString(), "--path", "data.a-b");
    assertThat(bad.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(bad.err()).contains("vigil logs: --path: policy path \"data.a-b\"");
  }

  @Test
  void logs_subjectAndJson_printEvents() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    CliRun run =
        CliRun.of("logs", "--data-dir", data.toString(), "--subject", "alice", "--format", "json");

    assertThat(run.out().strip()).startsWith("{").contains("\"decision_id\":\"" + ids[0] + "\"");
    assertThat(run.out()).doesNotContain(ids[1]);
  }

  @Test
  void logs_explain_printsOneDecisionInFull() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    CliRun run = CliRun.of("logs", "--data-dir", data.toString(), "--explain", ids[1]);

    assertThat(run.status()).isZero();
    assertThat(run.out())
        .contains("decision " + ids[1])
        .contains("result    deny (mode enforce, enforced)")
        .contains("why       authz.rego:4: input.user.role == \"sre\" failed");
  }

  @Test
  void logs_explain_printsADecisionDocumentsReasons() throws Exception {
    Path data = tmp.resolve("data");
    Path bundle = Files.createDirectories(tmp.resolve("doc"));
    Files.writeString(
        bundle.resolve("doc.rego"),
        """
        package doc

        import rego.v1

        decision := {"allow": false, "reasons": ["no MFA", "device \u001b[31mstale"]}
        """);
    String id;
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(BundleReader.read(bundle));
      Decision d = pdp.decide("doc/decision", Json.parse("{}"), Map.of("subject", "bob"));
      d.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      id = d.decisionId();
    }

    CliRun run = CliRun.of("logs", "--data-dir", data.toString(), "--explain", id);

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("reasons   no MFA; device ?[31mstale");
  }

  @Test
  void logs_pruneBefore_removesOnlyOlderDecisions() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    CliRun keep = CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", "1h");
    assertThat(keep.status()).as(keep.err()).isZero();
    assertThat(keep.out()).startsWith("vigil logs: removed 0 decisions logged before ");
    assertThat(CliRun.of("logs", "--data-dir", data.toString()).out())
        .contains(ids[0])
        .contains(ids[1]);

    Thread.sleep(5);
    CliRun all =
        CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", "1ms", "--allow-recent");
    assertThat(all.status()).as(all.err()).isZero();
    assertThat(all.out()).startsWith("vigil logs: removed 2 decisions logged before ");
    assertThat(CliRun.of("logs", "--data-dir", data.toString()).err())
        .contains("no decisions match");
  }

  /**
   * Regression: {@code --prune-before 0s} deleted every decision, those a running node had just
   * written included, while {@code --log-retain} and {@code decision_log.retain} refuse less than
   * an hour. The same floor now holds unless {@code --allow-recent} says otherwise.
   */
  @Test
  void logs_pruneBeforeUnderTheRetentionFloor_refusedNamingTheFlagAndTheFloor() throws Exception {
    Path data = tmp.resolve("data");
    String[] ids = decide(data);

    for (String age : new String[] {"0s", "1ms", "59m"}) {
      CliRun r = CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", age);

      assertThat(r.status()).as(age).isEqualTo(Vigil.EXIT_USAGE);
      assertThat(r.err())
          .contains(
              "vigil logs: --prune-before \""
                  + age
                  + "\" is too short to keep decisions: at least 1h")
          .contains("--allow-recent");
      assertThat(r.out()).isEmpty();
    }
    assertThat(CliRun.of("logs", "--data-dir", data.toString()).out())
        .contains(ids[0])
        .contains(ids[1]);
  }

  @Test
  void logs_allowRecentWithoutPruneBefore_isAUsageError() throws Exception {
    Path data = tmp.resolve("data");
    decide(data);

    CliRun r = CliRun.of("logs", "--data-dir", data.toString(), "--allow-recent");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("--allow-recent only goes with --prune-before");
  }

  @Test
  void logs_pruneBefore_refusesFiltersAndBadDurations() throws Exception {
    Path data = tmp.resolve("data");
    decide(data);

    CliRun filtered =
        CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", "1d", "--denied");
    assertThat(filtered.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(filtered.err()).contains("--prune-before removes by age only");
    CliRun bad = CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", "soon");
    assertThat(bad.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(bad.err()).contains("--prune-before \"soon\" is not a duration");
    CliRun far = CliRun.of("logs", "--data-dir", data.toString(), "--prune-before", "40000d");
    assertThat(far.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(far.err()).contains("--prune-before \"40000d\" is too long: at most 36500d");
    assertThat(CliRun.of("logs", "--data-dir", data.toString()).out()).isNotBlank();
  }

  @Test
  void logs_unknownIdOrMissingStore_clearErrors() throws Exception {
    Path data = tmp.resolve("data");
    decide(data);

    assertThat(CliRun.of("logs", "--data-dir", data.toString(), "--explain", "nope").err())
        .contains("no decision with id nope");
    Path elsewhere = tmp.resolve("elsewhere");
    CliRun missing = CliRun.of("logs", "--data-dir", elsewhere.toString());
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err().strip())
        .isEqualTo(
            "vigil logs: no Vigil store in data directory "
                + elsewhere
                + " (no vigil.db); check --data-dir, or create one with: vigil up --data-dir "
                + elsewhere);
    assertThat(elsewhere).doesNotExist();
    assertThat(CliRun.of("logs", "--data-dir", data.toString(), "--since", "yesterday").err())
        .contains("\"yesterday\" is not a duration");
    CliRun far = CliRun.of("logs", "--data-dir", data.toString(), "--since", "40000d");
    assertThat(far.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(far.err()).contains("--since \"40000d\" is too long: at most 36500d");
  }

  @Test
  void build_thenServe_bundleRoundTripsWithRevision() throws Exception {
    Path out = tmp.resolve("bundle.tar.gz");

    CliRun run =
        CliRun.of(
            "build", "--v0-compatible", "-r", "v42", "-o", out.toString(), "../examples/authz");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(BundleReader.read(out).manifest().revision()).isEqualTo("v42");
    assertThat(BundleReader.read(out).modules()).containsKeys("authz.rego", "authz_test.rego");
  }

  @Test
  void build_policyThatDoesNotCompile_failsAndWritesNothing() throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("p.rego"), "package p\nallow if {\n");
    Path out = tmp.resolve("never.tar.gz");

    CliRun run = CliRun.of("build", "-o", out.toString(), src.toString());

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).containsPattern("p\\.rego:\\d+:\\d+: rego_parse_error");
    assertThat(out).doesNotExist();
  }

  /**
   * Regression: {@code -o} under missing folders created them even when the build then failed. As
   * {@code opa build}, a missing folder is refused and nothing is created, whether the policy
   * compiles or not.
   */
  @Test
  void build_outputInAMissingFolder_failsNamingItAndCreatesNothing() throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("p.rego"), "package p\nallow if {\n");
    Path out = tmp.resolve("new/dir/x.tar.gz");

    CliRun broken = CliRun.of("build", "-o", out.toString(), src.toString());
    CliRun good = CliRun.of("build", "-o", out.toString(), "../examples/authz");

    assertThat(broken.status()).isEqualTo(1);
    assertThat(good.status()).isEqualTo(1);
    assertThat(good.err())
        .isEqualTo(
            "vigil build: -o "
                + out
                + ": folder "
                + out.getParent()
                + " does not exist; create it first\n");
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  /**
   * Regression: a package outside the manifest's roots was built and reported written, and every
   * node then refused the bundle ("package a is outside the bundle roots [b]").
   */
  @Test
  void build_packageOutsideTheManifestRoots_failsNamingItAndWritesNothing() throws Exception {
    Path src = tmp.resolve("roots");
    Files.createDirectories(src.resolve("nested"));
    Files.writeString(src.resolve("b.rego"), "package b\nallow := true\n");
    Files.writeString(src.resolve("nested/a.rego"), "package a.x\nallow := true\n");
    Files.writeString(src.resolve(".manifest"), "{\"roots\": [\"b\"]}");
    Path out = tmp.resolve("refused.tar.gz");

    CliRun run = CliRun.of("build", "-o", out.toString(), src.toString());

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("nested/a.rego: package a.x is outside the bundle roots [b]");
    assertThat(out).doesNotExist();
  }

  /** A missing signing key was reported as the bare path, a folder as "Is a directory". */
  @Test
  void build_signingKeyMissingOrAFolder_failsNamingTheOptionAndTheFile() throws Exception {
    Path out = tmp.resolve("never.tar.gz");
    Path missing = tmp.resolve("no-such-key.pem");

    CliRun gone =
        CliRun.of(
            "build",
            "-o",
            out.toString(),
            "--signing-key",
            missing.toString(),
            "../examples/authz");
    CliRun folder =
        CliRun.of(
            "build", "-o", out.toString(), "--signing-key", tmp.toString(), "../examples/authz");

    assertThat(gone.status()).isNotZero();
    assertThat(gone.err()).contains("vigil build: --signing-key " + missing + ": no such file");
    assertThat(folder.status()).isNotZero();
    assertThat(folder.err()).contains("vigil build: --signing-key " + tmp + ": is a directory");
    assertThat(out).doesNotExist();
  }
}
