package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.insight.Window;
import dev.vigil.insight.ZeroTrustMetrics;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
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
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      err.println("vigil insight metrics: --format must be text or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Window w;
    Map<String, String> routes = null;
    try {
      w = window.window(Instant.now());
      routes = config.modes();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight metrics: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting()) {
      ZeroTrustMetrics m = ZeroTrustMetrics.measure(st, w, window.route, routes);
      out.print(format.equals("json") ? m.json() + System.lineSeparator() : m.text());
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight metrics: " + e.getMessage());
      return 1;
    }
  }
}
