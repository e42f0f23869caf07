package dev.vigil.console;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the gateway's decisions by route, mode and result ({@code vigil_gateway_decisions_total})
 * and adds them to the decision point's own counters and decide latency. The gateway's decisions
 * are those that carry a route and no external-authorization adapter; the others are counted where
 * they are made. Routes come from the configuration, so the label stays bounded.
 */
public final class RouteMetrics implements DecisionPoint.DecisionListener {

  private final PdpMetrics metrics;
  private final Map<PdpMetrics.CounterKey, Counter> counters = new ConcurrentHashMap<>();

  public RouteMetrics(PdpMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void decided(Decision d, Map<String, String> context) {
    String route = context.get("route");
    if (route == null || context.containsKey("adapter")) {
      return;
    }
    metrics.record(d);
    String result = PdpMetrics.result(d);
    String mode = d.mode().label();
    counters
        .computeIfAbsent(
            new PdpMetrics.CounterKey(route, mode, result),
            k ->
                Counter.builder("vigil_gateway_decisions")
                    .description("the gateway's decisions by route, mode and result")
                    .tag("route", route)
                    .tag("mode", mode)
                    .tag("result", result)
                    .register(metrics.registry()))
        .increment();
  }
}
