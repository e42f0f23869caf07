package dev.vigil.cli;

import java.util.List;
import sun.misc.Signal;

/**
 * Remembers why {@code vigil up} is stopping, for its log: a shutdown hook alone cannot tell a
 * SIGTERM from a Ctrl-C or a {@code System.exit}. The handlers end the process as the JVM's own
 * would (status 128 plus the signal's number), after naming the signal.
 *
 * <p>{@code sun.misc.Signal} is the JDK's only way to see which signal arrived; when the runtime
 * refuses it ({@code -Xrs}, or a signal the platform lacks), the JVM's handling stays and the
 * reason is the generic one. Thread-safe.
 */
final class StopSignals {

  private static final List<String> NAMES = List.of("TERM", "INT");

  private volatile String reason = "the runtime is shutting down";

  private StopSignals() {}

  /** Handles SIGTERM and SIGINT from now on. */
  static StopSignals install() {
    StopSignals s = new StopSignals();
    for (String name : NAMES) {
      try {
        Signal.handle(new Signal(name), s::stop);
      } catch (IllegalArgumentException e) {
        // The runtime keeps this signal to itself: its default handling stays.
      }
    }
    return s;
  }

  private void stop(Signal signal) {
    reason = "SIG" + signal.getName();
    System.exit(128 + signal.getNumber());
  }

  /** Returns why the process stops: the signal received, or that the runtime is shutting down. */
  String reason() {
    return reason;
  }
}
