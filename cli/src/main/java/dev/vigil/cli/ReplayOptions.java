package dev.vigil.cli;

import dev.vigil.insight.CandidatePolicy;
import dev.vigil.insight.ReplayReport;
import dev.vigil.insight.ReplayWindow;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Option;

/**
 * The options {@code vigil insight replay} and {@code next-step} share: the window of decisions
 * read, the output format, and how a bundle is compiled. Exit statuses: {@link #NO_CHANGE}, {@link
 * #CHANGES}, {@link Vigil#EXIT_USAGE} for bad input, 1 when the store cannot be read.
 */
final class ReplayOptions {

  /** Exit status: no recorded decision would be decided otherwise. */
  static final int NO_CHANGE = 0;

  /**
   * Exit status: some would (like {@code terraform plan -detailed-exitcode}'s 2, which Vigil's
   * commands give to bad usage).
   */
  static final int CHANGES = 3;

  @Option(
      names = "--since",
      paramLabel = "DURATION|TIME",
      defaultValue = "24h",
      description =
          "Only decisions of the last DURATION (e.g. 24h), or at or after TIME"
              + " (2026-12-06T06:00:00Z). Default: 24h.")
  String since;

  @Option(
      names = "--until",
      paramLabel = "DURATION|TIME",
      description = "Only decisions before TIME (excluded), or older than DURATION (e.g. 1h).")
  String until;

  @Option(
      names = "--limit",
      defaultValue = "" + ReplayWindow.DEFAULT_LIMIT,
      description = "Replay at most N decisions of the window (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(
      names = "--v0-compatible",
      description = "Parse the bundle's policies with Rego v0 syntax, as the node does with it.")
  boolean v0;

  /**
   * Returns the window, or null once the reason it is refused has been printed.
   *
   * @param command the command's name for messages, {@code vigil insight replay}
   */
  ReplayWindow window(String command, String route, String path, PrintWriter err) {
    if (!format.equals("text") && !format.equals("json")) {
      err.println(command + ": --format must be text or json, not \"" + format + "\"");
      return null;
    }
    Instant now = Instant.now();
    try {
      Instant from = InsightWindowOptions.when("--since", since, now);
      Instant to = until == null ? null : InsightWindowOptions.when("--until", until, now);
      if (limit < 1) {
        throw new IllegalArgumentException("--limit must be 1 or more, not " + limit);
      }
      if (to != null && !to.isAfter(from)) {
        // The same words as the other insight commands (InsightWindowOptions), options named.
        throw new IllegalArgumentException(
            "--since " + from + " must be before --until " + to + ": the window is empty");
      }
      return new ReplayWindow(from, to, route, path, limit);
    } catch (IllegalArgumentException e) {
      err.println(command + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * Loads a bundle as the node would, or returns null once the reason it is refused (naming the
   * file and line) has been printed.
   */
  CandidatePolicy candidate(String command, Path bundle, PrintWriter err) {
    return candidate(command, "--bundle", bundle, v0, err);
  }

  /**
   * As above, for a bundle given by {@code option} (named in the refusal), parsed with Rego v0
   * syntax when {@code v0}.
   */
  static CandidatePolicy candidate(
      String command, String option, Path bundle, boolean v0, PrintWriter err) {
    try {
      return CandidatePolicy.load(bundle, DecisionPoint.Options.defaults().withV0(v0));
    } catch (BundleException e) {
      err.println(command + ": " + option + " refused: " + e.getMessage());
      return null;
    }
  }

  /** Prints the report and returns the exit status it calls for. */
  int print(ReplayReport report, PrintWriter out) {
    out.print(format.equals("json") ? report.json() + "\n" : report.text());
    out.flush();
    return report.changed() > 0 ? CHANGES : NO_CHANGE;
  }
}
