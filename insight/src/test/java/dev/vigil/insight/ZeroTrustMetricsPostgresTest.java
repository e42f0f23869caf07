package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.testkit.TestSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The metrics and the report over a shared PostgreSQL store (127.0.0.1:5432, database test). */
class ZeroTrustMetricsPostgresTest {

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insight_zt_");

  @Test
  void measure_onPostgres_sameCountsAsOnSqlite() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      ZeroTrustMetricsTest.record(store);

      ZeroTrustMetricsTest.assertSecondDay(
          ZeroTrustMetrics.measure(store, ZeroTrustMetricsTest.DAY_TWO, null, null));
      InsightReport r =
          InsightReport.write(
              new ReportContext(
                  store, ZeroTrustMetricsTest.DAY_TWO, null, null, Traffic.T0.plusSeconds(1)));
      assertThat(r.markdown()).contains("| requests denied (enforced or in monitor) | 3 of 11");
    }
  }
}
