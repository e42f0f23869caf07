package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vigil insight}: what the decision log shows; its subcommands read, never change. */
@Command(
    name = "insight",
    mixinStandardHelpOptions = true,
    description =
        "What the decision log and the store show: dependency graph, denied requests, inventory,"
            + " replay of a candidate policy, a route's next step, security invariants, zero trust"
            + " metrics, access reviews, certificate expiry, drift from the configuration, an"
            + " identity's blast radius, a report.",
    subcommands = {
      InsightGraphCommand.class,
      InsightDeniedCommand.class,
      InsightInventoryCommand.class,
      InsightReplayCommand.class,
      InsightNextStepCommand.class,
      InsightInvariantsCommand.class,
      InsightMetricsCommand.class,
      InsightReportCommand.class,
      InsightAccessReviewCommand.class,
      InsightCertsCommand.class,
      InsightDriftCommand.class,
      InsightBlastRadiusCommand.class,
    })
final class InsightCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Refuses a {@code --format} other than text and json, naming it. */
  static void checkFormat(String format) {
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("--format must be text or json, not \"" + format + "\"");
    }
  }
}
