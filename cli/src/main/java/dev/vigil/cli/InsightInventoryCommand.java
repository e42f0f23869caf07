package dev.vigil.cli;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.insight.Inventory;
import dev.vigil.insight.Window;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight inventory}: what the window's traffic shows is there. */
@Command(
    name = "inventory",
    mixinStandardHelpOptions = true,
    description =
        "Routes, requests no route served, workloads, trust domains, users and devices seen in"
            + " the window; with --config, the configured routes that saw no traffic.")
final class InsightInventoryCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The node's vigil.yaml, to name its routes that saw no traffic.")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      err.println("vigil insight inventory: --format must be text or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Window w;
    List<String> configured = null;
    try {
      w = window.window(Instant.now());
      if (config != null) {
        configured = routes(config);
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight inventory: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting()) {
      Inventory inv = Inventory.take(st, w, window.route, configured);
      out.print(format.equals("json") ? inv.json() + System.lineSeparator() : inv.text());
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight inventory: " + e.getMessage());
      return 1;
    }
  }

  /** The names of the routes {@code file} configures; reads it as {@code vigil up} does. */
  private static List<String> routes(Path file) {
    return InsightCommand.readConfig(file).routes().stream().map(Route::name).toList();
  }
}
