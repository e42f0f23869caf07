package dev.vigil.cli;

import dev.vigil.insight.ZeroTrustMetrics;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight metrics}: how much implicit trust the traffic still carries. */
@Command(
    name = "metrics",
    mixinStandardHelpOptions = true,
    description =
        "Zero trust metrics against the window before: service calls with a workload identity,"
            + " privileged requests with MFA and an approved grant, managed devices, MFA, denials,"
            + " and the flat caller-to-service paths left and eliminated.")
final class InsightMetricsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Mixin ConfiguredRoutes config;

  @Override
  public Integer call() {
    return window.run(
        spec,
        format,
        List.of("text", "json"),
        config,
        (st, w, routes, now, f) -> {
          ZeroTrustMetrics m = ZeroTrustMetrics.measure(st, w, window.route, routes);
          return f.equals("json") ? m.json() + System.lineSeparator() : m.text();
        });
  }
}
