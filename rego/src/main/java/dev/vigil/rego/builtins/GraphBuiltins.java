package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builtins of the Graph family. A graph is an object from each node to the array or set of its
 * neighbours; a node without an entry has no edges and is not reached itself, as in OPA.
 */
final class GraphBuiltins {

  private GraphBuiltins() {}

  /**
   * The most path steps {@code graph.reachable_paths} takes. Paths can grow exponentially with the
   * graph, so a dense graph fails with an error instead of running out of time or memory.
   */
  static final int PATH_STEP_LIMIT = 100_000;

  private static final Type NODES = Type.anyOf(Type.array(Type.ANY), Type.set(Type.ANY));
  private static final Type GRAPH = Type.object(Type.ANY, NODES);

  static void register(BuiltinRegistry r) {
    r.register(
        "graph.reachable",
        List.of(GRAPH, NODES),
        Type.set(Type.ANY),
        "Computes the set of nodes reachable in the graph from the initial nodes.",
        (ctx, a) -> reachable(ctx, Operands.object(a, 0), a[1]));
    r.register(
        "graph.reachable_paths",
        List.of(GRAPH, NODES),
        Type.set(Type.array(Type.ANY)),
        "Computes the set of paths reachable in the graph from the initial nodes.",
        (ctx, a) -> reachablePaths(ctx, Operands.object(a, 0), a[1]));
  }

  /** Returns the nodes of an array or set; other values have none. */
  private static List<Value> nodes(Value v) {
    return switch (v) {
      case ArrayValue a -> a.elements();
      case SetValue s -> s.elements();
      default -> List.of();
    };
  }

  /** Visits each node once, charging a unit per node and per edge it follows. */
  private static Value reachable(BuiltinContext ctx, ObjectValue graph, Value initial) {
    Deque<Value> queue = new ArrayDeque<>(nodes(initial));
    Set<Value> reached = new HashSet<>();
    while (!queue.isEmpty()) {
      Value node = queue.poll();
      ctx.charge(1);
      Value edges = graph.get(node);
      if (edges == null || !reached.add(node)) {
        continue;
      }
      List<Value> neighbours = nodes(edges);
      ctx.charge(neighbours.size());
      for (Value neighbour : neighbours) {
        if (!reached.contains(neighbour)) {
          queue.add(neighbour);
        }
      }
    }
    return SetValue.wrap(reached);
  }

  private static Value reachablePaths(BuiltinContext ctx, ObjectValue graph, Value initial) {
    Set<Value> paths = new HashSet<>();
    long[] size = {1};
    for (Value node : nodes(initial)) {
      Value edges = graph.get(node);
      if (edges == null) {
        continue;
      }
      List<Value> neighbours = nodes(edges);
      if (neighbours.isEmpty()) {
        paths.add(ArrayValue.of(node));
        continue;
      }
      Walk walk = new Walk(ctx, graph, paths, size);
      walk.path.add(node);
      walk.onPath.add(node);
      for (Value neighbour : neighbours) {
        walk.visit(neighbour);
      }
    }
    return SetValue.wrap(paths);
  }

  /**
   * A depth-first walk that records every maximal path: one that ends at a node without edges, at a
   * node missing from the graph (which is left out), or before a cycle. The current path and its
   * nodes are kept on a stack and undone on the way back.
   */
  private static final class Walk {
    final ObjectValue graph;
    final Set<Value> paths;
    final List<Value> path = new ArrayList<>();
    final Set<Value> onPath = new HashSet<>();
    final BuiltinContext ctx;
    final long[] size;
    int steps;

    Walk(BuiltinContext ctx, ObjectValue graph, Set<Value> paths, long[] size) {
      this.ctx = ctx;
      this.graph = graph;
      this.paths = paths;
      this.size = size;
    }

    /**
     * Adds a copy of the current path, checking the result's size as it grows: paths can number
     * many times the nodes, each as long as the graph is deep.
     */
    void record() {
      size[0] += 1 + path.size();
      ctx.checkSize("graph.reachable_paths", size[0]);
      paths.add(ArrayValue.of(path));
    }

    void visit(Value node) {
      ctx.charge(1 + path.size());
      if (++steps > PATH_STEP_LIMIT) {
        throw BuiltinException.error(
            "the graph has too many paths to list: more than "
                + PATH_STEP_LIMIT
                + " steps from one initial node");
      }
      Value edges = graph.get(node);
      if (edges == null) {
        record();
        return;
      }
      path.add(node);
      boolean added = onPath.add(node);
      List<Value> neighbours = nodes(edges);
      if (neighbours.isEmpty()) {
        record();
      }
      for (Value neighbour : neighbours) {
        if (onPath.contains(neighbour)) {
          record();
        } else {
          visit(neighbour);
        }
      }
      path.remove(path.size() - 1);
      if (added) {
        onPath.remove(node);
      }
    }
  }
}
