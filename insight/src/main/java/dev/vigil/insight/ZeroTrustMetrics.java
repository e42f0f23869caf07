package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How much implicit trust the traffic of a window still carries, against the window before of the
 * same length: the share of service calls made with a verified workload identity, of privileged
 * requests made with a second factor and an approved grant, of requests from managed devices and
 * with a second factor, the denial rate, and the caller-to-service paths left flat (and those
 * eliminated since the window before). Each metric is a {@link Ratio}, its numerator and
 * denominator counted, so that a window without the requests it counts says so.
 *
 * <p>The shares count the requests <em>let through</em> (allowed, or let through by a route that
 * does not enforce): a refused request gave no access, and a step-up challenge answered with a
 * second factor would otherwise count once without it and once with it. A request is privileged
 * when its resource's criticality is {@code high} or {@code critical}, or its action {@code admin}
 * (docs/policy-input.md); only the edge gateway's requests count there, since workloads show no
 * second factor (their calls count under workload identity).
 *
 * <p>Built by one thread ({@link Builder}); immutable once built.
 */
public final class ZeroTrustMetrics {

  /** The criticalities that make a request privileged. */
  public static final Set<String> PRIVILEGED_CRITICALITY = Set.of("high", "critical");

  /** The action that makes a request privileged. */
  public static final String PRIVILEGED_ACTION = "admin";

  /** How the metrics define a privileged request, in words. */
  public static final String PRIVILEGED = "resource criticality high or critical, or action admin";

  /** The modes requests are counted by. */
  public static final List<String> MODES = List.of("observe", "monitor", "enforce");

  /** Paths listed in each list of the text and JSON answers. */
  public static final int LISTED = 20;

  /**
   * One metric: its share in this window and in the window before.
   *
   * @param key its name in JSON, such as {@code workload_identity}
   * @param label what it counts, in words
   * @param before null when it has no value for the window before (a configuration's routes)
   */
  public record Metric(String key, String label, Ratio now, Ratio before) {

    /** The change since the window before, in percentage points; null when either is none. */
    public Double change() {
      return before == null ? null : now.pointsSince(before);
    }
  }

  /**
   * What one window's traffic holds, counted.
   *
   * @param requests every decision, refusals before policy included
   * @param byMode decisions that reached a route or policy, by the mode they were decided in
   * @param refusedBeforePolicy refusals before any route or policy (a bad path, no route, no
   *     certificate on a STRICT port)
   * @param transports sidecar calls let through, by transport ({@code mtls}, {@code tls}, {@code
   *     plaintext})
   * @param privileged privileged requests let through at the edge: {@code total}, {@code mfa},
   *     {@code grant}, {@code mfa_and_grant}, {@code break_glass}, {@code without_session}
   */
  public record Counts(
      long requests,
      long denied,
      Map<String, Long> byMode,
      long refusedBeforePolicy,
      Map<String, Long> transports,
      Map<String, Long> privileged,
      long edgeLetThrough,
      long managedDevice,
      long peopleLetThrough,
      long peopleWithMfa) {}

  private final Window window;
  private final String route;
  private final Counts now;
  private final Counts before;
  private final Map<String, String> configured;
  private final List<FlatPath> paths;
  private final long pathsBeyondCap;
  private final List<Metric> metrics;

  private ZeroTrustMetrics(Builder b) {
    this.window = b.window;
    this.route = b.route;
    this.now = b.now.counts();
    this.before = b.before.counts();
    this.configured = b.configured;
    this.paths = b.paths.all();
    this.pathsBeyondCap = b.paths.beyondCap();
    this.metrics = List.copyOf(measure());
  }

  /**
   * Measures {@code window} against the window before it from the decision log.
   *
   * @param route only decisions of this route, or null for all
   * @param configured the configured routes by name, each with its mode; null without a
   *     configuration
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static ZeroTrustMetrics measure(
      Store store, Window window, String route, Map<String, String> configured) {
    Builder b = builder(window, route, configured);
    new DecisionScan(store).forEach(window.previous().since(), window.until(), route, b::add);
    return b.build();
  }

  /** Starts the metrics of {@code window}; decisions of the window before count for the trend. */
  public static Builder builder(Window window, String route, Map<String, String> configured) {
    return new Builder(window, route, configured);
  }

  private List<Metric> measure() {
    List<Metric> out = new ArrayList<>();
    out.add(
        new Metric(
            "workload_identity",
            "service calls with a workload identity (mTLS)",
            workloadIdentity(now),
            workloadIdentity(before)));
    for (String[] p :
        new String[][] {
          {"privileged_mfa", "mfa", "privileged requests with MFA"},
          {"privileged_grant", "grant", "privileged requests with an approved grant"},
          {"privileged_mfa_and_grant", "mfa_and_grant", "privileged requests with both"}
        }) {
      out.add(new Metric(p[0], p[2], privileged(now, p[1]), privileged(before, p[1])));
    }
    out.add(
        new Metric(
            "managed_device",
            "requests from a known, managed device",
            new Ratio(now.managedDevice(), now.edgeLetThrough()),
            new Ratio(before.managedDevice(), before.edgeLetThrough())));
    out.add(
        new Metric(
            "mfa",
            "requests by people with MFA",
            new Ratio(now.peopleWithMfa(), now.peopleLetThrough()),
            new Ratio(before.peopleWithMfa(), before.peopleLetThrough())));
    out.add(
        new Metric(
            "denied",
            "requests denied (enforced or in monitor)",
            new Ratio(now.denied(), now.requests()),
            new Ratio(before.denied(), before.requests())));
    out.add(
        new Metric(
            "flat_paths",
            "caller-to-service paths left flat",
            new Ratio(count(FlatPath::flat), count(p -> p.requests() > 0)),
            new Ratio(count(FlatPath::flatBefore), count(p -> p.requestsBefore() > 0))));
    out.add(
        new Metric(
            "flat_paths_eliminated",
            "flat paths of the window before now enforced",
            new Ratio(eliminated().size(), count(FlatPath::flatBefore)),
            null));
    if (configured != null) {
      long enforcing = configured.values().stream().filter("enforce"::equals).count();
      out.add(
          new Metric(
              "routes_enforced",
              "configured routes in enforce mode",
              new Ratio(enforcing, configured.size()),
              null));
    }
    return out;
  }

  private static Ratio workloadIdentity(Counts c) {
    long all = c.transports().values().stream().mapToLong(Long::longValue).sum();
    return new Ratio(c.transports().get("mtls"), all);
  }

  private static Ratio privileged(Counts c, String which) {
    return new Ratio(c.privileged().get(which), c.privileged().get("total"));
  }

  private long count(Predicate<FlatPath> p) {
    return paths.stream().filter(p).count();
  }

  public Window window() {
    return window;
  }

  /** The metrics, in the order the answers show them. */
  public List<Metric> metrics() {
    return metrics;
  }

  /**
   * The metric of {@code key}.
   *
   * @throws IllegalArgumentException when there is none of that name
   */
  public Metric metric(String key) {
    return metrics.stream()
        .filter(m -> m.key().equals(key))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no metric named \"" + key + "\""));
  }

  /** What this window's traffic holds. */
  public Counts now() {
    return now;
  }

  /** What the window before held. */
  public Counts before() {
    return before;
  }

  /** Paths flat in this window, most unchecked requests first. */
  public List<FlatPath> flat() {
    return listed(FlatPath::flat);
  }

  /** Paths flat in the window before whose traffic in this one was all enforced. */
  public List<FlatPath> eliminated() {
    return listed(p -> p.flatBefore() && p.requests() > 0 && !p.flat());
  }

  /** Paths flat in this window and not in the window before (new, or no longer enforced). */
  public List<FlatPath> newlyFlat() {
    return listed(p -> p.flat() && !p.flatBefore());
  }

  /** Paths flat in the window before that carried nothing in this one: not known to be fixed. */
  public List<FlatPath> quiet() {
    return listed(p -> p.flatBefore() && p.requests() == 0);
  }

  private List<FlatPath> listed(Predicate<FlatPath> p) {
    return paths.stream().filter(p).toList();
  }

  /**
   * A caller-to-service path, in this window and in the window before.
   *
   * @param requests decisions of the path in this window
   * @param unchecked of those, the requests let through on trust nobody checked
   * @param causes why, sorted: {@code monitor}, {@code no workload identity}, {@code observe}
   * @param requestsBefore the same three in the window before
   */
  public record FlatPath(
      String from,
      String to,
      long requests,
      long unchecked,
      List<String> causes,
      long requestsBefore,
      long uncheckedBefore,
      List<String> causesBefore) {

    /** Whether the path was flat in this window. */
    public boolean flat() {
      return unchecked > 0;
    }

    /** Whether it was flat in the window before. */
    public boolean flatBefore() {
      return uncheckedBefore > 0;
    }
  }

  /** Decisions whose path was not kept: the path list was full. */
  public long pathsBeyondCap() {
    return pathsBeyondCap;
  }

  /** The configured routes by mode, names sorted; null without a configuration. */
  public Map<String, List<String>> configuredByMode() {
    if (configured == null) {
      return null;
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String mode : MODES) {
      out.put(mode, new ArrayList<>());
    }
    new TreeMap<>(configured)
        .forEach((name, mode) -> out.computeIfAbsent(mode, m -> new ArrayList<>()).add(name));
    out.replaceAll((k, v) -> List.copyOf(v));
    return out;
  }

  /** The metrics as text: the table, then the counts behind it and the flat paths. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "zero trust metrics, %s%s, against %s%n",
            window, route == null ? "" : ", route " + Texts.clean(route), window.previous()));
    if (now.requests() == 0) {
      sb.append("no traffic in the window: no share can be measured").append(nl());
    }
    sb.append("shares count requests let through; privileged: ").append(PRIVILEGED).append(nl());
    sb.append(String.format("%n%-48s %-24s %-24s %s%n", "", "now", "window before", "change"));
    for (Metric m : metrics) {
      Double change = m.change();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-48s %-24s %-24s %s%n",
              m.label(),
              m.now().text(),
              m.before() == null ? "-" : m.before().text(),
              change == null ? "-" : String.format(Locale.ROOT, "%+.1f points", change)));
    }
    sb.append(nl());
    sb.append("requests:           ").append(counts(now.requests(), before.requests()));
    sb.append("  by mode:          ");
    sb.append(
        breakdown(
            now.byMode(),
            before.byMode(),
            "refused before policy",
            now.refusedBeforePolicy(),
            before.refusedBeforePolicy()));
    sb.append("service calls:      ")
        .append(breakdown(now.transports(), before.transports(), null, 0, 0));
    sb.append("privileged:         ")
        .append(breakdown(now.privileged(), before.privileged(), null, 0, 0));
    Map<String, List<String>> routes = configuredByMode();
    if (routes != null) {
      sb.append("configured routes:").append(nl());
      routes.forEach(
          (mode, names) ->
              sb.append(
                  String.format(
                      "  %-8s %d  %s%n",
                      Texts.clean(mode), names.size(), Texts.clean(String.join(", ", names)))));
    }
    paths(sb, "flat paths now", flat(), true);
    paths(sb, "flat paths eliminated", eliminated(), false);
    paths(sb, "newly flat", newlyFlat(), true);
    paths(sb, "flat before, no traffic now", quiet(), false);
    if (pathsBeyondCap > 0) {
      sb.append(
          String.format(
              "note: paths stop at %d: %d decisions of further paths are not counted as paths%n",
              FlatPaths.MAX_PATHS, pathsBeyondCap));
    }
    return sb.toString();
  }

  private static String counts(long n, long before) {
    return n + " (window before: " + before + ")" + nl();
  }

  private static String breakdown(
      Map<String, Long> now,
      Map<String, Long> before,
      String extra,
      long extraNow,
      long extraBefore) {
    StringBuilder sb = new StringBuilder();
    StringBuilder was = new StringBuilder();
    now.forEach(
        (k, v) -> {
          sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(v);
          was.append(was.isEmpty() ? "" : ", ").append(before.get(k));
        });
    if (extra != null) {
      sb.append("; ").append(extra).append(' ').append(extraNow);
      was.append("; ").append(extraBefore);
    }
    return sb + " (window before: " + was + ")" + nl();
  }

  private static void paths(StringBuilder sb, String title, List<FlatPath> ps, boolean now) {
    sb.append(title).append(" (").append(ps.size()).append("):").append(nl());
    if (ps.isEmpty()) {
      sb.append("  (none)").append(nl());
    }
    for (FlatPath p : ps.subList(0, Math.min(LISTED, ps.size()))) {
      long requests = now ? p.requests() : p.requestsBefore();
      long unchecked = now ? p.unchecked() : p.uncheckedBefore();
      List<String> causes = now ? p.causes() : p.causesBefore();
      sb.append(
          String.format(
              "  %s -> %s  %d of %d requests unchecked%s (%s)%s%n",
              Texts.clean(p.from()),
              Texts.clean(p.to()),
              unchecked,
              requests,
              now ? "" : " before",
              String.join(", ", causes),
              now ? "" : "; now " + p.requests() + " requests, all enforced"));
    }
    if (ps.size() > LISTED) {
      sb.append("  ... ").append(ps.size() - LISTED).append(" more").append(nl());
    }
  }

  private static String nl() {
    return System.lineSeparator();
  }

  /** The metrics as a JSON document. */
  public String json() {
    return Json.writePretty(jsonValue());
  }

  /** The metrics as a JSON value, for the report. */
  Value jsonValue() {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("previous_since"), s(window.previous().since().toString()));
    doc.put(s("route"), route == null ? NullValue.NULL : s(route));
    doc.put(s("privileged"), s(PRIVILEGED));
    doc.put(s("no_traffic"), BooleanValue.of(now.requests() == 0));
    List<Value> ms = new ArrayList<>();
    for (Metric m : metrics) {
      Map<Value, Value> o = new LinkedHashMap<>();
      o.put(s("key"), s(m.key()));
      o.put(s("label"), s(m.label()));
      ((ObjectValue) m.now().json()).asMap().forEach(o::put);
      o.put(s("previous"), m.before() == null ? NullValue.NULL : m.before().json());
      o.put(s("change_points"), Ratio.rounded(m.change(), 1));
      ms.add(ObjectValue.of(o));
    }
    doc.put(s("metrics"), ArrayValue.of(ms));
    doc.put(s("counts"), ObjectValue.of(s("now"), counts(now), s("previous"), counts(before)));
    Map<String, List<String>> routes = configuredByMode();
    if (routes != null) {
      Map<Value, Value> byMode = new LinkedHashMap<>();
      routes.forEach(
          (mode, names) ->
              byMode.put(s(mode), ArrayValue.of(names.stream().map(n -> (Value) s(n)).toList())));
      doc.put(s("configured_routes"), ObjectValue.of(byMode));
    }
    Map<Value, Value> fp = new LinkedHashMap<>();
    fp.put(s("flat"), paths(flat()));
    fp.put(s("eliminated"), paths(eliminated()));
    fp.put(s("newly_flat"), paths(newlyFlat()));
    fp.put(s("quiet"), paths(quiet()));
    fp.put(s("listed"), NumberValue.of(LISTED));
    fp.put(s("beyond_cap"), NumberValue.of(pathsBeyondCap));
    doc.put(s("flat_paths"), ObjectValue.of(fp));
    return ObjectValue.of(doc);
  }

  private static Value counts(Counts c) {
    Map<Value, Value> o = new LinkedHashMap<>();
    o.put(s("requests"), NumberValue.of(c.requests()));
    o.put(s("denied"), NumberValue.of(c.denied()));
    o.put(s("by_mode"), numbers(c.byMode()));
    o.put(s("refused_before_policy"), NumberValue.of(c.refusedBeforePolicy()));
    o.put(s("service_calls"), numbers(c.transports()));
    o.put(s("privileged"), numbers(c.privileged()));
    return ObjectValue.of(o);
  }

  private static Value numbers(Map<String, Long> m) {
    Map<Value, Value> o = new LinkedHashMap<>();
    m.forEach((k, v) -> o.put(s(k), NumberValue.of(v)));
    return ObjectValue.of(o);
  }

  private static Value paths(List<FlatPath> ps) {
    List<Value> out = new ArrayList<>();
    for (FlatPath p : ps.subList(0, Math.min(LISTED, ps.size()))) {
      Map<Value, Value> o = new LinkedHashMap<>();
      o.put(s("from"), s(p.from()));
      o.put(s("to"), s(p.to()));
      o.put(s("requests"), NumberValue.of(p.requests()));
      o.put(s("unchecked"), NumberValue.of(p.unchecked()));
      o.put(s("causes"), strings(p.causes()));
      o.put(s("previous_requests"), NumberValue.of(p.requestsBefore()));
      o.put(s("previous_unchecked"), NumberValue.of(p.uncheckedBefore()));
      o.put(s("previous_causes"), strings(p.causesBefore()));
      out.add(ObjectValue.of(o));
    }
    return ObjectValue.of(s("count"), NumberValue.of(ps.size()), s("paths"), ArrayValue.of(out));
  }

  private static Value strings(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) s(x)).toList());
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }

  /** Adds decisions, one at a time; not thread-safe. */
  public static final class Builder {
    private final Window window;
    private final Window previous;
    private final String route;
    private final Map<String, String> configured;
    private final Tally now = new Tally();
    private final Tally before = new Tally();
    private final FlatPaths paths = new FlatPaths();

    private Builder(Window window, String route, Map<String, String> configured) {
      this.window = window;
      this.previous = window.previous();
      this.route = route;
      this.configured = configured == null ? null : Map.copyOf(configured);
    }

    /** Adds one decision; one in neither window is ignored. */
    public Builder add(DecisionRecord r) {
      boolean current = window.contains(r.timestamp());
      if (!current && !previous.contains(r.timestamp())) {
        return this;
      }
      DecisionFacts f = DecisionFacts.of(r);
      if (f.recheck() != null) {
        return this; // an open connection decided again: no new call to count
      }
      (current ? now : before).add(f);
      if (f.refusal() == null) {
        paths.add(f, current);
      }
      return this;
    }

    public ZeroTrustMetrics build() {
      return new ZeroTrustMetrics(this);
    }
  }

  /** One window's counts while they are taken. */
  private static final class Tally {
    long requests;
    long denied;
    final Map<String, Long> byMode = zeros(MODES);
    long refused;
    final Map<String, Long> transports = zeros(List.of("mtls", "tls", "plaintext"));
    final Map<String, Long> privileged =
        zeros(List.of("total", "mfa", "grant", "mfa_and_grant", "break_glass", "without_session"));
    long edge;
    long managed;
    long people;
    long peopleMfa;

    void add(DecisionFacts f) {
      DecisionRecord r = f.record();
      requests++;
      if (r.denied()) {
        denied++;
      }
      if (f.refusal() != null) {
        refused++;
        return;
      }
      byMode.merge(Texts.clean(r.mode()), 1L, Long::sum);
      if (!f.letThrough()) {
        return;
      }
      if (f.sidecar()) {
        transports.merge(Texts.clean(f.transport()), 1L, Long::sum);
        return;
      }
      boolean person = f.caller().equals(DecisionFacts.USER);
      if (f.device() != null) {
        edge++;
        managed += "managed".equals(f.device()) ? 1 : 0;
      }
      if (person) {
        people++;
        peopleMfa += f.mfa() ? 1 : 0;
      }
      if (privileged(f)) {
        privileged.merge("total", 1L, Long::sum);
        count(privileged, "mfa", f.mfa());
        count(privileged, "grant", f.approvedGrant());
        count(privileged, "mfa_and_grant", f.mfa() && f.approvedGrant());
        count(privileged, "break_glass", f.breakGlassGrant());
        count(privileged, "without_session", !person);
      }
    }

    private static boolean privileged(DecisionFacts f) {
      String c = f.criticality();
      return c != null && PRIVILEGED_CRITICALITY.contains(c.toLowerCase(Locale.ROOT))
          || PRIVILEGED_ACTION.equals(f.action());
    }

    private static void count(Map<String, Long> m, String key, boolean yes) {
      if (yes) {
        m.merge(key, 1L, Long::sum);
      }
    }

    private static Map<String, Long> zeros(List<String> keys) {
      Map<String, Long> m = new LinkedHashMap<>();
      keys.forEach(k -> m.put(k, 0L));
      return m;
    }

    Counts counts() {
      return new Counts(
          requests,
          denied,
          Collections.unmodifiableMap(new LinkedHashMap<>(byMode)),
          refused,
          Collections.unmodifiableMap(new LinkedHashMap<>(transports)),
          Collections.unmodifiableMap(new LinkedHashMap<>(privileged)),
          edge,
          managed,
          people,
          peopleMfa);
    }
  }
}
