package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vigil insight}: what the decision log shows; its subcommands read, never change. */
@Command(
    name = "insight",
    mixinStandardHelpOptions = true,
    description =
        "What the decision log shows: dependency graph, denied requests, inventory, replay of a"
            + " candidate policy, a route's next step, security invariants, zero trust metrics, a"
            + " report of them all, an identity's blast radius.",
    subcommands = {
      InsightGraphCommand.class,
      InsightDeniedCommand.class,
      InsightInventoryCommand.class,
      InsightReplayCommand.class,
      InsightNextStepCommand.class,
      InsightInvariantsCommand.class,
      InsightMetricsCommand.class,
      InsightReportCommand.class,
      InsightBlastRadiusCommand.class,
    })
final class InsightCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
