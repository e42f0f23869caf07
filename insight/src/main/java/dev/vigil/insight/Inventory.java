package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the traffic of a window shows is there: the routes it reached (and, given the configured
 * routes, those it never reached), the requests no route served, the workloads and trust domains
 * that called, the users, and the devices they came from (managed by id, unmanaged by status, and
 * unknown ones, without a device certificate). Each entry carries its request count and when it was
 * last seen.
 *
 * <p>Memory is bounded: each list keeps at most {@value #MAX_ENTRIES} entries and counts the
 * decisions of further ones in {@link #beyondCap}. Built by one thread ({@link Builder}); immutable
 * once built.
 */
public final class Inventory {

  /** Entries kept in each list. */
  public static final int MAX_ENTRIES = 10_000;

  /**
   * One thing seen in the traffic.
   *
   * @param details what else is known: a route's service and environment, a workload's trust
   *     domain, a device's status
   */
  public record Entry(String key, long requests, Instant lastSeen, Map<String, String> details) {}

  private final Window window;
  private final long decisions;
  private final List<Entry> routes;
  private final List<String> unusedRoutes;
  private final List<Entry> noRoute;
  private final List<Entry> workloads;
  private final List<Entry> trustDomains;
  private final List<Entry> users;
  private final List<Entry> devices;
  private final long beyondCap;

  private Inventory(Builder b) {
    this.window = b.window;
    this.decisions = b.decisions;
    this.routes = b.routes.entries();
    this.noRoute = b.noRoute.entries();
    this.workloads = b.workloads.entries();
    this.trustDomains = b.trustDomains.entries();
    this.users = b.users.entries();
    this.devices = b.devices.entries();
    this.beyondCap =
        b.routes.beyond
            + b.noRoute.beyond
            + b.workloads.beyond
            + b.trustDomains.beyond
            + b.users.beyond
            + b.devices.beyond;
    if (b.configured == null) {
      this.unusedRoutes = null;
    } else {
      TreeSet<String> unused = new TreeSet<>(b.configured);
      b.routes.seen.keySet().forEach(unused::remove);
      // A route seen beyond the cap was still seen: name none as unused then.
      this.unusedRoutes = b.routes.beyond > 0 ? List.of() : List.copyOf(unused);
    }
  }

  /**
   * Reads the inventory of {@code window} from the decision log.
   *
   * @param route only decisions of this route, or null for all
   * @param configured the names of the configured routes, or null when no configuration is given
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static Inventory take(
      Store store, Window window, String route, Collection<String> configured) {
    Builder b = builder(window, configured);
    new DecisionScan(store).forEach(window.since(), window.until(), route, b::add);
    return b.build();
  }

  /** Starts an inventory; {@code configured} names the configured routes, or is null. */
  public static Builder builder(Window window, Collection<String> configured) {
    return new Builder(window, configured);
  }

  public Window window() {
    return window;
  }

  public long decisions() {
    return decisions;
  }

  /** The routes that decided requests, with {@code kind} ({@code route} or {@code sidecar}). */
  public List<Entry> routes() {
    return routes;
  }

  /** Configured routes no decision of the window named, sorted; null without a configuration. */
  public List<String> unusedRoutes() {
    return unusedRoutes;
  }

  /** Requests refused because no route serves them, by host and path (without the query). */
  public List<Entry> noRoute() {
    return noRoute;
  }

  /** Calling workloads by SPIFFE ID, with their {@code trust_domain}. */
  public List<Entry> workloads() {
    return workloads;
  }

  public List<Entry> trustDomains() {
    return trustDomains;
  }

  public List<Entry> users() {
    return users;
  }

  /**
   * Devices: a managed one as {@code managed <id>}, others as {@code unmanaged <status>} and {@code
   * unknown}; each with {@code class} in its details.
   */
  public List<Entry> devices() {
    return devices;
  }

  /** Decisions whose entry a full list could not take. */
  public long beyondCap() {
    return beyondCap;
  }

  /** The inventory as text, one section a list. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("inventory, %s: %d decisions%n", window, decisions));
    section(sb, "routes", routes);
    if (unusedRoutes != null) {
      sb.append("configured routes without traffic:").append(System.lineSeparator());
      if (unusedRoutes.isEmpty()) {
        sb.append("  (none)").append(System.lineSeparator());
      }
      unusedRoutes.forEach(r -> sb.append("  ").append(Texts.clean(r)).append('\n'));
    }
    section(sb, "refused, no route (host and path)", noRoute);
    section(sb, "workloads", workloads);
    section(sb, "trust domains", trustDomains);
    section(sb, "users", users);
    section(sb, "devices", devices);
    if (beyondCap > 0) {
      sb.append(
          String.format(
              "note: lists stop at %d entries: %d decisions of further entries are not shown%n",
              MAX_ENTRIES, beyondCap));
    }
    return sb.toString();
  }

  private static void section(StringBuilder sb, String title, List<Entry> entries) {
    sb.append(title).append(':').append(System.lineSeparator());
    if (entries.isEmpty()) {
      sb.append("  (none)").append(System.lineSeparator());
    }
    for (Entry e : entries) {
      List<String> details = new ArrayList<>();
      e.details().forEach((k, v) -> details.add(k + " " + v));
      sb.append(
          String.format(
              "  %-40s %6d requests  last %s%s%n",
              Texts.clean(e.key()),
              e.requests(),
              e.lastSeen(),
              details.isEmpty() ? "" : "  " + Texts.clean(String.join(", ", details))));
    }
  }

  /** The inventory as a JSON document. */
  public String json() {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("decisions"), NumberValue.of(decisions));
    doc.put(s("routes"), entries(routes));
    if (unusedRoutes != null) {
      doc.put(
          s("unused_routes"), ArrayValue.of(unusedRoutes.stream().map(r -> (Value) s(r)).toList()));
    }
    doc.put(s("no_route"), entries(noRoute));
    doc.put(s("workloads"), entries(workloads));
    doc.put(s("trust_domains"), entries(trustDomains));
    doc.put(s("users"), entries(users));
    doc.put(s("devices"), entries(devices));
    doc.put(s("capped"), BooleanValue.of(beyondCap > 0));
    doc.put(s("beyond_cap"), NumberValue.of(beyondCap));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static ArrayValue entries(List<Entry> es) {
    List<Value> out = new ArrayList<>();
    for (Entry e : es) {
      Map<Value, Value> details = new TreeMap<>();
      e.details().forEach((k, v) -> details.put(s(k), s(v)));
      out.add(
          ObjectValue.of(
              s("key"), s(e.key()),
              s("requests"), NumberValue.of(e.requests()),
              s("last_seen"), s(e.lastSeen().toString()),
              s("details"), ObjectValue.of(details)));
    }
    return ArrayValue.of(out);
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }

  /** Adds decisions, one at a time; not thread-safe. */
  public static final class Builder {
    private final Window window;
    private final Set<String> configured;
    private final Seen routes = new Seen();
    private final Seen noRoute = new Seen();
    private final Seen workloads = new Seen();
    private final Seen trustDomains = new Seen();
    private final Seen users = new Seen();
    private final Seen devices = new Seen();
    private long decisions;

    private Builder(Window window, Collection<String> configured) {
      this.window = window;
      this.configured = configured == null ? null : Set.copyOf(configured);
    }

    /** Adds one decision; one outside the window is ignored. */
    public Builder add(DecisionRecord r) {
      if (!window.contains(r.timestamp())) {
        return this;
      }
      DecisionFacts f = DecisionFacts.of(r);
      if (f.recheck() != null) {
        return this; // an open connection decided again: no new request
      }
      decisions++;
      Instant t = r.timestamp();
      if ("NO_ROUTE".equals(f.refusal())) {
        String target = f.target() == null ? "?" : f.target();
        int query = target.indexOf('?');
        String where =
            (f.host() == null ? "?" : f.host())
                + " "
                + (query < 0 ? target : target.substring(0, query));
        noRoute.add(where, t, Map.of());
      } else if (f.refusal() == null && r.route() != null) {
        Map<String, String> d = new TreeMap<>();
        d.put("kind", f.sidecar() ? "sidecar" : "route");
        put(d, "service", f.service());
        put(d, "environment", f.environment());
        d.put("mode", r.mode());
        routes.add(r.route(), t, d);
      }
      if (f.caller().equals(DecisionFacts.WORKLOAD)) {
        Map<String, String> d = new TreeMap<>();
        put(d, "trust_domain", f.trustDomain());
        workloads.add(f.callerId(), t, d);
        if (f.trustDomain() != null) {
          trustDomains.add(f.trustDomain(), t, Map.of());
        }
      } else if (f.caller().equals(DecisionFacts.USER)) {
        users.add(f.callerId(), t, Map.of());
      }
      if (f.device() != null) {
        Map<String, String> d = new TreeMap<>();
        d.put("class", f.device());
        switch (f.device()) {
          case "managed" -> devices.add("managed " + f.deviceId(), t, d);
          case "unmanaged" -> {
            d.put("status", f.deviceStatus());
            devices.add("unmanaged " + f.deviceStatus(), t, d);
          }
          default -> devices.add("unknown", t, d);
        }
      }
      return this;
    }

    private static void put(Map<String, String> m, String k, String v) {
      if (v != null) {
        m.put(k, v);
      }
    }

    public Inventory build() {
      return new Inventory(this);
    }
  }

  /** One list while the inventory is taken. */
  private static final class Seen {
    final Map<String, Item> seen = new HashMap<>();
    long beyond;

    void add(String rawKey, Instant t, Map<String, String> details) {
      String key = Texts.clean(rawKey);
      Item i = seen.get(key);
      if (i == null) {
        if (seen.size() >= MAX_ENTRIES) {
          beyond++;
          return;
        }
        i = new Item();
        seen.put(key, i);
      }
      i.requests++;
      if (i.last == null || t.isAfter(i.last)) {
        i.last = t;
        // The details of the latest decision: a route's mode as it is now, not as it was.
        Map<String, String> kept = new TreeMap<>();
        details.forEach((k, v) -> kept.put(k, Texts.clean(v)));
        i.details = kept;
      }
    }

    List<Entry> entries() {
      return seen.entrySet().stream()
          .map(
              e ->
                  new Entry(
                      e.getKey(),
                      e.getValue().requests,
                      e.getValue().last,
                      Collections.unmodifiableMap(e.getValue().details)))
          .sorted(Comparator.comparingLong(Entry::requests).reversed().thenComparing(Entry::key))
          .toList();
    }
  }

  private static final class Item {
    long requests;
    Instant last;
    Map<String, String> details = Map.of();
  }
}
