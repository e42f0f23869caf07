package dev.vigil.console;

import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.config.ConfigWatcher;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleWatcher;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionLogStats;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** What the console's health page shows of a running {@code vigil up}, as name and value pairs. */
public final class HealthReport {

  private final DecisionPoint pdp;
  private final BundleWatcher bundle;
  private final DecisionLog log;
  private final DecisionReader reader;
  private final AtomicReference<RouteTable> routes;
  private final java.util.function.Supplier<NodeIdentity> identity;
  private final InstantSource clock;
  private final Instant started;
  private volatile ConfigWatcher config;

  /**
   * @param bundle the policy bundle's watcher, or null when no bundle is configured
   * @param identity the node's identity services; null while they start
   */
  public HealthReport(
      DecisionPoint pdp,
      BundleWatcher bundle,
      DecisionLog log,
      DecisionReader reader,
      AtomicReference<RouteTable> routes,
      java.util.function.Supplier<NodeIdentity> identity,
      InstantSource clock) {
    this.pdp = pdp;
    this.bundle = bundle;
    this.log = log;
    this.reader = reader;
    this.routes = routes;
    this.identity = identity;
    this.clock = clock;
    this.started = clock.instant();
  }

  /** Adds the configuration file's reload state to the report. */
  public void watch(ConfigWatcher watcher) {
    this.config = watcher;
  }

  /** Returns the report, read now. */
  public List<String[]> pairs() {
    List<String[]> out = new ArrayList<>();
    out.add(
        pair(
            "up since",
            started + " (" + Duration.between(started, clock.instant()).toSeconds() + " s)"));
    out.add(pair("policy", policy()));
    out.add(pair("routes", String.valueOf(routes.get().routes().size())));
    DecisionLogStats st = log.stats();
    out.add(
        pair(
            "decision log",
            st.written()
                + " written since start, "
                + st.queued()
                + " queued, lag "
                + st.oldestQueuedAgeNanos() / 1_000_000
                + " ms, "
                + st.failed()
                + " failed, "
                + st.rejected()
                + " refused"));
    out.add(pair("decisions stored", stored()));
    NodeIdentity id = identity.get();
    if (id == null) {
      out.add(pair("workload API", "starting"));
    } else {
      out.add(pair("workload API", "unix:" + id.socket()));
      id.svidSecondsLeft(clock)
          .forEach((td, left) -> out.add(pair("gateway SVID in " + td, left + " s left")));
    }
    ConfigWatcher c = config;
    if (c != null) {
      out.add(
          pair(
              "configuration",
              c.lastError() == null ? "in service" : "last change refused: " + c.lastError()));
    }
    return out;
  }

  private String policy() {
    if (bundle == null) {
      return "no bundle configured; revision " + orNone(pdp.revision());
    }
    String state = bundle.activated() ? "active, revision " + orNone(pdp.revision()) : "not loaded";
    String err = bundle.lastError();
    return err == null || err.isEmpty() ? state : state + "; last load refused: " + err;
  }

  private String stored() {
    try {
      return String.valueOf(reader.count());
    } catch (StoreException e) {
      return "store unreadable: " + e.getMessage();
    }
  }

  private static String orNone(String s) {
    return s == null || s.isEmpty() ? "(none)" : s;
  }

  private static String[] pair(String name, String value) {
    return new String[] {name, value};
  }
}
