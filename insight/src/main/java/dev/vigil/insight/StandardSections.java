package dev.vigil.insight;

import dev.vigil.insight.DeniedRequests.Group;
import dev.vigil.insight.DependencyGraph.Edge;
import dev.vigil.insight.Inventory.Entry;
import dev.vigil.insight.ReportSection.Part;
import dev.vigil.insight.ZeroTrustMetrics.FlatPath;
import dev.vigil.insight.ZeroTrustMetrics.Metric;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sections every report has ({@link InsightReport#SECTIONS}): the inventory, the dependency
 * graph, the denied requests and the zero trust metrics, each a summary of the analysis of the same
 * name with its largest items.
 */
final class StandardSections {

  /** Rows of each table a section shows. */
  static final int ROWS = 10;

  private StandardSections() {}

  /** What the traffic shows is there ({@link Inventory}). */
  static Part inventory(ReportContext c) {
    Inventory inv =
        Inventory.take(
            c.store(),
            c.window(),
            c.route(),
            c.configuredRoutes() == null ? null : c.configuredRoutes().keySet());
    Map<String, Long> devices = new TreeMap<>();
    for (Entry e : inv.devices()) {
      devices.merge(e.details().getOrDefault("class", "unknown"), e.requests(), Long::sum);
    }
    long noRoute = inv.noRoute().stream().mapToLong(Entry::requests).sum();

    StringBuilder md = new StringBuilder();
    md.append(Markdown.item(inv.decisions() + " decisions"));
    md.append(Markdown.item(inv.routes().size() + " routes with traffic"));
    md.append(
        Markdown.item(
            inv.workloads().size()
                + " workloads in "
                + inv.trustDomains().size()
                + " trust domains, "
                + inv.users().size()
                + " users"));
    md.append(
        Markdown.item(
            "requests by device: "
                + String.join(
                    ", ",
                    devices.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue())
                        .toList())));
    md.append(Markdown.item(noRoute + " requests no route served"));
    if (inv.unusedRoutes() != null) {
      md.append(
          Markdown.item(
              "configured routes without traffic: "
                  + (inv.unusedRoutes().isEmpty()
                      ? "none"
                      : String.join(
                          ", ", inv.unusedRoutes().stream().map(Markdown::text).toList()))));
    }
    if (inv.beyondCap() > 0) {
      md.append(Markdown.item(inv.beyondCap() + " decisions beyond the lists' cap not shown"));
    }
    List<List<String>> rows = new ArrayList<>();
    for (Entry e : top(inv.routes())) {
      Map<String, String> d = e.details();
      rows.add(
          List.of(
              Markdown.text(e.key()),
              Markdown.text(d.get("kind")),
              Markdown.text(d.get("service")),
              Markdown.text(d.get("environment")),
              Markdown.text(d.get("mode")),
              Long.toString(e.requests()),
              e.lastSeen().toString()));
    }
    if (!rows.isEmpty()) {
      md.append("\nBusiest routes:\n\n");
      md.append(
          Markdown.table(
              List.of("route", "kind", "service", "environment", "mode", "requests", "last seen"),
              rows));
    }

    Map<Value, Value> json = new LinkedHashMap<>();
    json.put(s("decisions"), n(inv.decisions()));
    json.put(s("routes"), n(inv.routes().size()));
    json.put(s("workloads"), n(inv.workloads().size()));
    json.put(s("trust_domains"), n(inv.trustDomains().size()));
    json.put(s("users"), n(inv.users().size()));
    Map<Value, Value> byDevice = new LinkedHashMap<>();
    devices.forEach((k, v) -> byDevice.put(s(k), n(v)));
    json.put(s("requests_by_device"), ObjectValue.of(byDevice));
    json.put(s("no_route_requests"), n(noRoute));
    if (inv.unusedRoutes() != null) {
      json.put(s("unused_routes"), strings(inv.unusedRoutes()));
    }
    json.put(s("beyond_cap"), n(inv.beyondCap()));
    json.put(s("top_routes"), subset(Json.parse(inv.json()), "routes"));
    return new Part(md.toString(), ObjectValue.of(json));
  }

  /** Who called which service ({@link DependencyGraph}). */
  static Part graph(ReportContext c) {
    DependencyGraph g =
        DependencyGraph.learn(c.store(), c.window(), c.route(), DependencyGraph.By.USER, 5000);
    long services =
        g.nodes().stream()
            .filter(x -> List.of("route", "sidecar", "path").contains(x.kind()))
            .count();
    long callers = g.nodes().size() - services;
    long withDenials = g.edges().stream().filter(e -> e.denied() > 0).count();
    long observed = g.edges().stream().filter(e -> e.notEvaluated() > 0).count();

    StringBuilder md = new StringBuilder();
    md.append(
        Markdown.item(
            g.decisions()
                + " decisions: "
                + callers
                + " callers, "
                + services
                + " services, "
                + g.edges().size()
                + " edges"));
    md.append(Markdown.item(withDenials + " edges with denials"));
    md.append(
        Markdown.item(observed + " edges with requests observe mode let through unevaluated"));
    for (String note : g.notes()) {
      md.append(Markdown.item("note: " + Markdown.text(note)));
    }
    List<List<String>> rows = new ArrayList<>();
    for (Edge e : top(g.edges())) {
      rows.add(
          List.of(
              Markdown.text(e.from()),
              Markdown.text(e.to()),
              Long.toString(e.requests()),
              Long.toString(e.allowed()),
              Long.toString(e.denied()),
              Long.toString(e.notEvaluated()),
              Markdown.text(String.join(",", e.modes()))));
    }
    if (!rows.isEmpty()) {
      md.append("\nBusiest edges:\n\n");
      md.append(
          Markdown.table(
              List.of(
                  "caller", "service", "requests", "allowed", "denied", "not evaluated", "modes"),
              rows));
    }

    Value full = Json.parse(g.json());
    Map<Value, Value> json = new LinkedHashMap<>();
    json.put(s("decisions"), n(g.decisions()));
    json.put(s("callers"), n(callers));
    json.put(s("services"), n(services));
    json.put(s("edges"), n(g.edges().size()));
    json.put(s("edges_with_denials"), n(withDenials));
    json.put(s("edges_not_evaluated"), n(observed));
    json.put(s("notes"), ((ObjectValue) full).get("notes"));
    json.put(s("top_edges"), subset(full, "edges"));
    return new Part(md.toString(), ObjectValue.of(json));
  }

  /** The denials and their causes ({@link DeniedRequests}). */
  static Part denied(ReportContext c) {
    DeniedRequests d = DeniedRequests.analyse(c.store(), c.window(), c.route(), ROWS);
    StringBuilder md = new StringBuilder();
    md.append(
        Markdown.item(
            d.denials()
                + " of "
                + d.decisions()
                + " decisions denied ("
                + d.enforced()
                + " enforced, "
                + (d.denials() - d.enforced())
                + " would be in monitor); "
                + d.previousDenials()
                + " in the window before"));
    for (DeniedRequests.Jump j : d.jumps()) {
      md.append(
          Markdown.item(
              "**jump**: "
                  + j.kind()
                  + " "
                  + Markdown.text(j.key())
                  + ", "
                  + j.current()
                  + " denials, "
                  + j.previous()
                  + " in the window before"));
    }
    groups(md, "By route", d.byRoute());
    groups(md, "By subject", d.bySubject());
    groups(md, "By failed condition", d.byCondition());
    groups(md, "By reason", d.byReason());
    return new Part(md.toString(), Json.parse(d.json()));
  }

  private static void groups(StringBuilder md, String title, List<Group> gs) {
    if (gs.isEmpty()) {
      return;
    }
    md.append('\n').append(title).append(":\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Group g : gs) {
      rows.add(
          List.of(
              Long.toString(g.count()),
              Markdown.text(g.key()),
              Markdown.text(String.join(", ", g.examples()))));
    }
    md.append(Markdown.table(List.of("denials", "key", "e.g. decision"), rows));
  }

  /** How much implicit trust is left ({@link ZeroTrustMetrics}). */
  static Part metrics(ReportContext c) {
    ZeroTrustMetrics m =
        ZeroTrustMetrics.measure(c.store(), c.window(), c.route(), c.configuredRoutes());
    StringBuilder md = new StringBuilder();
    if (m.now().requests() == 0) {
      md.append("No traffic in the window: no share can be measured.\n\n");
    }
    md.append("Shares count the requests let through; privileged means ")
        .append(ZeroTrustMetrics.PRIVILEGED)
        .append(".\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Metric x : m.metrics()) {
      Double change = x.change();
      rows.add(
          List.of(
              x.label(),
              x.now().text(),
              x.before() == null ? "-" : x.before().text(),
              change == null ? "-" : String.format(Locale.ROOT, "%+.1f points", change)));
    }
    md.append(Markdown.table(List.of("metric", "now", "window before", "change"), rows));
    paths(md, "Flat paths now", m.flat());
    paths(md, "Flat paths eliminated", m.eliminated());
    return new Part(md.toString(), m.jsonValue());
  }

  private static void paths(StringBuilder md, String title, List<FlatPath> ps) {
    md.append('\n').append(title).append(": ").append(ps.size()).append('\n');
    if (ps.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (FlatPath p : top(ps)) {
      rows.add(
          List.of(
              Markdown.text(p.from()),
              Markdown.text(p.to()),
              p.unchecked() + " of " + p.requests(),
              causes(p.causes()),
              p.uncheckedBefore() + " of " + p.requestsBefore(),
              causes(p.causesBefore())));
    }
    md.append('\n');
    md.append(
        Markdown.table(
            List.of("caller", "service", "unchecked", "why", "unchecked before", "why before"),
            rows));
  }

  private static String causes(List<String> causes) {
    return causes.isEmpty() ? "-" : Markdown.text(String.join(", ", causes));
  }

  private static <T> List<T> top(List<T> l) {
    return l.subList(0, Math.min(ROWS, l.size()));
  }

  /** The first {@link #ROWS} elements of the array {@code key} of {@code doc}. */
  private static Value subset(Value doc, String key) {
    List<Value> all = ((ArrayValue) ((ObjectValue) doc).get(key)).elements();
    return ArrayValue.of(top(all));
  }

  private static Value strings(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) s(x)).toList());
  }

  private static NumberValue n(long v) {
    return NumberValue.of(v);
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }

  /** How far ahead the report's certificate section looks. */
  static final Duration CERTIFICATES_WARN = Duration.ofDays(30);

  /**
   * The certificates of the store, and of the TLS files the configuration names when one was given,
   * that need attention within {@link #CERTIFICATES_WARN} of the report's time ({@link
   * CertificateExpiry}).
   */
  static Part certificates(ReportContext c) {
    List<CertificateExpiry.TlsFile> files =
        c.node() == null ? List.of() : CertificateExpiry.filesOf(c.node());
    CertificateExpiry e =
        CertificateExpiry.check(c.store(), files, CERTIFICATES_WARN, c.generated());
    List<List<String>> rows = new ArrayList<>();
    long fine = 0;
    for (CertificateExpiry.Item item : e.items()) {
      if (item.state() == CertificateExpiry.State.OK || !item.counts()) {
        fine++;
        continue;
      }
      rows.add(
          List.of(
              Markdown.text(item.kind()),
              Markdown.text(item.name()),
              item.state().wireName(),
              String.valueOf(item.daysLeft(c.generated()))));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        Markdown.item(
            e.items().size()
                + (c.node() == null ? " certificates in the store, " : " certificates, ")
                + fine
                + " fine or not in use for 30 days and more"));
    for (CertificateExpiry.RotationProblem p : e.rotation()) {
      md.append(Markdown.item("**rotation**: " + Markdown.text(p.message())));
    }
    if (!rows.isEmpty()) {
      md.append("\n").append(Markdown.table(List.of("kind", "name", "state", "days left"), rows));
    }
    return new Part(md.toString(), Json.parse(e.json()));
  }

  /**
   * The window's access review, told the configuration's users, entitlements and privileged routes
   * when one was given: its findings by kind, the first few.
   */
  static Part accessReview(ReportContext c) {
    AccessReview.Setup setup =
        c.node() == null ? AccessReview.Setup.none() : AccessReview.Setup.of(c.node(), null);
    AccessReview r = AccessReview.take(c.store(), c.window(), c.route(), setup);
    Map<String, Long> byKind = new TreeMap<>();
    for (AccessReview.Finding f : r.findings()) {
      byKind.merge(f.kind(), 1L, Long::sum);
    }
    StringBuilder md = new StringBuilder();
    md.append(
        Markdown.item(
            r.people().size()
                + " people, "
                + r.findings().size()
                + " findings"
                + (byKind.isEmpty() ? "" : ": " + byKind)));
    List<List<String>> rows = new ArrayList<>();
    for (AccessReview.Finding f : r.findings()) {
      if (rows.size() == ROWS) {
        break;
      }
      rows.add(
          List.of(
              Markdown.text(f.kind()),
              Markdown.text(f.subject() == null ? "" : f.subject()),
              Markdown.text(f.detail())));
    }
    if (!rows.isEmpty()) {
      md.append("\n").append(Markdown.table(List.of("finding", "who", "what"), rows));
    }
    return new Part(md.toString(), Json.parse(AccessReviewFormat.json(r, c.route())));
  }

  /** What a section that judges the configuration says when none was given. */
  private static Part needsConfig(String command) {
    return new Part(
        Markdown.item(
            "not checked: give the node's vigil.yaml with --config (or run " + command + ")"),
        ObjectValue.of(s("checked"), dev.vigil.rego.value.BooleanValue.FALSE));
  }

  /**
   * The article's security invariants ({@link SecurityInvariants}) against the configuration and
   * the window, with the settings of the configuration's {@code insight.invariants}: each one's
   * status and what breaks it.
   */
  static Part invariants(ReportContext c) {
    if (c.node() == null) {
      return needsConfig("vigil insight invariants");
    }
    InvariantReport r =
        SecurityInvariants.check(
            c.node(), c.nodeFile(), List.of(), null, c.store(), c.window(), c.route());
    List<List<String>> rows = new ArrayList<>();
    for (InvariantReport.Result res : r.results()) {
      InvariantReport.Finding first = res.violations().isEmpty() ? null : res.violations().get(0);
      rows.add(
          List.of(
              Markdown.text(res.name()),
              res.status().label(),
              first == null ? "-" : Markdown.text(first.what() + " (" + first.count() + ")")));
    }
    StringBuilder md = new StringBuilder();
    long failed =
        r.results().stream().filter(x -> x.status() == InvariantReport.Status.FAIL).count();
    md.append(
        Markdown.item(
            r.results().size()
                + " invariants over "
                + r.decisions()
                + " decisions, "
                + failed
                + " failed (details: vigil insight invariants)"));
    md.append("\n").append(Markdown.table(List.of("invariant", "status", "first violation"), rows));
    return new Part(md.toString(), Json.parse(r.json()));
  }

  /**
   * What is live but not declared ({@link ConfigDrift}), as the store shows it: route modes set at
   * runtime and the trust domains. The node itself is not asked, so policies written through its
   * OPA API are for {@code vigil insight drift}.
   */
  static Part drift(ReportContext c) {
    if (c.node() == null) {
      return needsConfig("vigil insight drift");
    }
    ConfigDrift d =
        ConfigDrift.compare(
            c.node(),
            c.store(),
            c.window(),
            c.route(),
            null,
            "the report does not ask the node: OPA API writes are for vigil insight drift",
            c.generated());
    List<List<String>> rows = new ArrayList<>();
    for (ConfigDrift.Finding f : top(d.findings())) {
      rows.add(
          List.of(
              Markdown.text(f.kind()),
              Markdown.text(f.subject() == null ? "" : f.subject()),
              Markdown.text(f.declared() == null ? "" : f.declared()),
              Markdown.text(f.live() == null ? "" : f.live())));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        Markdown.item(
            d.findings().size()
                + " findings; policies written through the OPA API are not compared here"
                + " (vigil insight drift asks the node)"));
    if (!rows.isEmpty()) {
      md.append("\n").append(Markdown.table(List.of("kind", "what", "declared", "live"), rows));
    }
    return new Part(md.toString(), Json.parse(d.json()));
  }
}
