package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class GraphBuiltinsTest {

  private static SetValue setOf(String jsonArray) {
    return SetValue.of(((dev.vigil.rego.value.ArrayValue) json(jsonArray)).elements());
  }

  @Test
  void reachable_cycleAndComponents_reachEachOnce() {
    Value g =
        json(
            "{\"a\": [\"b\", \"c\"], \"b\": [\"d\"], \"c\": [\"d\"], \"d\": [], \"e\": [\"f\"],"
                + " \"f\": [\"e\"], \"x\": [\"x\"]}");
    assertThat(call("graph.reachable", g, json("[\"b\", \"e\"]")))
        .isEqualTo(setOf("[\"b\", \"d\", \"e\", \"f\"]"));
    assertThat(call("graph.reachable", json("{\"a\": null}"), json("[\"a\"]")))
        .isEqualTo(setOf("[\"a\"]"));
    assertThat(call("graph.reachable", json("{}"), json("[\"a\"]"))).isEqualTo(SetValue.EMPTY);
  }

  @Test
  void reachable_initialNotCollection_isTypeError() {
    assertThatThrownBy(() -> call("graph.reachable", json("{\"a\": []}"), str("a")))
        .isInstanceOf(BuiltinException.class)
        .extracting(e -> ((BuiltinException) e).code())
        .isEqualTo(BuiltinException.TYPE_ERROR);
  }

  @Test
  void reachablePaths_sharedAncestor_listsEveryMaximalPath() {
    Value g =
        json("{\"1\": [], \"2\": [\"1\"], \"3\": [\"2\"], \"4\": [\"3\", \"2\"], \"5\": [\"4\"]}");
    assertThat(call("graph.reachable_paths", g, json("[\"5\"]")))
        .isEqualTo(setOf("[[\"5\", \"4\", \"2\", \"1\"], [\"5\", \"4\", \"3\", \"2\", \"1\"]]"));
  }

  @Test
  void reachablePaths_missingNodesAndCycles_endPaths() {
    Value g = json("{\"a\": [\"b\"], \"b\": [\"nonexistent\"]}");
    assertThat(call("graph.reachable_paths", g, json("[\"a\", \"b\"]")))
        .isEqualTo(setOf("[[\"a\", \"b\"], [\"b\"]]"));
    Value cycle = json("{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": [\"a\"]}");
    assertThat(call("graph.reachable_paths", cycle, json("[\"a\"]")))
        .isEqualTo(setOf("[[\"a\", \"b\", \"c\"]]"));
  }

  @Test
  void reachablePaths_denseGraph_failsInsteadOfExploding() {
    StringBuilder g = new StringBuilder("{");
    for (int i = 0; i < 40; i++) {
      g.append(i > 0 ? ", " : "").append("\"n").append(i).append("\": [");
      for (int j = i + 1; j < 40; j++) {
        g.append(j > i + 1 ? ", " : "").append("\"n").append(j).append('"');
      }
      g.append(']');
    }
    g.append('}');
    assertThatThrownBy(() -> call("graph.reachable_paths", json(g.toString()), json("[\"n0\"]")))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("too many paths");
  }
}
