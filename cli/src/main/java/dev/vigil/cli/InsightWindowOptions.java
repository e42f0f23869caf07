package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.httpkit.DurationText;
import dev.vigil.insight.Window;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options every {@code vigil insight} analysis of the decision log takes: the store, the time
 * window and the route.
 */
final class InsightWindowOptions {

  @Mixin StoreOptions store;

  @Option(
      names = "--since",
      paramLabel = "WHEN",
      description =
          "Start of the window: a DURATION ago (e.g. 24h) or a time (2026-12-01T00:00:00Z)."
              + " Default: 24h (90d for access-review).")
  String since;

  @Option(
      names = "--until",
      paramLabel = "WHEN",
      description = "End of the window, excluded: a DURATION ago or a time. Default: now.")
  String until;

  @Option(names = "--route", description = "Only decisions of this route.")
  String route;

  /**
   * Returns the window the options name, as of {@code now}.
   *
   * @throws IllegalArgumentException naming the option and its value
   */
  Window window(Instant now) {
    return window(now, "24h");
  }

  /**
   * Returns the window the options name, as of {@code now}, starting {@code defaultSince} ago when
   * {@code --since} is not given.
   *
   * @throws IllegalArgumentException naming the option and its value
   */
  Window window(Instant now, String defaultSince) {
    Instant from = when("--since", since == null ? defaultSince : since, now);
    Instant to = until == null ? now : when("--until", until, now);
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(
          "--since " + from + " must be before --until " + to + ": the window is empty");
    }
    return new Window(from, to);
  }

  /**
   * Reads a WHEN option of {@code vigil insight}: a time, or a duration before {@code now}.
   *
   * @throws IllegalArgumentException naming the option and its value
   */
  static Instant when(String option, String value, Instant now) {
    if (!value.isEmpty() && Character.isDigit(value.charAt(0)) && value.contains("T")) {
      try {
        return Instant.parse(value);
      } catch (DateTimeException e) {
        throw new IllegalArgumentException(
            option + " \"" + value + "\" is not a time; write it as 2026-12-01T00:00:00Z");
      }
    }
    try {
      return now.minus(DurationText.parse(value));
    } catch (IllegalArgumentException e) {
      if (!value.isEmpty() && (Character.isDigit(value.charAt(0)) || value.charAt(0) == '-')) {
        // Meant as a duration (1.5h, 1H, 36501d): say what is wrong with it, as vigil logs does.
        throw new IllegalArgumentException(option + " " + e.getMessage(), e);
      }
      throw new IllegalArgumentException(
          option
              + " \""
              + value
              + "\" is neither a duration (like 24h) nor a time (like 2026-12-01T00:00:00Z)");
    }
  }

  /** What an analysis prints, in {@code format}, from the store and the window. */
  interface Analysis {
    /**
     * @param routes the configured routes by name with their modes, or null without --config
     * @throws StoreException when the store cannot be read
     */
    String print(
        Store store, Window window, Map<String, String> routes, Instant now, String format);
  }

  /**
   * Runs an analysis as every {@code vigil insight} command that reads a window does: checks {@code
   * format} against {@code formats}, reads the window and {@code config}, opens the store and
   * prints. Returns the exit status: 2 for bad usage, 1 when the store cannot be read.
   */
  int run(
      CommandSpec spec,
      String format,
      List<String> formats,
      ConfiguredRoutes config,
      Analysis analysis) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String command = "vigil insight " + spec.name() + ": ";
    if (!formats.contains(format)) {
      String last = formats.get(formats.size() - 1);
      String others = String.join(", ", formats.subList(0, formats.size() - 1));
      err.println(
          command + "--format must be " + others + " or " + last + ", not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    Instant now = Instant.now();
    Window w;
    Map<String, String> routes;
    try {
      w = window(now);
      routes = config.modes();
    } catch (IllegalArgumentException | ConfigException e) {
      err.println(command + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = store.openExisting(config.file)) {
      out.print(analysis.print(st, w, routes, now, format));
      return 0;
    } catch (ConfigException e) {
      // A part of the configuration only an analysis reads (the report's invariants settings).
      err.println(command + e.getMessage());
      return Vigil.EXIT_USAGE;
    } catch (IllegalArgumentException | StoreException e) {
      err.println(command + e.getMessage());
      return 1;
    }
  }
}
