package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.Mode;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's route table: the configured routes, with the modes set in the console on top.
 *
 * <p>A mode set in the console is stored before it takes effect, so it outlasts a restart and every
 * reload of the configuration until it is reset, which returns the route to its configured mode.
 * The table is rebuilt whole from the configured routes and the overrides on every change, and
 * swapped in one step, so a request sees the old table or the new one.
 *
 * <p>The overrides are read from the store once, when this is created; afterwards this node's copy
 * is kept in step with its own changes. Overrides made by another node sharing a PostgreSQL store
 * reach this one at its next start.
 *
 * <p>Thread-safe: changes, resets and reloads are serialised; the table is read without a lock.
 */
public final class RouteModes {

  private static final Logger log = LoggerFactory.getLogger(RouteModes.class);

  private final AtomicReference<RouteTable> table;
  private final RouteModeOverrides store;
  private final InstantSource clock;
  // Guarded by this.
  private List<Route> configured;
  private final Map<String, RouteModeOverride> overrides = new TreeMap<>();

  private RouteModes(RouteModeOverrides store, InstantSource clock) {
    this.store = store;
    this.clock = clock;
    this.table = new AtomicReference<>(new RouteTable(List.of()));
  }

  /**
   * Builds the table from {@code configured} and the overrides in the store, and logs the routes
   * that run in a mode set in the console.
   *
   * @throws dev.vigil.store.StoreException when the overrides cannot be read
   */
  public static RouteModes start(
      List<Route> configured, RouteModeOverrides store, InstantSource clock) {
    RouteModes modes = new RouteModes(store, clock);
    for (RouteModeOverride o : store.all()) {
      modes.overrides.put(o.route(), o);
    }
    modes.configure(configured);
    return modes;
  }

  /** Returns the current table; the gateway reads it for every request. */
  public AtomicReference<RouteTable> table() {
    return table;
  }

  /** Replaces the configured routes (a configuration reload), keeping the console's overrides. */
  public synchronized void configure(List<Route> next) {
    configured = List.copyOf(next);
    table.set(build());
    List<String> applied = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (RouteModeOverride o : overrides.values()) {
      String line = o.route() + "=" + o.mode() + " (by " + o.changedBy() + " at " + o.changedAt();
      Mode configuredMode = configuredMode(o.route());
      if (configuredMode != null) {
        applied.add(line + "; configured: " + configuredMode.label() + ")");
      } else {
        ignored.add(line + ")");
      }
    }
    if (!applied.isEmpty()) {
      log.info("route modes set in the console: {}", applied);
    }
    if (!ignored.isEmpty()) {
      log.warn("route modes set in the console for routes not configured, ignored: {}", ignored);
    }
  }

  /**
   * Sets the route's mode, stores it and applies it.
   *
   * @return the route's mode before, or null when no route has that name (nothing is stored then)
   * @throws dev.vigil.store.StoreException when it cannot be stored; nothing changes then
   */
  synchronized Mode change(String route, Mode mode, String by) {
    Route current = current(route);
    if (current == null) {
      return null;
    }
    RouteModeOverride o = new RouteModeOverride(route, mode.label(), by, clock.instant());
    store.put(o);
    overrides.put(route, o);
    table.set(build());
    return current.mode();
  }

  /**
   * Removes the route's override, so that it runs in its configured mode again.
   *
   * @return the override removed, or null when the route had none (nothing changes then)
   * @throws dev.vigil.store.StoreException when it cannot be removed; nothing changes then
   */
  synchronized RouteModeOverride reset(String route) {
    RouteModeOverride o = overrides.get(route);
    if (o == null) {
      return null;
    }
    store.delete(route);
    overrides.remove(route);
    table.set(build());
    return o;
  }

  /** Returns the route's override, if it has one (configured or not). */
  synchronized Optional<RouteModeOverride> override(String route) {
    return Optional.ofNullable(overrides.get(route));
  }

  /** Returns the overrides of routes that are not configured, which have no effect. */
  synchronized List<RouteModeOverride> unused() {
    return overrides.values().stream().filter(o -> configuredMode(o.route()) == null).toList();
  }

  /** Returns the route's mode in the configuration, or null when no route has that name. */
  synchronized Mode configuredMode(String route) {
    for (Route r : configured) {
      if (r.name().equals(route)) {
        return r.mode();
      }
    }
    return null;
  }

  private Route current(String route) {
    for (Route r : table.get().routes()) {
      if (r.name().equals(route)) {
        return r;
      }
    }
    return null;
  }

  /**
   * Applies the overrides to the configured routes. An override whose route is not configured is
   * kept, not dropped: a route that leaves the file for a while (an edit saved half way, a route
   * renamed and renamed back) gets the mode an administrator chose when it returns, rather than
   * silently its configured one. Such overrides are listed on the routes page, where they can be
   * reset.
   */
  private RouteTable build() {
    List<Route> routes = new ArrayList<>(configured.size());
    for (Route r : configured) {
      RouteModeOverride o = overrides.get(r.name());
      Mode mode = o == null ? null : parseStored(o);
      // withMode keeps the identity provider and the upstream's SPIFFE ID as well.
      routes.add(mode == null || mode == r.mode() ? r : r.withMode(mode));
    }
    return new RouteTable(routes);
  }

  private static Mode parseStored(RouteModeOverride o) {
    try {
      return Mode.parse(o.mode());
    } catch (IllegalArgumentException e) {
      log.warn("route mode set in the console ignored: route={} {}", o.route(), e.getMessage());
      return null;
    }
  }
}
