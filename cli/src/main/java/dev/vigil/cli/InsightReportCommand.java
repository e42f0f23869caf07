package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.insight.InsightReport;
import dev.vigil.insight.ReportContext;
import dev.vigil.insight.Window;
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

/** {@code vigil insight report}: one document of every analysis, for an audit or a review. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "One document for an audit or a weekly review: inventory, dependency graph, denied"
            + " requests and zero trust metrics of the window, in Markdown or JSON.")
final class InsightReportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "markdown", description = "markdown or json.")
  String format;

  @Mixin ConfiguredRoutes config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("markdown") && !format.equals("json")) {
      err.println(
          "vigil insight report: --format must be markdown or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Window w;
    Map<String, String> routes = null;
    Instant now = Instant.now();
    try {
      w = window.window(now);
      routes = config.modes();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight report: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting()) {
      InsightReport r = InsightReport.write(new ReportContext(st, w, window.route, routes, now));
      out.print(format.equals("json") ? r.json() + System.lineSeparator() : r.markdown());
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight report: " + e.getMessage());
      return 1;
    }
  }
}
