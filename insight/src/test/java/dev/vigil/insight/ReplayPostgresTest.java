package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The replay over a shared PostgreSQL store (127.0.0.1:5432, database test). */
class ReplayPostgresTest {

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insight_");

  @TempDir Path tmp;

  @Test
  void run_onPostgres_sameCountsAndFlipsAsOnSqlite() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      RecordedTraffic traffic = RecordedTraffic.record(store);
      DecisionReader reader = new DecisionReader(store);
      Path dir = RecordedTraffic.bundle(tmp.resolve("candidate"), RecordedTraffic.CANDIDATE);

      ReplayReport r;
      try (CandidatePolicy c = CandidatePolicy.load(dir, DecisionPoint.Options.defaults())) {
        r =
            Replay.run(
                reader, new ReplayWindow(null, null, null, null, ReplayWindow.DEFAULT_LIMIT), c);
      }

      assertThat(r.decisions()).isEqualTo(8);
      assertThat(r.replayed()).isEqualTo(7);
      assertThat(r.allowedToDenied()).isEqualTo(2);
      assertThat(r.deniedToAllowed()).isEqualTo(1);
      assertThat(r.errors()).isEqualTo(1);
      assertThat(r.changes())
          .flatExtracting(ReplayReport.Change::examples)
          .containsExactlyInAnyOrder(
              traffic.ids.get("dev-observed"),
              traffic.ids.get("ops-post"),
              traffic.ids.get("auditor-monitored"));
      assertThat(reader.count()).isEqualTo(8);
    }
  }
}
