package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vigil insight}: what the decision log shows, read from a node's store (docs/insight.md).
 */
@Command(
    name = "insight",
    mixinStandardHelpOptions = true,
    description = "What the decision log shows: replay a candidate policy, a route's next step.",
    subcommands = {
      InsightReplayCommand.class,
      InsightNextStepCommand.class,
    })
final class InsightCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
