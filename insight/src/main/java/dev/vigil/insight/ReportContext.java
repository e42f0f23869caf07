package dev.vigil.insight;

import dev.vigil.store.Store;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a report's sections read: the node's store, the window, and what the command was given.
 *
 * @param route only decisions of this route, or null for all
 * @param configuredRoutes the configured routes by name, each with its mode ({@code observe},
 *     {@code monitor}, {@code enforce}); null when no configuration was given
 * @param generated when the report is written, as it says in its header
 */
public record ReportContext(
    Store store,
    Window window,
    String route,
    Map<String, String> configuredRoutes,
    Instant generated) {

  public ReportContext {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(generated, "generated");
    configuredRoutes = configuredRoutes == null ? null : Map.copyOf(configuredRoutes);
  }
}
