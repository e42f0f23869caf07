package dev.vigil.cli;

import dev.vigil.httpkit.DurationText;
import dev.vigil.store.DecisionRetention;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --log-retain DURATION}: how long a server command's decision log keeps decisions, for the
 * commands that own a store ({@code vigil pdp}, {@code vigil sidecar}); {@code vigil up} reads the
 * same from {@code decision_log.retain}.
 */
final class LogRetainOption {

  @Option(
      names = "--log-retain",
      paramLabel = "DURATION",
      description =
          "Keep decisions this long, e.g. 30d (at least 1h): older batches are pruned every 10"
              + " minutes. Default: keep everything.")
  String text;

  /**
   * The period to keep, or null to keep everything.
   *
   * @throws IllegalArgumentException naming the option and its value when it is not a duration or
   *     shorter than {@link DecisionRetention#MINIMUM}
   */
  Duration retain() {
    if (text == null) {
      return null;
    }
    try {
      return DecisionRetention.requireMinimum(DurationText.parse(text), text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--log-retain " + e.getMessage(), e);
    }
  }
}
