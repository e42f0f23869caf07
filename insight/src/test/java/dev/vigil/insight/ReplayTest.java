package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {

  @TempDir Path tmp;

  private Store store;
  private RecordedTraffic traffic;

  @BeforeEach
  void record() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    traffic = RecordedTraffic.record(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ReplayReport replay(String rego, ReplayWindow window) throws Exception {
    Path dir = RecordedTraffic.bundle(tmp.resolve("candidate"), rego);
    try (CandidatePolicy c = CandidatePolicy.load(dir, DecisionPoint.Options.defaults())) {
      return Replay.run(new DecisionReader(store), window, c);
    }
  }

  private static ReplayWindow all() {
    return new ReplayWindow(null, null, null, null, ReplayWindow.DEFAULT_LIMIT);
  }

  @Test
  void run_changedPolicy_countsEachOutcomeAndNamesTheFlips() throws Exception {
    ReplayReport r = replay(RecordedTraffic.CANDIDATE, all());

    assertThat(r.decisions()).isEqualTo(8);
    assertThat(r.replayed()).isEqualTo(7);
    assertThat(r.unchanged()).isEqualTo(4);
    assertThat(r.allowedToDenied()).isEqualTo(2);
    assertThat(r.deniedToAllowed()).isEqualTo(1);
    assertThat(r.errors()).isEqualTo(1);
    assertThat(r.revision()).isEqualTo("candidate-1");
    assertThat(r.notReplayed())
        .containsExactly(
            new ReplayReport.NotReplayed(
                "refused_before_policy", "invalid_token", 1, List.of(traffic.ids.get("refused"))));

    ReplayReport.Change observed = change(r, traffic.ids.get("dev-observed"));
    assertThat(observed.change()).isEqualTo(ReplayReport.ALLOWED_TO_DENIED);
    assertThat(observed.route()).isEqualTo("reports");
    assertThat(observed.path()).isEqualTo("authz/allow");
    assertThat(observed.method()).isEqualTo("GET");
    assertThat(observed.requestPath()).isEqualTo("/r");
    assertThat(observed.subject()).isEqualTo("dave");
    assertThat(observed.explanation())
        .contains("authz/authz.rego:")
        .contains("input.request.path != \"/r\"");

    ReplayReport.Change ops = change(r, traffic.ids.get("ops-post"));
    assertThat(ops.change()).isEqualTo(ReplayReport.ALLOWED_TO_DENIED);
    assertThat(ops.explanation()).startsWith("error: ");

    ReplayReport.Change auditor = change(r, traffic.ids.get("auditor-monitored"));
    assertThat(auditor.change()).isEqualTo(ReplayReport.DENIED_TO_ALLOWED);
    assertThat(auditor.route()).isEqualTo("staging");
    assertThat(r.changes()).hasSize(3);
  }

  @Test
  void run_samePolicy_changesNothing() throws Exception {
    ReplayReport r = replay(RecordedTraffic.LIVE, all());

    // The observed GET /r of a developer: the live policy allows it too.
    assertThat(r.changed()).isZero();
    assertThat(r.replayed()).isEqualTo(7);
    assertThat(r.unchanged()).isEqualTo(7);
    assertThat(r.errors()).isZero();
  }

  @Test
  void run_writesNothingToTheLog() throws Exception {
    DecisionReader reader = new DecisionReader(store);
    long before = reader.count();

    replay(RecordedTraffic.CANDIDATE, all());

    assertThat(before).isEqualTo(8);
    assertThat(reader.count()).isEqualTo(before);
  }

  @Test
  void run_candidateReadsAMaskedField_thoseDecisionsAreNotReplayed() throws Exception {
    String reads = RecordedTraffic.LIVE + "\nallow if input.user[\"token\"] == \"s3cret\"\n";

    ReplayReport r = replay(reads, all());

    assertThat(r.notReplayed())
        .contains(
            new ReplayReport.NotReplayed(
                "masked_field_read",
                "/input/user/token (read at authz/authz.rego:14)",
                1,
                List.of(traffic.ids.get("masked"))));
    assertThat(r.replayed()).isEqualTo(6);
    assertThat(r.notReplayedCount()).isEqualTo(2);
  }

  @Test
  void run_aliasOfAnObjectHoldingAMaskedField_isTakenAsARead() throws Exception {
    String reads =
        RecordedTraffic.LIVE
            + "\nallow if {\n  u := input.user # holds the token\n  u.token == \"s3cret\"\n}\n";

    ReplayReport r = replay(reads, all());

    assertThat(r.notReplayed())
        .extracting(ReplayReport.NotReplayed::reason)
        .contains("masked_field_read");
  }

  @Test
  void run_route_onlyItsDecisions() throws Exception {
    ReplayReport r =
        replay(
            RecordedTraffic.CANDIDATE,
            new ReplayWindow(null, null, "echo", null, ReplayWindow.DEFAULT_LIMIT));

    // echo: sre-post, dev-get, dev-post, ops-post, the refusal and the masked one.
    assertThat(r.decisions()).isEqualTo(6);
    assertThat(r.allowedToDenied()).isEqualTo(1);
    assertThat(r.deniedToAllowed()).isZero();
  }

  @Test
  void run_untilBeforeEveryDecision_readsNone() throws Exception {
    ReplayReport r =
        replay(
            RecordedTraffic.CANDIDATE,
            new ReplayWindow(null, Instant.EPOCH, null, null, ReplayWindow.DEFAULT_LIMIT));

    assertThat(r.decisions()).isZero();
    assertThat(r.replayed()).isZero();
  }

  @Test
  void run_untilTheNewestDecision_leavesItOut() throws Exception {
    Instant newest =
        new DecisionReader(store).get(traffic.ids.get("masked")).orElseThrow().timestamp();

    ReplayReport r =
        replay(
            RecordedTraffic.CANDIDATE,
            new ReplayWindow(null, newest, null, null, ReplayWindow.DEFAULT_LIMIT));

    assertThat(r.decisions()).isEqualTo(7);
    assertThat(r.replayed()).isEqualTo(6);
  }

  @Test
  void run_limitBelowTheWindow_reportsTruncated() throws Exception {
    ReplayReport r = replay(RecordedTraffic.CANDIDATE, new ReplayWindow(null, null, null, null, 3));

    assertThat(r.decisions()).isEqualTo(3);
    assertThat(r.truncated()).isTrue();
  }

  /**
   * Regression: the window was read as a list of the newest decisions up to the limit, and cut to
   * the window after, so that a window in the past with as many decisions after it as the limit
   * read none of its own and was reported truncated.
   */
  @Test
  void run_windowInThePast_newerDecisionsCountNotAgainstTheLimit() throws Exception {
    Instant fifth =
        new DecisionReader(store).get(traffic.ids.get("dev-observed")).orElseThrow().timestamp();

    ReplayReport exact =
        replay(RecordedTraffic.CANDIDATE, new ReplayWindow(null, fifth, null, null, 4));
    ReplayReport cut =
        replay(RecordedTraffic.CANDIDATE, new ReplayWindow(null, fifth, null, null, 3));

    assertThat(exact.decisions()).isEqualTo(4);
    assertThat(exact.replayed()).isEqualTo(4);
    assertThat(exact.truncated()).isFalse();
    assertThat(cut.decisions()).isEqualTo(3);
    assertThat(cut.truncated()).isTrue();
  }

  @Test
  void load_bundleThatDoesNotCompile_namesTheFileAndLine() throws Exception {
    Path dir =
        RecordedTraffic.bundle(
            tmp.resolve("broken"), "package authz\n\nallow if {\n  input.user.role ==\n}\n");

    assertThatThrownBy(() -> CandidatePolicy.load(dir, DecisionPoint.Options.defaults()))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("authz/authz.rego:");
  }

  @Test
  void toJson_keepsTheDocumentedFields() throws Exception {
    ReplayReport r = replay(RecordedTraffic.CANDIDATE, all());

    String json = Json.write(r.toJson());

    assertThat(json)
        .contains("\"allowed_to_denied\":2")
        .contains("\"denied_to_allowed\":1")
        .contains("\"not_replayed\":{\"reasons\":[")
        .contains("\"total\":1")
        .contains("\"bundle\":{\"revision\":\"candidate-1\"");
  }

  private static ReplayReport.Change change(ReplayReport r, String id) {
    return r.changes().stream()
        .filter(c -> c.examples().contains(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no change holds " + id + ": " + r.changes()));
  }
}
