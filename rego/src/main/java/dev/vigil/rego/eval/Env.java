package dev.vigil.rego.eval;

import dev.vigil.rego.value.Value;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The variable bindings of one rule body (or query), with a trail so that backtracking can undo the
 * bindings made since a mark. Used by one thread at a time.
 */
final class Env {

  private final HashMap<String, Value> vars = new HashMap<>();
  private String[] trail = new String[16];
  private int top;

  Value get(String name) {
    return vars.get(name);
  }

  void bind(String name, Value v) {
    vars.put(name, v);
    if (top == trail.length) {
      trail = Arrays.copyOf(trail, top * 2);
    }
    trail[top++] = name;
  }

  /** Returns a copy of the bindings, in name order, for a trace event. */
  Map<String, Value> snapshot() {
    return vars.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(vars));
  }

  int mark() {
    return top;
  }

  void undo(int mark) {
    while (top > mark) {
      vars.remove(trail[--top]);
      trail[top] = null;
    }
  }
}
