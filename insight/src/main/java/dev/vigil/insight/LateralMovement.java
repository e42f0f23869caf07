package dev.vigil.insight;

import dev.vigil.gateway.Route;
import dev.vigil.store.Store;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where an identity got to in the window's traffic, hop by hop: from the subject along each edge of
 * the observed dependency graph ({@link DependencyGraph}) that let at least one request through
 * (allowed, or not evaluated by an observed route) to a route, from a route to the workload behind
 * it, and on along that workload's own edges, as an attacker holding the workload would.
 *
 * <p>The workload behind a route is the one the sidecar's decisions name as called ({@code
 * workload} in their events), the one whose sidecar configuration serves it ({@link
 * BlastRadius.Estate}), or for an edge route, the SPIFFE ID its upstream must prove ({@code
 * upstream_spiffe_id}). A route whose workload is not known ends its chain; it is named in {@link
 * #unfollowed}.
 *
 * <p>Each place is reported once, with the fewest hops (routes crossed) that reach it and the chain
 * of nodes that does; ties go to the chain met first in the order of node ids. Immutable.
 */
public final class LateralMovement {

  /** The most graph nodes read: as {@code vigil insight graph}'s default. */
  static final int MAX_NODES = 5000;

  /**
   * A place the subject reaches.
   *
   * @param node a graph node: {@code route:NAME}, {@code sidecar:NAME} or {@code workload:ID}
   * @param hops routes crossed to get there
   * @param chain the nodes from the subject to it, both included
   */
  public record Step(String node, int hops, List<String> chain) {}

  private final List<Step> steps;
  private final List<String> unfollowed;
  private final List<String> notes;

  private LateralMovement(List<Step> steps, List<String> unfollowed, List<String> notes) {
    this.steps = List.copyOf(steps);
    this.unfollowed = List.copyOf(unfollowed);
    this.notes = List.copyOf(notes);
  }

  /**
   * Traces where {@code subject} reaches in the window's traffic.
   *
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  static LateralMovement trace(
      Store store, Window window, BlastSubject subject, BlastRadius.Estate estate) {
    DependencyGraph graph =
        DependencyGraph.learn(store, window, null, DependencyGraph.By.USER, MAX_NODES);
    Map<String, Set<String>> out = new TreeMap<>();
    for (DependencyGraph.Edge e : graph.edges()) {
      if (e.allowed() + e.notEvaluated() > 0) {
        out.computeIfAbsent(e.from(), k -> new TreeSet<>()).add(e.to());
      }
    }
    Map<String, Set<String>> behind = workloadsBehind(estate);
    for (DependencyGraph.Node n : graph.nodes()) {
      String logged = n.attributes().get("workload");
      if (logged != null) {
        behind.computeIfAbsent(n.id(), k -> new TreeSet<>()).add("workload:" + logged);
      }
    }

    Map<String, List<String>> chains = new LinkedHashMap<>();
    Map<String, Integer> hops = new HashMap<>();
    Set<String> unfollowed = new TreeSet<>();
    String start = subject.node();
    chains.put(start, List.of(start));
    hops.put(start, 0);
    Deque<String> callers = new ArrayDeque<>(List.of(start));
    while (!callers.isEmpty()) {
      String caller = callers.removeFirst();
      int h = hops.get(caller) + 1;
      for (String service : out.getOrDefault(caller, Set.of())) {
        if (!reach(chains, hops, caller, service, h)) {
          continue;
        }
        Set<String> workloads = behind.get(service);
        if (workloads == null) {
          unfollowed.add(service);
          continue;
        }
        for (String w : workloads) {
          if (reach(chains, hops, service, w, h)) {
            callers.addLast(w);
          }
        }
      }
    }
    List<Step> steps = new ArrayList<>();
    chains.forEach(
        (node, chain) -> {
          if (!node.equals(start)) {
            steps.add(new Step(node, hops.get(node), chain));
          }
        });
    steps.sort(Comparator.comparingInt(Step::hops).thenComparing(Step::node));
    return new LateralMovement(steps, new ArrayList<>(unfollowed), graph.notes());
  }

  /** Records {@code to} as reached from {@code from} in {@code h} hops; false when seen already. */
  private static boolean reach(
      Map<String, List<String>> chains, Map<String, Integer> hops, String from, String to, int h) {
    if (chains.containsKey(to)) {
      return false;
    }
    List<String> chain = new ArrayList<>(chains.get(from));
    chain.add(to);
    chains.put(to, List.copyOf(chain));
    hops.put(to, h);
    return true;
  }

  /** The workload nodes behind each route node, as the configuration says. */
  private static Map<String, Set<String>> workloadsBehind(BlastRadius.Estate estate) {
    Map<String, Set<String>> behind = new HashMap<>();
    estate
        .sidecars()
        .forEach(
            (workload, inbound) -> {
              for (Route r : inbound) {
                behind
                    .computeIfAbsent("sidecar:" + Texts.clean(r.name()), k -> new TreeSet<>())
                    .add("workload:" + Texts.clean(workload));
              }
            });
    for (Route r : estate.edge()) {
      if (r.upstreamSpiffeId() != null) {
        behind
            .computeIfAbsent("route:" + Texts.clean(r.name()), k -> new TreeSet<>())
            .add("workload:" + Texts.clean(r.upstreamSpiffeId().toString()));
      }
    }
    return behind;
  }

  /** The places reached, fewest hops first. */
  public List<Step> steps() {
    return steps;
  }

  /** Routes reached whose workload the configuration does not name: their chains end there. */
  public List<String> unfollowed() {
    return unfollowed;
  }

  /** The graph's notes on what it leaves out (a cap, refusals not drawn). */
  public List<String> notes() {
    return notes;
  }

  /** The workloads reached, other than the subject. */
  public List<Step> workloads() {
    return steps.stream().filter(s -> s.node().startsWith("workload:")).toList();
  }
}
