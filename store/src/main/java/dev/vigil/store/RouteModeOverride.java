package dev.vigil.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A route's mode as set in the console, which wins over the configured one until it is reset.
 *
 * @param route the route's name, as configured
 * @param mode {@code observe}, {@code monitor} or {@code enforce}; the store keeps the label and
 *     does not check it
 * @param changedBy the administrator who set it
 * @param changedAt when, to the millisecond (finer parts are dropped, as the store keeps
 *     milliseconds, so that an override equals itself read back)
 */
public record RouteModeOverride(String route, String mode, String changedBy, Instant changedAt) {

  public RouteModeOverride {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(changedBy, "changedBy");
    Objects.requireNonNull(changedAt, "changedAt");
    changedAt = changedAt.truncatedTo(ChronoUnit.MILLIS);
  }
}
