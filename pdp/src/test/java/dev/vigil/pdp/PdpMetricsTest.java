package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PdpMetricsTest {

  /**
   * Regression: every request observe mode let through without asking the policy was counted as
   * result="deny", so that a dashboard of denials counted the traffic of routes not yet decided.
   */
  @Test
  void record_observeModeRequest_countedAsNotEvaluated_monitorDenialAsDeny() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");
    PdpMetrics metrics = new PdpMetrics(null);
    pdp.onDecision((d, ctx) -> metrics.record(d));
    PolicyPath path = PolicyPath.parse("p/allow");
    Value no = Json.parse("{\"ok\":false}");

    pdp.decide(path, no, Map.of(), pdp.evalOptions(), Mode.OBSERVE);
    pdp.decide(path, no, Map.of(), pdp.evalOptions(), Mode.MONITOR);

    assertThat(metrics.scrape())
        .contains(
            "vigil_decisions_total{mode=\"observe\",path=\"p/allow\",result=\"not_evaluated\"}"
                + " 1.0")
        .contains("vigil_decisions_total{mode=\"monitor\",path=\"p/allow\",result=\"deny\"} 1.0");
  }
}
