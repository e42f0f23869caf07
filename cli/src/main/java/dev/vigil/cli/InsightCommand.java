package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vigil insight}: what the decision log shows; its subcommands read, never change. */
@Command(
    name = "insight",
    mixinStandardHelpOptions = true,
    description =
        "What the decision log and the store show: dependency graph, denied requests, inventory,"
            + " replay of a candidate policy, a route's next step, certificate expiry, drift from"
            + " the configuration.",
    subcommands = {
      InsightGraphCommand.class,
      InsightDeniedCommand.class,
      InsightInventoryCommand.class,
      InsightReplayCommand.class,
      InsightNextStepCommand.class,
      InsightCertsCommand.class,
      InsightDriftCommand.class,
    })
final class InsightCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Reads the node's configuration file as {@code vigil up} does.
   *
   * @throws ConfigException naming the file and the line of what is wrong
   */
  static VigilConfig readConfig(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--config " + file + ": no such configuration file");
    }
    return VigilConfig.read(file, null);
  }

  /** Refuses a {@code --format} other than text and json, naming it. */
  static void checkFormat(String format) {
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("--format must be text or json, not \"" + format + "\"");
    }
  }
}
