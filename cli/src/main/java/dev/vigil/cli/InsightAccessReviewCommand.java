package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.insight.AccessReview;
import dev.vigil.insight.Window;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight access-review}: who reached what, held which grants, and what to review. */
@Command(
    name = "access-review",
    mixinStandardHelpOptions = true,
    description =
        "Per person over the window (default 90d): identity, routes reached, entitlements they"
            + " may request or approve, grants held and whether used; findings (dormant"
            + " privilege, unused grants, break-glass, users never seen, self-approvals,"
            + " entitlements nobody requested), each with decision or grant ids.")
final class InsightAccessReviewCommand implements Callable<Integer> {

  private static final String NAME = "vigil insight access-review: ";

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(names = "--format", defaultValue = "text", description = "text, json or csv.")
  String format;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The node's vigil.yaml: its local users, access.entitlements and the routes whose"
              + " resource is privileged.")
  Path config;

  @Option(
      names = "--privileged-role",
      paramLabel = "ROLE",
      split = ",",
      description =
          "A privileged role (repeat, or separate with commas). Default: derived from the"
              + " people a privileged route allowed in the window.")
  List<String> privilegedRoles;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!List.of("text", "json", "csv").contains(format)) {
      err.println(NAME + "--format must be text, json or csv, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Window w;
    AccessReview.Setup setup;
    try {
      w = window.window(Instant.now(), "90d");
      setup = setup();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println(NAME + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = window.store.openExisting(config)) {
      AccessReview r = AccessReview.take(st, w, window.route, setup);
      out.print(
          switch (format) {
            case "json" -> r.json() + System.lineSeparator();
            case "csv" -> r.csv();
            default -> r.text();
          });
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println(NAME + e.getMessage());
      return 1;
    }
  }

  /** What the review is told: the configuration's users, entitlements and privileged routes. */
  private AccessReview.Setup setup() {
    Set<String> roles = null;
    if (privilegedRoles != null) {
      roles = new HashSet<>();
      for (String r : privilegedRoles) {
        if (r.isBlank()) {
          throw new IllegalArgumentException(
              "--privileged-role must name a role, not \"" + r + "\"");
        }
        roles.add(r.strip());
      }
    }
    if (config == null) {
      return new AccessReview.Setup(null, null, Set.of(), roles);
    }
    return AccessReview.Setup.of(NodeConfigs.read(config), roles);
  }
}
