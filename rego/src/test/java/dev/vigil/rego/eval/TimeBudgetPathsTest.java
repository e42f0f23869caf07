package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.builtins.TimeBudget;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every evaluation path that does work in proportion to the data charges the time budget, so that
 * none runs long without a look at the clock. Regression: a builtin, {@code walk}, a data
 * document's keys, membership, equality, bodiless rules, graph paths, CIDR expansion and template
 * ranges each did thousands of units of work as one step or none, so a query doing them was never
 * checked and ran past any budget.
 *
 * <p>No test here waits: the budget is measured on a fake clock that jumps an hour past the start
 * at its second reading, so a query is cancelled exactly when a path checks the clock.
 */
class TimeBudgetPathsTest {

  static final int N = 5_000;

  /** A clock at 0 when the budget starts, and an hour later whenever it is read again. */
  private static LongSupplier jumpsPastTheDeadline() {
    AtomicInteger reads = new AtomicInteger();
    long hour = Duration.ofHours(1).toNanos();
    return () -> reads.getAndIncrement() == 0 ? 0 : hour;
  }

  private static EvalOptions pastTheDeadline() {
    return EvalOptions.defaults()
        .withTimeout(Duration.ofSeconds(1))
        .withNanoClock(jumpsPastTheDeadline());
  }

  /** Nodes of the graph: each has edges to every later node, so paths double with each node. */
  static final int GRAPH_NODES = 14;

  /**
   * Base data: big and big2 equal arrays of N numbers, wide an object of N keys (also at the root),
   * graph a graph with 2^(GRAPH_NODES - 1) paths from its first node.
   */
  private static Value data() {
    List<Value> big = new ArrayList<>();
    List<Value> big2 = new ArrayList<>();
    Map<Value, Value> wide = new HashMap<>();
    for (int i = 0; i < N; i++) {
      big.add(NumberValue.of(i));
      big2.add(NumberValue.of(i));
      wide.put(StringValue.of("k" + i), NumberValue.of(i));
    }
    Map<Value, Value> root = new HashMap<>(wide);
    root.put(StringValue.of("big"), ArrayValue.of(big));
    root.put(StringValue.of("big2"), ArrayValue.of(big2));
    root.put(StringValue.of("wide"), ObjectValue.wrap(wide));
    Map<Value, Value> graph = new HashMap<>();
    for (int i = 0; i < GRAPH_NODES; i++) {
      List<Value> later = new ArrayList<>();
      for (int j = i + 1; j < GRAPH_NODES; j++) {
        later.add(StringValue.of("n" + j));
      }
      graph.put(StringValue.of("n" + i), ArrayValue.of(later));
    }
    root.put(StringValue.of("graph"), ObjectValue.wrap(graph));
    return ObjectValue.wrap(root);
  }

  private static final String POLICY =
      """
      package t
      import rego.v1

      range_count := count(numbers.range(1, 100000))
      big_sum := sum(data.big)
      walked := count([p | walk(data.wide, [p, _])])
      absent if not -1 in data.big
      same if data.big == data.big2
      some_in := count([x | some x in data.big])
      every_positive if every x in data.big { x >= 0 }
      object_keys := count({k | data.wide[k]})
      paths := count(graph.reachable_paths(data.graph, {"n0"}))
      addresses := count(net.cidr_expand("10.0.0.0/20"))
      rendered := strings.render_template(
        "{{range .xs}}{{range $.xs}}{{end}}{{end}}",
        {"xs": numbers.range(1, 100)},
      )
      """;

  private static Policy policy() {
    StringBuilder rules = new StringBuilder("package facts\nimport rego.v1\n\n");
    for (int i = 0; i < 2 * TimeBudget.CHECK_EVERY; i++) {
      rules.append("s contains ").append(i).append('\n');
    }
    return Policy.compile(
        List.of(new Source("t.rego", POLICY), new Source("facts.rego", rules.toString())),
        data(),
        CompileOptions.defaults());
  }

  /** Queries that each do work in proportion to N or more, through one path. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "data.t.range_count",
        "data.t.big_sum",
        "data.t.walked",
        "data.t.absent",
        "data.t.same",
        "data.t.some_in",
        "data.t.every_positive",
        "data.t.object_keys",
        "data.t.paths",
        "data.t.addresses",
        "data.t.rendered",
        "count([k | data[k]])",
        "count(data.facts.s)"
      })
  void eval_pathPastTheDeadline_cancelError(String query) {
    Policy p = policy();

    QueryResult withinBudget = p.prepare(query).eval(null, EvalOptions.defaults());
    RegoException e =
        catchThrowableOfType(
            RegoException.class, () -> p.prepare(query).eval(null, pastTheDeadline()));

    assertThat(withinBudget.rows()).hasSize(1);
    assertThat(withinBudget.rows().get(0).expressions().get(0)).isNotEqualTo(null);
    assertThat(e).as("no budget check on the path of %s", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
  }

  @Test
  void eval_fewerUnitsThanOneCheck_answersWithoutReadingTheClock() {
    Policy p = policy();
    AtomicInteger reads = new AtomicInteger();
    EvalOptions counted =
        EvalOptions.defaults()
            .withTimeout(Duration.ofNanos(1))
            .withNanoClock(
                () -> {
                  reads.incrementAndGet();
                  return 0;
                });

    QueryResult r = p.prepare("x := 1 + 2").eval(null, counted);

    assertThat(r.rows()).hasSize(1);
    assertThat(reads.get()).as("only the start of the budget").isEqualTo(1);
  }

  @Test
  void eval_retriedOnALargerStack_keepsTheBudgetStartedWithTheQuery() throws Exception {
    StringBuilder sb = new StringBuilder("package deep\n\n");
    int length = 3000;
    for (int i = 0; i < length; i++) {
      sb.append('p').append(i).append(" := p").append(i + 1).append('\n');
    }
    sb.append('p').append(length).append(" := 1\n");
    Policy p =
        Policy.compile(
            List.of(new Source("deep.rego", sb.toString())), null, CompileOptions.defaults());
    AtomicReference<Object> out = new AtomicReference<>();
    Thread small =
        new Thread(
            null,
            () -> {
              try {
                out.set(p.prepare("x := data.deep.p0").eval(null, pastTheDeadline()));
              } catch (Throwable e) {
                out.set(e);
              }
            },
            "small-stack",
            64 * 1024);

    small.start();
    small.join();

    assertThat(out.get()).isInstanceOf(RegoException.class);
    assertThat(((RegoException) out.get()).code()).isEqualTo("eval_cancel_error");
  }
}
