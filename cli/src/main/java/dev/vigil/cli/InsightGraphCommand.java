package dev.vigil.cli;

import dev.vigil.insight.DependencyGraph;
import dev.vigil.insight.Window;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight graph}: the dependency graph the decision log shows. */
@Command(
    name = "graph",
    mixinStandardHelpOptions = true,
    description = "Who called which service in the window, from the decision log.")
final class InsightGraphCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text, json or dot.")
  String format;

  @Option(
      names = "--by",
      defaultValue = "user",
      description = "Show users as themselves (user), by group or by role. Default: user.")
  String by;

  @Option(
      names = "--max-nodes",
      defaultValue = "5000",
      description = "Keep at most N callers and services (default: 5000); a capped graph says so.")
  int maxNodes;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json") && !format.equals("dot")) {
      err.println(
          "vigil insight graph: --format must be text, json or dot, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    if (maxNodes < 2) {
      err.println("vigil insight graph: --max-nodes must be 2 or more, not " + maxNodes);
      return Vigil.EXIT_USAGE;
    }
    DependencyGraph.By grouping;
    try {
      grouping = DependencyGraph.By.parse(by);
    } catch (IllegalArgumentException e) {
      err.println("vigil insight graph: --by " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Window w;
    try {
      w = window.window(Instant.now());
    } catch (IllegalArgumentException e) {
      err.println("vigil insight graph: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting()) {
      DependencyGraph g = DependencyGraph.learn(st, w, window.route, grouping, maxNodes);
      out.print(
          switch (format) {
            case "json" -> g.json() + System.lineSeparator();
            case "dot" -> g.dot();
            default -> g.text();
          });
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight graph: " + e.getMessage());
      return 1;
    }
  }
}
