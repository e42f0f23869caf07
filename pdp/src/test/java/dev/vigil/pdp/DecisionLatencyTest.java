package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision carries a latency only when a policy was evaluated for it. Regression: observe-mode
 * decisions, which evaluate nothing, were logged with {@code latency_ns} and {@code
 * metrics.timer_rego_query_eval_ns} (the time spent on bookkeeping) and counted in the decide
 * latency, and refusals made before any policy were logged with a latency of 0.
 */
class DecisionLatencyTest {

  @TempDir Path tmp;

  private static final PolicyPath PATH = PolicyPath.parse("p/allow");
  private static final Value NO = Json.parse("{\"ok\":false}");

  @Test
  void decide_observeModeLogsNoLatency_monitorModeLogsItsOwn() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");

      Decision observed = pdp.decide(PATH, NO, Map.of(), pdp.evalOptions(), Mode.OBSERVE);
      Decision monitored = pdp.decide(PATH, NO, Map.of(), pdp.evalOptions(), Mode.MONITOR);
      observed.logged().get(10, TimeUnit.SECONDS);
      monitored.logged().get(10, TimeUnit.SECONDS);

      assertThat(observed.timed()).isFalse();
      ObjectValue observedEvent = event(store, observed);
      assertThat(observedEvent.containsKey(StringValue.of("latency_ns"))).isFalse();
      assertThat(observedEvent.containsKey(StringValue.of("metrics"))).isFalse();
      assertThat(monitored.timed()).isTrue();
      ObjectValue monitoredEvent = event(store, monitored);
      assertThat(monitoredEvent.get(StringValue.of("latency_ns")).toJson())
          .isEqualTo(Long.toString(monitored.latencyNanos()));
      assertThat(monitoredEvent.get(StringValue.of("metrics")).toJson())
          .contains("timer_rego_query_eval_ns");
      pdp.close();
    }
  }

  @Test
  void refuse_beforeAnyPolicy_logsNoLatency() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");

      Decision refused =
          pdp.refuse(PATH, NO, Map.of(), Mode.ENFORCE, "invalid_token: signature does not verify");
      refused.logged().get(10, TimeUnit.SECONDS);

      assertThat(refused.timed()).isFalse();
      ObjectValue event = event(store, refused);
      assertThat(event.containsKey(StringValue.of("latency_ns"))).isFalse();
      assertThat(event.containsKey(StringValue.of("metrics"))).isFalse();
      pdp.close();
    }
  }

  @Test
  void record_observeModeDecision_notCountedInTheDecideLatency() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");
    PdpMetrics metrics = new PdpMetrics(null);
    pdp.onDecision((d, ctx) -> metrics.record(d));

    for (int i = 0; i < 3; i++) {
      pdp.decide(PATH, NO, Map.of(), pdp.evalOptions(), Mode.OBSERVE);
    }
    pdp.decide(PATH, NO, Map.of(), pdp.evalOptions(), Mode.MONITOR);

    // Four decisions, one evaluated: the latency has one sample.
    assertThat(metrics.scrape())
        .contains("vigil_decide_latency_seconds_count 1")
        .contains("result=\"not_evaluated\"} 3.0");
  }

  private static ObjectValue event(Store store, Decision d) {
    return (ObjectValue)
        Json.parse(new DecisionReader(store).get(d.decisionId()).orElseThrow().eventJson());
  }
}
