package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's route table: the configured routes, with the modes set in the console on top.
 *
 * <p>A mode set in the console is stored before it takes effect, so it outlasts a restart and every
 * reload of the configuration until it is reset, which returns the route to its configured mode.
 * The table is rebuilt whole from the configured routes, the configured local users and the
 * overrides on every change, and swapped in one step, so a request sees the old table or the new
 * one: the routes and the users of one configuration, never those of two (see {@link RouteTable}).
 *
 * <p>The overrides are read from the store when this is created, and this node's copy is kept in
 * step with its own changes. Every change is announced to the nodes sharing a PostgreSQL store;
 * once {@link #followChanges} runs, this node rereads the whole override table on each
 * announcement, its own included, and after every reconnect of the feed (when announcements may
 * have been lost), and applies what differs as it applies a change made here, with the same log
 * lines. The reread happens under the same lock as a change made here, so a read taken before such
 * a change can never be applied after it: a stale table cannot replace a newer one.
 *
 * <p>The nodes need not run the same policy (a bundle reaches each on its own schedule), so a mode
 * another node set is checked against this node's policy in service before it applies here, as a
 * change made here is: one that would put a route in monitor or enforce mode while its policy path
 * names nothing here (every request denied, or logged as a denial) is withheld. The route keeps the
 * mode it runs in, the refusal is logged as an error once, and the mode is applied once this node's
 * policy defines the path (checked at each announcement and after each bundle activation, see
 * {@link #recheck}). The modes read from the store at start are checked the same way, against the
 * configured modes, once {@link #checkPoliciesOf} gives the policy.
 *
 * <p>Thread-safe: changes, resets, rereads and reloads are serialised; the table is read without a
 * lock.
 */
public final class RouteModes {

  private static final Logger log = LoggerFactory.getLogger(RouteModes.class);

  private final AtomicReference<RouteTable> table;
  private final RouteModeOverrides store;
  private final InstantSource clock;
  // Guarded by this.
  private List<Route> configured;
  // Guarded by this; null when the table carries no users (see RouteTable#users).
  private LocalUsers users;
  // Guarded by this: the overrides this node applies.
  private final Map<String, RouteModeOverride> overrides = new TreeMap<>();
  // Guarded by this: the overrides in the store, as last read or written here; they differ from
  // those applied where one is withheld.
  private final Map<String, RouteModeOverride> stored = new TreeMap<>();
  // Guarded by this: what is withheld, by route, as last logged.
  private final Map<String, Withheld> withheld = new TreeMap<>();
  // The policy that routes are decided by, or null when changes are not checked against one.
  private volatile DecisionPoint policies;

  private RouteModes(RouteModeOverrides store, InstantSource clock) {
    this.store = store;
    this.clock = clock;
    this.table = new AtomicReference<>(new RouteTable(List.of()));
  }

  /**
   * A mode set in the console (on another node, or on any node before this one started) that this
   * node holds back, as its policy does not define the route's path (see the class comment).
   *
   * @param route the route's name
   * @param wanted what is held back: {@code enforce by carol at <instant>}, or {@code reset to
   *     enforce} for a reset whose configured mode is held back
   * @param why why, in the words of the service log
   * @param origin where the change was made: {@code another-node}, or {@code store-at-start}
   */
  public record Withheld(String route, String wanted, String why, String origin) {}

  /**
   * Builds the table from {@code configured} and the overrides in the store, and logs the routes
   * that run in a mode set in the console.
   *
   * @throws dev.vigil.store.StoreException when the overrides cannot be read
   */
  public static RouteModes start(
      List<Route> configured, RouteModeOverrides store, InstantSource clock) {
    return start(configured, null, store, clock);
  }

  /**
   * Builds the table as {@link #start(List, RouteModeOverrides, InstantSource)} does, carrying
   * {@code users} (null for none), the local users of the same configuration as {@code configured}.
   */
  public static RouteModes start(
      List<Route> configured, LocalUsers users, RouteModeOverrides store, InstantSource clock) {
    RouteModes modes = new RouteModes(store, clock);
    for (RouteModeOverride o : store.all()) {
      modes.overrides.put(o.route(), o);
      modes.stored.put(o.route(), o);
    }
    modes.configure(configured, users);
    return modes;
  }

  /**
   * Follows the changes stored by the nodes sharing this store (see the class comment); with SQLite
   * there are none and nothing is followed. A failed reread is logged and retried after a second.
   *
   * @return stops following when closed
   */
  public AutoCloseable followChanges() {
    return store.follow(this::reread);
  }

  /**
   * Checks every change and reset made here, and every reload, against {@code pdp}'s policy in
   * service: a route is not put in monitor or enforce mode while its policy path names no rule or
   * data of it, whether the file or the console chose that mode (see {@link
   * RoutePolicyCheck#namesNothing}).
   */
  public synchronized void checkPoliciesOf(DecisionPoint pdp) {
    this.policies = pdp;
    // The modes read from the store at start were applied before there was a policy to check them
    // against: one that names nothing here is withheld, and the route runs in its configured mode.
    boolean changed = false;
    for (RouteModeOverride o : List.copyOf(overrides.values())) {
      Route configuredRoute = configuredRoute(o.route());
      Mode set = parseStored(o);
      String why =
          configuredRoute == null || set == null ? null : undefinedPolicy(configuredRoute, set);
      if (why != null) {
        overrides.remove(o.route());
        Withheld w = new Withheld(o.route(), describe(o), why, Origin.START.label);
        // Kept, so that the page shows it and a bundle that defines the path applies it.
        withheld.put(o.route(), w);
        withhold(w, configuredRoute.mode());
        changed = true;
      }
    }
    if (changed) {
      table.set(build());
    }
  }

  /**
   * Applies the modes withheld because this node's policy did not define their routes' paths (see
   * the class comment) that it defines now; run after each bundle activation. Reads nothing from
   * the store.
   */
  public synchronized void recheck() {
    if (!withheld.isEmpty()) {
      reconcile(Origin.STORE);
    }
  }

  /** Returns the current table; the gateway reads it for every request. */
  public AtomicReference<RouteTable> table() {
    return table;
  }

  /**
   * Replaces the configured routes (a configuration reload), keeping the console's overrides and
   * the users the table carries.
   */
  public synchronized void configure(List<Route> next) {
    configure(next, users);
  }

  /**
   * Replaces the configured routes and the users the table carries (a configuration reload), in one
   * step: no request sees the new routes with the old users or the other way round. The console's
   * overrides are kept.
   *
   * @param nextUsers the local users of the same configuration as {@code next}, or null for none
   * @throws IllegalArgumentException when a route of {@code next} would be monitored or enforced,
   *     by the file or by a mode set in the console, with a policy path that names nothing in the
   *     policy in service (see {@link #checkPoliciesOf}); nothing changes then
   */
  public synchronized void configure(List<Route> next, LocalUsers nextUsers) {
    configure(next, nextUsers, name -> null);
  }

  /**
   * Replaces the configured routes and users as {@link #configure(List, LocalUsers)} does; a
   * refusal starts with where the route's policy key is written.
   *
   * @param places where each route's policy key is written ({@code file:line: key}) by route name,
   *     or null when unknown
   */
  public synchronized void configure(
      List<Route> next, LocalUsers nextUsers, Function<String, String> places) {
    boolean reload = configured != null;
    if (reload) {
      refuseUndefinedPolicies(next, places);
    }
    RouteTable before = table.get();
    configured = List.copyOf(next);
    users = nextUsers;
    table.set(build());
    if (reload) {
      logReloaded(before, table.get());
    }
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
   * Logs each route a reload added, removed, or changed in what decides its requests (mode, policy
   * path, host, prefix or upstream), as they run now, console modes included: the rollout's trail.
   */
  private static void logReloaded(RouteTable before, RouteTable after) {
    Map<String, Route> old = new TreeMap<>();
    before.routes().forEach(r -> old.put(r.name(), r));
    for (Route r : after.routes()) {
      Route was = old.remove(r.name());
      if (was == null) {
        log.info(
            "route added by the configuration: route={} mode={} policy={}",
            r.name(),
            r.mode().label(),
            r.policyPath());
        continue;
      }
      List<String> changes = new ArrayList<>();
      changed(changes, "mode", was.mode().label(), r.mode().label());
      changed(changes, "policy", was.policyPath(), r.policyPath());
      changed(changes, "host", was.host(), r.host());
      changed(changes, "prefix", was.pathPrefix(), r.pathPrefix());
      changed(changes, "upstream", was.upstream().toString(), r.upstream().toString());
      if (!changes.isEmpty()) {
        log.info(
            "route changed by the configuration: route={} {}", r.name(), String.join(" ", changes));
      }
    }
    old.keySet().forEach(n -> log.info("route removed by the configuration: route={}", n));
  }

  private static void changed(List<String> out, String what, String before, String after) {
    if (!before.equals(after)) {
      out.add(what + "=" + before + "->" + after);
    }
  }

  /**
   * Sets the route's mode, stores it, applies it and logs it.
   *
   * @return the route's mode before, or null when no route has that name (nothing is stored then)
   * @throws dev.vigil.store.StoreException when it cannot be stored; nothing changes then
   * @throws IllegalArgumentException when the mode would evaluate a policy path that nothing in the
   *     policy in service defines; nothing changes then
   */
  synchronized Mode change(String route, Mode mode, String by) {
    Route current = current(route);
    if (current == null) {
      return null;
    }
    refuseUndefinedPolicy(current, mode);
    RouteModeOverride o = new RouteModeOverride(route, mode.label(), by, clock.instant());
    store.put(o);
    overrides.put(route, o);
    stored.put(route, o);
    withheld.remove(route);
    table.set(build());
    logChanged(route, current.mode(), o, Origin.LOCAL);
    return current.mode();
  }

  /**
   * Removes the route's override, so that it runs in its configured mode again; {@code by} is who
   * removed it, for the log.
   *
   * @return the override removed, or null when the route had none (nothing changes then)
   * @throws dev.vigil.store.StoreException when it cannot be removed; nothing changes then
   * @throws IllegalArgumentException as {@link #change} does, for the configured mode
   */
  synchronized RouteModeOverride reset(String route, String by) {
    // A mode another node set and this node withholds is in the store, and can be reset here.
    RouteModeOverride o = overrides.getOrDefault(route, stored.get(route));
    if (o == null) {
      return null;
    }
    Route current = current(route);
    Mode configuredMode = configuredMode(route);
    // A route that already runs in its configured mode (a mode held back here) keeps running as
    // it does: removing the mode from the store changes nothing on this node to refuse.
    if (current != null && configuredMode != null && configuredMode != current.mode()) {
      refuseUndefinedPolicy(current, configuredMode);
    }
    store.delete(route);
    overrides.remove(route);
    stored.remove(route);
    withheld.remove(route);
    table.set(build());
    logReset(o, by, Origin.LOCAL);
    return o;
  }

  /**
   * Rereads every override from the store and applies those that differ from this node's copy,
   * logging each as a change made here would be.
   *
   * @throws dev.vigil.store.StoreException when the overrides cannot be read; nothing changes then
   */
  synchronized void reread() {
    Map<String, RouteModeOverride> now = new TreeMap<>();
    for (RouteModeOverride o : store.all()) {
      now.put(o.route(), o);
    }
    stored.clear();
    stored.putAll(now);
    reconcile(Origin.STORE);
  }

  /**
   * Applies the stored overrides that differ from those applied here, except those that would
   * evaluate a policy path this node's policy does not define (see the class comment), logging each
   * as a change made here would be.
   */
  private void reconcile(Origin origin) {
    Map<String, Mode> before = new TreeMap<>();
    for (Route r : table.get().routes()) {
      before.put(r.name(), r.mode());
    }
    Map<String, RouteModeOverride> next = new TreeMap<>(stored);
    Map<String, Withheld> withholding = new TreeMap<>();
    Set<String> names = new TreeSet<>(stored.keySet());
    names.addAll(overrides.keySet());
    for (String name : names) {
      RouteModeOverride want = stored.get(name);
      RouteModeOverride have = overrides.get(name);
      Route running = current(name);
      if (Objects.equals(want, have) || running == null) {
        continue;
      }
      Mode set = want == null ? null : parseStored(want);
      Mode to = set == null ? configuredMode(name) : set;
      String why = undefinedPolicy(running, to);
      if (why == null) {
        continue;
      }
      if (have == null) {
        next.remove(name);
      } else {
        next.put(name, have);
      }
      String what = want == null ? "reset to " + to.label() : describe(want);
      Withheld earlier = withheld.get(name);
      boolean same = earlier != null && earlier.wanted().equals(what);
      // A mode held back since start stays reported as such: it was read from the store then.
      Withheld w = new Withheld(name, what, why, same ? earlier.origin() : origin.label);
      withholding.put(name, w);
      if (!same) {
        withhold(w, running.mode());
      }
    }
    withheld.clear();
    withheld.putAll(withholding);
    if (next.equals(overrides)) {
      return;
    }
    Map<String, RouteModeOverride> removed = new TreeMap<>(overrides);
    removed.keySet().removeAll(next.keySet());
    List<RouteModeOverride> changed =
        next.values().stream().filter(o -> !o.equals(overrides.get(o.route()))).toList();
    overrides.clear();
    overrides.putAll(next);
    table.set(build());
    for (RouteModeOverride o : changed) {
      logChanged(o.route(), before.get(o.route()), o, origin);
    }
    for (RouteModeOverride o : removed.values()) {
      // The store keeps no trace of who removed an override.
      logReset(o, "unknown", origin);
    }
  }

  private static String describe(RouteModeOverride o) {
    return o.mode() + " by " + o.changedBy() + " at " + o.changedAt();
  }

  /** Logs a mode from the store that this node does not apply, and why. */
  private static void withhold(Withheld w, Mode keeps) {
    log.error(
        "route mode set in the console not applied on this node: route={} wanted={} on={}: {};"
            + " the route stays in {} mode here until this node's policy defines the path (or the"
            + " mode is set again)",
        w.route(),
        w.wanted(),
        w.origin(),
        w.why(),
        keeps.label());
  }

  /** Returns the mode this node holds back for the route, if any (see {@link Withheld}). */
  synchronized Optional<Withheld> withheld(String route) {
    return Optional.ofNullable(withheld.get(route));
  }

  /** Where a change logged by this node was made: here, or on a node sharing the store. */
  private enum Origin {
    LOCAL("this-node"),
    STORE("another-node"),
    /** Read from the store at start: set on any node, this one included, before it started. */
    START("store-at-start");

    final String label;

    Origin(String label) {
      this.label = label;
    }
  }

  /** Logs a mode set in the console; {@code from} is null when the route is not configured. */
  private void logChanged(String route, Mode from, RouteModeOverride o, Origin origin) {
    if (from == null) {
      log.warn(
          "route mode set in the console for a route not configured, ignored: route={} to={}"
              + " by={} on={}",
          route,
          o.mode(),
          o.changedBy(),
          origin.label);
      return;
    }
    log.info(
        "route mode changed: route={} from={} to={} by={} on={}",
        route,
        from.label(),
        o.mode(),
        o.changedBy(),
        origin.label);
  }

  private void logReset(RouteModeOverride removed, String by, Origin origin) {
    Mode configured = configuredMode(removed.route());
    log.info(
        "route mode reset to the configuration: route={} from={} to={} by={} on={}",
        removed.route(),
        removed.mode(),
        configured == null ? "none (route not configured)" : configured.label(),
        by,
        origin.label);
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
    Route r = configuredRoute(route);
    return r == null ? null : r.mode();
  }

  /** Returns the configured route of that name, or null. */
  private Route configuredRoute(String route) {
    for (Route r : configured) {
      if (r.name().equals(route)) {
        return r;
      }
    }
    return null;
  }

  /**
   * Refuses a reload whose routes, with the modes set in the console on top, would evaluate a
   * policy path nothing defines: a file that puts a route in observe mode, or changes its policy
   * key, does not decide its mode while the console holds it in monitor or enforce.
   */
  private void refuseUndefinedPolicies(List<Route> next, Function<String, String> places) {
    DecisionPoint pdp = policies;
    if (pdp == null) {
      return;
    }
    for (Route r : next) {
      RouteModeOverride o = overrides.get(r.name());
      Mode set = o == null ? null : parseStored(o);
      Route asRun = set == null ? r : r.withMode(set);
      if (RoutePolicyCheck.namesNothing(asRun, pdp)) {
        String place = places.apply(r.name());
        throw new IllegalArgumentException(
            (place == null ? "" : place + ": ")
                + "route \""
                + r.name()
                + "\": policy \""
                + r.policyPath()
                + "\" names no rule or data of the policy in service, and the route would run in "
                + asRun.mode().label()
                + " mode"
                + (set == null
                    ? ""
                    : ", set in the console by " + o.changedBy() + " (reset it there first)")
                + ": every request would be "
                + (asRun.mode() == Mode.ENFORCE ? "denied" : "logged as a denial"));
      }
    }
  }

  /**
   * Refuses to put {@code route} in {@code next} when that evaluates a policy path nothing defines:
   * every request would be denied as undefined, or in monitor mode logged as a denial. Going from
   * enforce to monitor or to observe is never refused, as it lets the route's traffic through.
   */
  private void refuseUndefinedPolicy(Route route, Mode next) {
    String why = undefinedPolicy(route, next);
    if (why == null) {
      return;
    }
    throw new IllegalArgumentException(
        "Route "
            + route.name()
            + " stays in "
            + route.mode().label()
            + " mode: "
            + why
            + ". Write the policy first, or check the route's policy key against the package and"
            + " rule names.");
  }

  /**
   * Returns why {@code route} may not go to {@code next}, or null when it may: the mode evaluates a
   * policy path nothing defines, so every request would be denied as undefined, or in monitor mode
   * logged as a denial. Going from enforce to monitor or to observe is always allowed, as it lets
   * the route's traffic through.
   */
  private String undefinedPolicy(Route route, Mode next) {
    DecisionPoint pdp = policies;
    if (pdp == null
        || next == Mode.OBSERVE
        || (next == Mode.MONITOR && route.mode() == Mode.ENFORCE)
        || !RoutePolicyCheck.namesNothing(route.withMode(next), pdp)) {
      return null;
    }
    return "its policy "
        + route.policyPath()
        + " names no rule or data of the policy in service, so in "
        + next.label()
        + " mode every request would be "
        + (next == Mode.ENFORCE ? "denied" : "logged as a denial");
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
    return new RouteTable(routes, users);
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
