package dev.vigil.pdp;

import java.util.Locale;

/** How far a policy path or route has been rolled out. */
public enum Mode {
  /** No policy is evaluated: traffic and identities are recorded to learn the real graph. */
  OBSERVE,
  /** The policy is evaluated and logged; a would-be denial is let through and marked. */
  MONITOR,
  /** The policy's answer is applied. */
  ENFORCE;

  /** The labels, made once: every decision, logged or counted, names its mode. */
  private final String label = name().toLowerCase(Locale.ROOT);

  /** Parses {@code observe}, {@code monitor} or {@code enforce}, naming the bad value. */
  public static Mode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "mode \"" + text + "\" is not one of observe, monitor, enforce");
    }
  }

  /** Returns the mode as written in configuration and logs. */
  public String label() {
    return label;
  }
}
