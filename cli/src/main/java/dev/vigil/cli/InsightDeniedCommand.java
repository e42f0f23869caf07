package dev.vigil.cli;

import dev.vigil.insight.DeniedRequests;
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

/** {@code vigil insight denied}: the window's denials, grouped, with the jumps since before. */
@Command(
    name = "denied",
    mixinStandardHelpOptions = true,
    description =
        "Denied requests in the window (enforced, and monitor mode's would-be denials) by route,"
            + " subject, failed condition and reason; flags jumps against the window before.")
final class InsightDeniedCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(
      names = "--top",
      defaultValue = "10",
      description = "Top N of each grouping (default: 10).")
  int top;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      err.println("vigil insight denied: --format must be text or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    if (top < 1) {
      err.println("vigil insight denied: --top must be 1 or more, not " + top);
      return Vigil.EXIT_USAGE;
    }
    Window w;
    try {
      w = window.window(Instant.now());
    } catch (IllegalArgumentException e) {
      err.println("vigil insight denied: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting()) {
      DeniedRequests d = DeniedRequests.analyse(st, w, window.route, top);
      out.print(format.equals("json") ? d.json() + System.lineSeparator() : d.text());
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight denied: " + e.getMessage());
      return 1;
    }
  }
}
