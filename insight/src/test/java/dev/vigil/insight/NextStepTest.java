package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NextStepTest {

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

  private static ReplayWindow route(String name) {
    return new ReplayWindow(null, null, name, null, ReplayWindow.DEFAULT_LIMIT);
  }

  @Test
  void monitored_wouldBeDenials_becomeDenialsWithTheLoggedExplanation() {
    ReplayReport r =
        NextStep.monitored(new DecisionReader(store), route("staging"), "--mode monitor");

    assertThat(r.decisions()).isEqualTo(1);
    assertThat(r.allowedToDenied()).isEqualTo(1);
    assertThat(r.changes()).hasSize(1);
    ReplayReport.Change c = r.changes().get(0);
    assertThat(c.examples()).containsExactly(traffic.ids.get("auditor-monitored"));
    assertThat(c.subject()).isEqualTo("carol");
    assertThat(c.explanation()).contains("input.user.role");
    assertThat(r.nextStep().nextMode()).isEqualTo("enforce");
  }

  @Test
  void monitored_routeWithOnlyEnforcedDecisions_blocksNothingMore() {
    ReplayReport r = NextStep.monitored(new DecisionReader(store), route("echo"), "test");

    // Its denials (dev-post, the refusal) are enforced already.
    assertThat(r.changed()).isZero();
    assertThat(r.unchanged()).isEqualTo(6);
  }

  @Test
  void observed_replaysThePolicyInService() throws Exception {
    Path dir = RecordedTraffic.bundle(tmp.resolve("live"), RecordedTraffic.CANDIDATE);
    try (CandidatePolicy inService = CandidatePolicy.load(dir, DecisionPoint.Options.defaults())) {
      ReplayReport r =
          NextStep.observed(new DecisionReader(store), route("reports"), inService, "test");

      assertThat(r.replayed()).isEqualTo(1);
      assertThat(r.allowedToDenied()).isEqualTo(1);
      assertThat(r.changes().get(0).examples()).containsExactly(traffic.ids.get("dev-observed"));
      assertThat(r.nextStep().mode()).isEqualTo("observe");
      assertThat(r.nextStep().nextMode()).isEqualTo("monitor");
    }
  }

  @Test
  void newest_isTheRoutesLatestDecision_withItsMode() {
    assertThat(NextStep.newest(new DecisionReader(store), "staging").orElseThrow().mode())
        .isEqualTo("monitor");
    assertThat(NextStep.newest(new DecisionReader(store), "nowhere")).isEmpty();
  }

  @Test
  void after_movesOneModeForward() {
    assertThat(NextStep.after(Mode.OBSERVE)).isEqualTo(Mode.MONITOR);
    assertThat(NextStep.after(Mode.MONITOR)).isEqualTo(Mode.ENFORCE);
    assertThat(NextStep.after(Mode.ENFORCE)).isNull();
  }
}
