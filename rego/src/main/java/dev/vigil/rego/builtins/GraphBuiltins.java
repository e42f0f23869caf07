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
        (ctx, a) -> reachable(Operands.object(a, 0), a[1]));
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

  private static Value reachable(ObjectValue graph, Value initial) {
    Deque<Value> queue = new ArrayDeque<>(nodes(initial));
    Set<Value> reached = new HashSet<>();
    while (!queue.isEmpty()) {
      Value node = queue.poll();
      Value edges = graph.get(node);
      if (edges == null || !reached.add(node)) {
        continue;
      }
      for (Value neighbour : nodes(edges)) {
        if (!reached.contains(neighbour)) {
          queue.add(neighbour);
        }
      }
    }
    return SetValue.wrap(reached);
  }

  private static Value reachablePaths(BuiltinContext ctx, ObjectValue graph, Value initial) {
    Set<Value> paths = new HashSet<>();
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
      Walk walk = new Walk(ctx, graph, paths);
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
    int steps;

    Walk(BuiltinContext ctx, ObjectValue graph, Set<Value> paths) {
      this.ctx = ctx;
      this.graph = graph;
      this.paths = paths;
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
        paths.add(ArrayValue.of(path));
        return;
      }
      path.add(node);
      boolean added = onPath.add(node);
      List<Value> neighbours = nodes(edges);
      if (neighbours.isEmpty()) {
        paths.add(ArrayValue.of(path));
      }
      for (Value neighbour : neighbours) {
        if (onPath.contains(neighbour)) {
          paths.add(ArrayValue.of(path));
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
