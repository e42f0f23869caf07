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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The dependency graph the decision log shows: who called which service in a window, how often,
 * with which methods, and what the policy answered. This is the traffic a route will meet once it
 * enforces, so that it can be read before a mode is moved forward.
 *
 * <p>Callers are users (by id, or by their groups or roles, see {@link By}), workloads by SPIFFE
 * ID, and anonymous callers; services are routes of the edge gateway and of sidecars (the workload
 * a sidecar fronts), named with their {@code input.resource} service and environment, or the policy
 * path of a decision asked directly. Requests refused before any route or policy (a bad path, a
 * host nothing serves) name no service and are only counted.
 *
 * <p>Memory is bounded: at most {@code maxNodes} nodes and {@value #EDGES_PER_NODE} times as many
 * edges are kept; a decision that would need more is counted in {@link #beyondCap} instead, so a
 * capped graph says how much it leaves out. Built by one thread ({@link Builder}); the graph itself
 * is immutable.
 */
public final class DependencyGraph {

  /** Edges kept for each node the cap allows. */
  public static final int EDGES_PER_NODE = 8;

  /** Distinct methods kept on one edge; more are marked with {@code ...}. */
  static final int METHODS_PER_EDGE = 16;

  /** How users are shown as callers; workloads and anonymous callers are shown as they are. */
  public enum By {
    /** Each user by id. */
    USER,
    /** Each group a user is in; a user in none as {@code group:(none)}. */
    GROUP,
    /** Each role a user holds; a user with none as {@code role:(none)}. */
    ROLE;

    /**
     * Parses {@code user}, {@code group} or {@code role}.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static By parse(String s) {
      for (By b : values()) {
        if (b.name().toLowerCase(Locale.ROOT).equals(s)) {
          return b;
        }
      }
      throw new IllegalArgumentException("must be user, group or role, not \"" + s + "\"");
    }
  }

  /**
   * One caller or service.
   *
   * @param id unique in the graph: the kind, a colon and the name ({@code anonymous} alone)
   * @param kind {@code user}, {@code group}, {@code role}, {@code workload}, {@code anonymous};
   *     {@code route}, {@code sidecar} or {@code path} for a service
   * @param attributes for a service, its {@code service}, {@code environment} and {@code namespace}
   *     when the decisions carried them, and for a sidecar's route the {@code workload} it fronts
   */
  public record Node(String id, String kind, String name, Map<String, String> attributes) {}

  /**
   * Calls from one caller to one service.
   *
   * @param denied denials, enforced or not ({@link DecisionRecord#denied})
   * @param notEvaluated requests an observe-mode route let through without asking the policy
   * @param methods the HTTP methods seen, sorted; {@code ...} last when there were more
   * @param modes the route modes the calls were decided in, sorted
   */
  public record Edge(
      String from,
      String to,
      long requests,
      long allowed,
      long denied,
      long notEvaluated,
      List<String> methods,
      Instant firstSeen,
      Instant lastSeen,
      List<String> modes) {}

  private final Window window;
  private final By by;
  private final int maxNodes;
  private final List<Node> nodes;
  private final List<Edge> edges;
  private final long decisions;
  private final long refusals;
  private final long beyondCap;

  private DependencyGraph(Builder b) {
    this.window = b.window;
    this.by = b.by;
    this.maxNodes = b.maxNodes;
    this.nodes =
        b.nodes.values().stream()
            .map(n -> new Node(n.id, n.kind, n.name, Map.copyOf(n.attributes)))
            .sorted(Comparator.comparing(Node::id))
            .toList();
    this.edges =
        b.edges.values().stream()
            .map(EdgeCount::edge)
            .sorted(
                Comparator.comparingLong(Edge::requests)
                    .reversed()
                    .thenComparing(Edge::from)
                    .thenComparing(Edge::to))
            .toList();
    this.decisions = b.decisions;
    this.refusals = b.refusals;
    this.beyondCap = b.beyondCap;
  }

  /**
   * Learns the graph of {@code window} from the decision log of {@code store}, reading it a few
   * batches at a time.
   *
   * @param route only decisions of this route, or null for all
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static DependencyGraph learn(
      Store store, Window window, String route, By by, int maxNodes) {
    Builder b = builder(window, by, maxNodes);
    new DecisionScan(store).forEach(window.since(), window.until(), route, b::add);
    return b.build();
  }

  /**
   * Starts a graph of {@code window}.
   *
   * @throws IllegalArgumentException when {@code maxNodes} is below 2
   */
  public static Builder builder(Window window, By by, int maxNodes) {
    return new Builder(window, by, maxNodes);
  }

  public Window window() {
    return window;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public List<Edge> edges() {
    return edges;
  }

  /** Decisions of the window that were looked at. */
  public long decisions() {
    return decisions;
  }

  /** Decisions refused before any route or policy: counted, not drawn. */
  public long refusalsBeforePolicy() {
    return refusals;
  }

  /** Decisions left out, wholly or in part, because the graph had reached its cap. */
  public long beyondCap() {
    return beyondCap;
  }

  public boolean capped() {
    return beyondCap > 0;
  }

  /** The graph as lines of text: a summary, then one edge a line, most requests first. */
  public String text() {
    Map<String, Node> byId = new HashMap<>();
    nodes.forEach(n -> byId.put(n.id(), n));
    StringBuilder sb = new StringBuilder();
    long callers = nodes.stream().filter(n -> !isService(n.kind())).count();
    sb.append(
        String.format(
            "dependency graph, %s: %d decisions, %d callers, %d services, %d edges%n",
            window, decisions, callers, nodes.size() - callers, edges.size()));
    for (Edge e : edges) {
      sb.append(
          String.format(
              "%s -> %s  %d requests (%d allowed, %d denied, %d not evaluated)  %s  modes %s"
                  + "  first %s  last %s%n",
              Texts.clean(e.from()),
              Texts.clean(label(byId.get(e.to()))),
              e.requests(),
              e.allowed(),
              e.denied(),
              e.notEvaluated(),
              e.methods().isEmpty() ? "-" : Texts.clean(String.join(",", e.methods())),
              String.join(",", e.modes()),
              e.firstSeen(),
              e.lastSeen()));
    }
    for (String note : notes()) {
      sb.append("note: ").append(note).append(System.lineSeparator());
    }
    return sb.toString();
  }

  /** Notes on what the graph leaves out. */
  public List<String> notes() {
    List<String> out = new ArrayList<>();
    if (capped()) {
      out.add(
          "capped at "
              + maxNodes
              + " nodes and "
              + (long) maxNodes * EDGES_PER_NODE
              + " edges: "
              + beyondCap
              + " decisions with further callers or services are not shown (raise --max-nodes"
              + " or narrow --route or the window)");
    }
    if (refusals > 0) {
      out.add(refusals + " requests refused before routing or policy are not drawn");
    }
    return out;
  }

  /** The graph as a JSON document. */
  public String json() {
    List<Value> ns = new ArrayList<>();
    for (Node n : nodes) {
      Map<Value, Value> attrs = new TreeMap<>();
      n.attributes().forEach((k, v) -> attrs.put(StringValue.of(k), StringValue.of(v)));
      ns.add(
          ObjectValue.of(
              s("id"), s(n.id()),
              s("kind"), s(n.kind()),
              s("name"), s(n.name()),
              s("attributes"), ObjectValue.of(attrs)));
    }
    List<Value> es = new ArrayList<>();
    for (Edge e : edges) {
      Map<Value, Value> m = new LinkedHashMap<>();
      m.put(s("from"), s(e.from()));
      m.put(s("to"), s(e.to()));
      m.put(s("requests"), NumberValue.of(e.requests()));
      m.put(s("allowed"), NumberValue.of(e.allowed()));
      m.put(s("denied"), NumberValue.of(e.denied()));
      m.put(s("not_evaluated"), NumberValue.of(e.notEvaluated()));
      m.put(s("methods"), strings(e.methods()));
      m.put(s("modes"), strings(e.modes()));
      m.put(s("first_seen"), s(e.firstSeen().toString()));
      m.put(s("last_seen"), s(e.lastSeen().toString()));
      es.add(ObjectValue.of(m));
    }
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("by"), s(by.name().toLowerCase(Locale.ROOT)));
    doc.put(s("decisions"), NumberValue.of(decisions));
    doc.put(s("refusals_before_policy"), NumberValue.of(refusals));
    doc.put(s("max_nodes"), NumberValue.of(maxNodes));
    doc.put(s("capped"), BooleanValue.of(capped()));
    doc.put(s("beyond_cap"), NumberValue.of(beyondCap));
    doc.put(s("notes"), strings(notes()));
    doc.put(s("nodes"), ArrayValue.of(ns));
    doc.put(s("edges"), ArrayValue.of(es));
    return Json.writePretty(ObjectValue.of(doc));
  }

  /**
   * The graph in Graphviz DOT: callers as ellipses, services as boxes, an edge labelled with its
   * requests and drawn red when some were denied.
   */
  public String dot() {
    StringBuilder sb = new StringBuilder("digraph vigil {\n  rankdir=LR;\n");
    sb.append("  label=").append(Texts.dotQuoted("Vigil dependency graph, " + window));
    sb.append(";\n");
    for (Node n : nodes) {
      sb.append("  ").append(Texts.dotQuoted(n.id())).append(" [label=");
      sb.append(Texts.dotQuoted(label(n)));
      sb.append(isService(n.kind()) ? ", shape=box" : ", shape=ellipse").append("];\n");
    }
    for (Edge e : edges) {
      String label =
          e.requests()
              + (e.denied() > 0 ? " (" + e.denied() + " denied)" : "")
              + " "
              + String.join(",", e.methods());
      sb.append("  ").append(Texts.dotQuoted(e.from())).append(" -> ");
      sb.append(Texts.dotQuoted(e.to())).append(" [label=").append(Texts.dotQuoted(label.trim()));
      sb.append(e.denied() > 0 ? ", color=red" : "").append("];\n");
    }
    for (String note : notes()) {
      sb.append("  // ").append(Texts.clean(note)).append('\n');
    }
    return sb.append("}\n").toString();
  }

  private static boolean isService(String kind) {
    return kind.equals("route") || kind.equals("sidecar") || kind.equals("path");
  }

  /** A node's name with its service and environment, as text shows it. */
  private static String label(Node n) {
    if (n == null) {
      return "-";
    }
    if (!isService(n.kind())) {
      return n.id();
    }
    List<String> parts = new ArrayList<>();
    for (String k : List.of("service", "environment", "namespace")) {
      String v = n.attributes().get(k);
      if (v != null) {
        parts.add(k + " " + v);
      }
    }
    return n.id() + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }

  private static ArrayValue strings(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) StringValue.of(x)).toList());
  }

  /** Adds decisions to a graph, one at a time; not thread-safe. */
  public static final class Builder {
    private final Window window;
    private final By by;
    private final int maxNodes;
    private final Map<String, NodeCount> nodes = new HashMap<>();
    private final Map<String, EdgeCount> edges = new HashMap<>();
    private long decisions;
    private long refusals;
    private long beyondCap;

    private Builder(Window window, By by, int maxNodes) {
      if (maxNodes < 2) {
        throw new IllegalArgumentException("the node cap must be 2 or more, not " + maxNodes);
      }
      this.window = window;
      this.by = by;
      this.maxNodes = maxNodes;
    }

    /** Adds one decision; one outside the window is ignored. */
    public Builder add(DecisionRecord r) {
      if (!window.contains(r.timestamp())) {
        return this;
      }
      DecisionFacts f = DecisionFacts.of(r);
      if (f.recheck() != null) {
        return this; // an open connection decided again: no new call, and no new edge
      }
      decisions++;
      if (f.refusal() != null) {
        refusals++;
        return this;
      }
      NodeCount service = service(f);
      boolean dropped = service == null;
      if (service != null) {
        for (String[] caller : callers(f)) {
          NodeCount from = node(caller[0], caller[1], caller[2]);
          if (from == null || !edge(from, service, f)) {
            dropped = true;
          }
        }
      }
      if (dropped) {
        beyondCap++;
      }
      return this;
    }

    public DependencyGraph build() {
      return new DependencyGraph(this);
    }

    /** The caller nodes of a decision: id, kind and name of each. */
    private List<String[]> callers(DecisionFacts f) {
      String id = Texts.clean(f.callerId());
      return switch (f.caller()) {
        case DecisionFacts.WORKLOAD ->
            List.<String[]>of(new String[] {f.callerNode(), "workload", id});
        case DecisionFacts.USER ->
            switch (by) {
              case USER -> List.<String[]>of(new String[] {f.callerNode(), "user", id});
              case GROUP -> memberships("group", f.groups());
              case ROLE -> memberships("role", f.roles());
            };
        default -> List.<String[]>of(new String[] {"anonymous", "anonymous", "anonymous"});
      };
    }

    private static List<String[]> memberships(String kind, List<String> names) {
      if (names.isEmpty()) {
        return List.<String[]>of(new String[] {kind + ":(none)", kind, "(none)"});
      }
      List<String[]> out = new ArrayList<>();
      for (String n : new TreeSet<>(names)) {
        String name = Texts.clean(n);
        out.add(new String[] {kind + ":" + name, kind, name});
      }
      return out;
    }

    /** The service node of a decision, or null when the cap leaves no room for it. */
    private NodeCount service(DecisionFacts f) {
      NodeCount n = node(f.serviceNode(), f.serviceKind(), f.serviceName());
      if (n != null) {
        n.attribute("service", f.service());
        n.attribute("environment", f.environment());
        n.attribute("namespace", f.namespace());
        n.attribute("workload", f.workload());
      }
      return n;
    }

    private NodeCount node(String id, String kind, String name) {
      NodeCount n = nodes.get(id);
      if (n == null && nodes.size() < maxNodes) {
        n = new NodeCount(id, kind, name);
        nodes.put(id, n);
      }
      return n;
    }

    /** Counts the decision on the edge; false when the cap leaves no room for a new edge. */
    private boolean edge(NodeCount from, NodeCount to, DecisionFacts f) {
      String key = from.id + "\n" + to.id;
      EdgeCount e = edges.get(key);
      if (e == null) {
        if (edges.size() >= (long) maxNodes * EDGES_PER_NODE) {
          return false;
        }
        e = new EdgeCount(from.id, to.id);
        edges.put(key, e);
      }
      e.count(f);
      return true;
    }
  }

  /** A node while the graph is built. */
  private static final class NodeCount {
    final String id;
    final String kind;
    final String name;
    final Map<String, String> attributes = new TreeMap<>();

    NodeCount(String id, String kind, String name) {
      this.id = id;
      this.kind = kind;
      this.name = name;
    }

    /** Keeps the first value seen for {@code key}. */
    void attribute(String key, String value) {
      if (value != null && !attributes.containsKey(key)) {
        attributes.put(key, Texts.clean(value));
      }
    }
  }

  /** An edge while the graph is built. */
  private static final class EdgeCount {
    final String from;
    final String to;
    long requests;
    long allowed;
    long denied;
    long notEvaluated;
    final TreeSet<String> methods = new TreeSet<>();
    boolean moreMethods;
    final TreeSet<String> modes = new TreeSet<>();
    Instant first;
    Instant last;

    EdgeCount(String from, String to) {
      this.from = from;
      this.to = to;
    }

    void count(DecisionFacts f) {
      DecisionRecord r = f.record();
      requests++;
      if (r.allowed()) {
        allowed++;
      } else if (r.notEvaluated()) {
        notEvaluated++;
      } else {
        denied++;
      }
      if (f.method() != null && !methods.contains(f.method())) {
        if (methods.size() < METHODS_PER_EDGE) {
          methods.add(Texts.clean(f.method()));
        } else {
          moreMethods = true;
        }
      }
      modes.add(Texts.clean(r.mode()));
      if (first == null || r.timestamp().isBefore(first)) {
        first = r.timestamp();
      }
      if (last == null || r.timestamp().isAfter(last)) {
        last = r.timestamp();
      }
    }

    Edge edge() {
      List<String> ms = new ArrayList<>(methods);
      if (moreMethods) {
        ms.add("...");
      }
      return new Edge(
          from,
          to,
          requests,
          allowed,
          denied,
          notEvaluated,
          List.copyOf(ms),
          first,
          last,
          List.copyOf(modes));
    }
  }
}
