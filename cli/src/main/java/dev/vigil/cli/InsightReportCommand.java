package dev.vigil.cli;

import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.insight.InsightReport;
import dev.vigil.insight.ReportContext;
import java.util.List;
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
            + " requests, zero trust metrics, access review and certificates of the window, and"
            + " with --config the security invariants and configuration drift, in Markdown or"
            + " JSON.")
final class InsightReportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "markdown", description = "markdown or json.")
  String format;

  @Mixin ConfiguredRoutes config;

  @Override
  public Integer call() {
    return window.run(
        spec,
        format,
        List.of("markdown", "json"),
        config,
        (st, w, routes, now, f) -> {
          VigilConfig node = config.file == null ? null : NodeConfigs.read(config.file);
          InsightReport r =
              InsightReport.write(
                  new ReportContext(st, w, window.route, routes, now, node, config.file));
          return f.equals("json") ? r.json() + System.lineSeparator() : r.markdown();
        });
  }
}
