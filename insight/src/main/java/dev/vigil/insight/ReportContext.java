package dev.vigil.insight;

import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.store.Store;
import java.nio.file.Path;
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
 * @param node the node's configuration, or null when none was given: the sections that judge the
 *     configuration (invariants, drift) say so instead
 * @param nodeFile the file {@code node} was read from, whose places the evidence names; null
 *     exactly when {@code node} is
 */
public record ReportContext(
    Store store,
    Window window,
    String route,
    Map<String, String> configuredRoutes,
    Instant generated,
    VigilConfig node,
    Path nodeFile) {

  public ReportContext {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(generated, "generated");
    configuredRoutes = configuredRoutes == null ? null : Map.copyOf(configuredRoutes);
    if ((node == null) != (nodeFile == null)) {
      throw new IllegalArgumentException("a node's configuration comes with its file");
    }
  }

  /** A context without a node's configuration. */
  public ReportContext(
      Store store,
      Window window,
      String route,
      Map<String, String> configuredRoutes,
      Instant generated) {
    this(store, window, route, configuredRoutes, generated, null, null);
  }
}
