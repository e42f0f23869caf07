package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.insight.InvariantReport;
import dev.vigil.insight.InvariantSettings;
import dev.vigil.insight.SecurityInvariants;
import dev.vigil.insight.Window;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight invariants}: whether the security invariants hold, with the evidence. */
@Command(
    name = "invariants",
    mixinStandardHelpOptions = true,
    description =
        "Checks the security invariants (production data access, service mTLS, time-bound admin"
            + " access, no embedded secrets) against the configuration and the window's decisions."
            + " Exit status 0 when all hold, 3 when one fails, 2 for bad input.")
final class InsightInvariantsCommand implements Callable<Integer> {

  static final int EXIT_FAILED = 3;

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "The node's vigil.yaml (its insight.invariants section selects and tunes).")
  Path config;

  @Option(
      names = "--sidecar-config",
      paramLabel = "FILE",
      description = "A sidecar's configuration whose inbound listeners count too; repeatable.")
  List<Path> sidecars = new ArrayList<>();

  @Option(
      names = "--invariants",
      paramLabel = "FILE",
      description = "The invariants and their selectors, instead of vigil.yaml's section.")
  Path invariants;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      err.println(
          "vigil insight invariants: --format must be text or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Window w;
    InvariantSettings settings = null;
    try {
      w = window.window(Instant.now());
      if (invariants != null) {
        if (!Files.isRegularFile(invariants)) {
          throw new ConfigException("--invariants " + invariants + ": no such file");
        }
        settings = InvariantSettings.ofFile(invariants);
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight invariants: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting(config)) {
      InvariantReport report;
      try {
        report =
            SecurityInvariants.check(
                NodeConfigs.read(config), config, sidecars, settings, st, w, window.route);
      } catch (ConfigException e) {
        err.println("vigil insight invariants: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      out.print(format.equals("json") ? report.json() + System.lineSeparator() : report.text());
      return report.failed() ? EXIT_FAILED : 0;
    } catch (ConfigException e) {
      err.println("vigil insight invariants: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight invariants: " + e.getMessage());
      return 1;
    }
  }
}
