package dev.vigil.cli;

import dev.vigil.insight.CandidatePolicy;
import dev.vigil.insight.Replay;
import dev.vigil.insight.ReplayWindow;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil insight replay}: decides a window of logged decisions again with a candidate bundle,
 * and reports which would change. Reads the store; writes nothing.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay a candidate policy bundle against the logged decisions: which would change.",
      "Exit status: 0 none would change, 3 some would, 2 bad input, 1 the store cannot be read."
    })
final class InsightReplayCommand implements Callable<Integer> {

  private static final String NAME = "vigil insight replay";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin StoreOptions store;

  @Mixin ReplayOptions replay;

  @Option(
      names = "--bundle",
      required = true,
      paramLabel = "DIR|FILE",
      description = "The candidate: a bundle directory or .tar.gz, as vigil pdp --bundle takes.")
  Path bundle;

  @Option(names = "--route", description = "Only decisions of this gateway route.")
  String route;

  @Option(
      names = "--path",
      description = "Only decisions of this policy path, e.g. authz/allow (or data.authz.allow).")
  String path;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String slashed = null;
    if (path != null) {
      try {
        slashed = PolicyPath.parse(path).slashed();
      } catch (IllegalArgumentException e) {
        err.println(NAME + ": --path: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
    }
    ReplayWindow window = replay.window(NAME, route, slashed, err);
    if (window == null) {
      return Vigil.EXIT_USAGE;
    }
    try (CandidatePolicy candidate = replay.candidate(NAME, bundle, err)) {
      if (candidate == null) {
        return Vigil.EXIT_USAGE;
      }
      try (Store st = store.openExisting()) {
        return replay.print(Replay.run(new DecisionReader(st), window, candidate), out);
      } catch (IllegalArgumentException | StoreException e) {
        err.println(NAME + ": " + e.getMessage());
        return 1;
      }
    }
  }
}
