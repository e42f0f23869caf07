package dev.vigil.cli;

import dev.vigil.insight.Inventory;
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

  @Mixin ConfiguredRoutes config;

  @Override
  public Integer call() {
    return window.run(
        spec,
        format,
        List.of("text", "json"),
        config,
        (st, w, routes, now, f) -> {
          Inventory inv =
              Inventory.take(st, w, window.route, routes == null ? null : routes.keySet());
          return f.equals("json") ? inv.json() + System.lineSeparator() : inv.text();
        });
  }
}
