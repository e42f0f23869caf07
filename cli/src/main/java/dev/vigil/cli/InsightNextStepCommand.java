package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.insight.CandidatePolicy;
import dev.vigil.insight.NextStep;
import dev.vigil.insight.ReplayWindow;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil insight next-step ROUTE}: what moving a route one mode forward would block. The
 * route's mode is {@code --mode}, else its mode in {@code --config}, else that of its newest logged
 * decision.
 */
@Command(
    name = "next-step",
    mixinStandardHelpOptions = true,
    description = {
      "What moving ROUTE one mode forward would block: a monitored route's logged would-be"
          + " denials; for an observed route, a replay of the policy in service (--bundle).",
      "Exit status: 0 nothing would be blocked, 3 some would, 2 bad input, 1 the store cannot"
          + " be read."
    })
final class InsightNextStepCommand implements Callable<Integer> {

  private static final String NAME = "vigil insight next-step";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin StoreOptions store;

  @Mixin ReplayOptions replay;

  @Parameters(index = "0", paramLabel = "ROUTE", description = "The gateway route's name.")
  String route;

  @Option(
      names = "--mode",
      description =
          "The route's mode now (observe, monitor, enforce); default: its mode in --config,"
              + " else its newest decision's.")
  String mode;

  @Option(
      names = "--bundle",
      paramLabel = "DIR|FILE",
      description = "The policy in service, for an observed route: the node's bundle.")
  Path bundle;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The node's vigil.yaml: the route's mode (it wins over the log's); without --data-dir"
              + " or --store, its store (data_dir, store);"
              + " for an observed route without --bundle, the policy.bundle it names (with its"
              + " v0_compatible) is the policy in service.")
  Path config;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Mode given = null;
    if (mode != null) {
      try {
        given = Mode.parse(mode);
      } catch (IllegalArgumentException e) {
        err.println(NAME + ": --mode: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
    }
    ReplayWindow window = replay.window(NAME, route, null, err);
    if (window == null) {
      return Vigil.EXIT_USAGE;
    }
    try (Store st = store.openExisting(config)) {
      DecisionReader reader = new DecisionReader(st);
      Mode now = given;
      String from = "--mode";
      Mode configured = given == null ? configuredMode() : null;
      if (configured != null) {
        now = configured;
        from = "its mode in " + config + logDiffers(reader, configured);
      }
      if (now == null) {
        Optional<DecisionRecord> newest = NextStep.newest(reader, route);
        if (newest.isEmpty()) {
          err.println(
              NAME
                  + ": route \""
                  + route
                  + "\" has no decision in the log, so its mode is unknown; check the name,"
                  + " or give --mode");
          return Vigil.EXIT_USAGE;
        }
        now = Mode.parse(newest.get().mode());
        from = "mode of its newest decision, " + newest.get().timestamp();
      }
      return answer(reader, window, now, from, out, err);
    } catch (ConfigException e) {
      err.println(NAME + ": " + e.getMessage());
      return Vigil.EXIT_USAGE;
    } catch (IllegalArgumentException | StoreException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
  }

  private int answer(
      DecisionReader reader,
      ReplayWindow window,
      Mode now,
      String from,
      PrintWriter out,
      PrintWriter err) {
    switch (now) {
      case ENFORCE -> {
        out.println("route " + route + ": enforce (" + from + "): there is no next step");
        return ReplayOptions.NO_CHANGE;
      }
      case MONITOR -> {
        if (bundle != null) {
          err.println(
              NAME
                  + ": route \""
                  + route
                  + "\" is monitored: its would-be denials are in the log, and --bundle is not"
                  + " used; to try another policy, use vigil insight replay --route "
                  + route);
          return Vigil.EXIT_USAGE;
        }
        return replay.print(NextStep.monitored(reader, window, from), out);
      }
      case OBSERVE -> {
        if (bundle == null && config == null) {
          err.println(
              NAME
                  + ": route \""
                  + route
                  + "\" is observed ("
                  + from
                  + "): no policy was asked; give --bundle, the policy in service, or --config,"
                  + " the node's vigil.yaml, to replay its traffic");
          return Vigil.EXIT_USAGE;
        }
        try (CandidatePolicy inService =
            bundle != null ? replay.candidate(NAME, bundle, err) : fromConfig(err)) {
          if (inService == null) {
            return Vigil.EXIT_USAGE;
          }
          return replay.print(NextStep.observed(reader, window, inService, from), out);
        }
      }
    }
    throw new IllegalStateException("mode " + now);
  }

  /**
   * The route's mode in {@link #config}, which is what the node runs it in now whatever its logged
   * decisions say (a route just moved to enforce may have no traffic since); null without {@code
   * --config} or when the file configures no such route.
   *
   * @throws ConfigException naming the file, or its line and key
   */
  private Mode configuredMode() {
    if (config == null) {
      return null;
    }
    for (dev.vigil.gateway.Route r : NodeConfigs.read(config).routes()) {
      if (r.name().equals(route)) {
        return r.mode();
      }
    }
    return null;
  }

  /** Tells, for the report, when the route's newest logged decision was in another mode. */
  private String logDiffers(DecisionReader reader, Mode configured) {
    Optional<DecisionRecord> newest = NextStep.newest(reader, route);
    if (newest.isEmpty() || Mode.parse(newest.get().mode()) == configured) {
      return "";
    }
    return "; its newest logged decision, "
        + newest.get().timestamp()
        + ", was in "
        + newest.get().mode()
        + ": the configuration wins";
  }

  /** The bundle {@link #config} names, loaded; or null after saying why it cannot be. */
  private CandidatePolicy fromConfig(PrintWriter err) {
    VigilConfig cfg;
    try {
      cfg = NodeConfigs.read(config);
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(NAME + ": " + e.getMessage());
      return null;
    }
    String named = cfg.bundle();
    if (named == null) {
      err.println(NAME + ": --config: " + config + " names no policy.bundle; give --bundle");
      return null;
    }
    if (named.startsWith("http://") || named.startsWith("https://")) {
      err.println(
          NAME
              + ": --config: the node's bundle is served from "
              + named
              + "; download it and give --bundle");
      return null;
    }
    return ReplayOptions.candidate(
        NAME, "--config's policy.bundle", Path.of(named), replay.v0 || cfg.v0Compatible(), err);
  }
}
