package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's trace: the events OPA's tracer emits (Enter, Eval, Exit, Fail, Redo, Note), in
 * evaluation order, with their queries, nodes, locations and bindings.
 */
class TracerTest {

  static final String AUTHZ =
      """
      package authz

      default allow := false

      allow if {
        input.user.role == "sre"
        trace("role ok")
        not blocked
      }

      blocked if input.user.name == "mallory"
      """;

  static List<TraceEvent> trace(String policy, String query, String input) {
    List<TraceEvent> events = new ArrayList<>();
    compile(policy)
        .prepare(query)
        .eval(
            input == null ? null : Json.parse(input),
            EvalOptions.defaults(),
            null,
            null,
            events::add);
    return events;
  }

  static Policy compile(String policy) {
    return Policy.compile(List.of(new Source("t.rego", policy)), null, CompileOptions.defaults());
  }

  /** One line per event: op, query/parent, what it is about, where. */
  static List<String> lines(List<TraceEvent> events) {
    List<String> out = new ArrayList<>();
    for (TraceEvent e : events) {
      String about =
          switch (e.node()) {
            case null -> "\"" + e.message() + "\"";
            case TraceEvent.RuleNode r -> "rule " + r.path();
            case TraceEvent.BodyNode b -> "body of " + b.exprs().size();
            case TraceEvent.ExprNode x -> "expr " + x.index() + " " + x.expr().text();
          };
      out.add(
          e.op().label()
              + " "
              + e.queryId()
              + "/"
              + e.parentId()
              + " "
              + about
              + " @"
              + e.location());
    }
    return out;
  }

  @Test
  void trace_ruleWithNoteAndNegation_eventsInEvaluationOrder() {
    List<TraceEvent> events =
        trace(AUTHZ, "data.authz.allow", "{\"user\": {\"role\": \"sre\", \"name\": \"bob\"}}");

    assertThat(lines(events))
        .containsExactly(
            "Enter 0/0 body of 1 @1:1",
            "Eval 0/0 expr 0 data.authz.allow @1:1",
            "Enter 1/0 rule data.authz.allow @t.rego:5:1",
            "Eval 1/0 expr 0 input.user.role == \"sre\" @t.rego:6:3",
            "Eval 1/0 expr 1 trace(\"role ok\") @t.rego:7:3",
            "Note 1/0 \"role ok\" @t.rego:7:3",
            "Eval 1/0 expr 2 not blocked @t.rego:8:3",
            // The negation runs its expression, without the not, as a query of its own.
            "Enter 2/1 body of 1 @t.rego:8:3",
            "Eval 2/1 expr 0 blocked @t.rego:8:3",
            "Enter 3/2 rule data.authz.blocked @t.rego:11:1",
            "Eval 3/2 expr 0 input.user.name == \"mallory\" @t.rego:11:12",
            "Fail 3/2 expr 0 input.user.name == \"mallory\" @t.rego:11:12",
            "Fail 2/1 expr 0 blocked @t.rego:8:3",
            // The rule's value is a constant: its first solution ends it (no Redo).
            "Exit 1/0 rule data.authz.allow @t.rego:5:1",
            "Exit 0/0 body of 1 @1:1",
            "Redo 0/0 body of 1 @1:1",
            "Redo 0/0 expr 0 data.authz.allow @1:1");
  }

  @Test
  void trace_deniedRole_failsTheComparisonThenTheDefaultApplies() {
    List<String> lines = lines(trace(AUTHZ, "data.authz.allow", "{\"user\": {\"role\": \"dev\"}}"));

    assertThat(lines)
        .containsSubsequence(
            "Enter 1/0 rule data.authz.allow @t.rego:5:1",
            "Eval 1/0 expr 0 input.user.role == \"sre\" @t.rego:6:3",
            "Fail 1/0 expr 0 input.user.role == \"sre\" @t.rego:6:3",
            "Enter 2/0 rule data.authz.allow @t.rego:3:1");
    assertThat(lines).noneMatch(l -> l.startsWith("Note"));
  }

  @Test
  void trace_iteration_failsAnElementThenRedoesTheGenerator() {
    String policy =
        """
        package t
        big contains x if {
          some x in input.xs
          x > 1
        }
        """;

    List<TraceEvent> events = trace(policy, "data.t.big", "{\"xs\": [1, 2]}");

    assertThat(lines(events))
        .containsSubsequence(
            "Enter 1/0 rule data.t.big @t.rego:2:1",
            "Eval 1/0 expr 0 some x in input.xs @t.rego:3:3",
            "Eval 1/0 expr 1 x > 1 @t.rego:4:3",
            "Fail 1/0 expr 1 x > 1 @t.rego:4:3",
            "Redo 1/0 expr 0 some x in input.xs @t.rego:3:3",
            "Eval 1/0 expr 1 x > 1 @t.rego:4:3",
            "Exit 1/0 rule data.t.big @t.rego:2:1",
            "Redo 1/0 rule data.t.big @t.rego:2:1",
            "Redo 1/0 expr 1 x > 1 @t.rego:4:3");
    // The failing comparison saw x bound to 1; the one that held, to 2.
    List<TraceEvent> compared =
        events.stream()
            .filter(e -> e.node() instanceof TraceEvent.ExprNode x && x.index() == 1)
            .filter(e -> e.op() == TraceEvent.Op.FAIL || e.op() == TraceEvent.Op.EVAL)
            .toList();
    assertThat(compared.get(1).op()).isEqualTo(TraceEvent.Op.FAIL);
    assertThat(compared.get(1).locals()).containsValue(NumberValue.of(1));
    assertThat(compared.get(2).locals()).containsValue(NumberValue.of(2));
  }

  @Test
  void trace_functionAndComprehension_areQueriesUnderTheirCaller() {
    String policy =
        """
        package t
        f(x) := x * 2
        p if {
          n := f(input.a)
          ys := [z | some z in input.xs; z > n]
          count(ys) == 1
        }
        """;

    List<TraceEvent> events = trace(policy, "data.t.p", "{\"a\": 2, \"xs\": [3, 5]}");

    TraceEvent rule = first(events, TraceEvent.Op.ENTER, "data.t.p");
    TraceEvent function = first(events, TraceEvent.Op.ENTER, "data.t.f");
    TraceEvent comprehension =
        events.stream()
            .filter(e -> e.op() == TraceEvent.Op.ENTER && e.node() instanceof TraceEvent.BodyNode)
            .filter(e -> e.queryId() != 0)
            .findFirst()
            .orElseThrow();
    assertThat(function.parentId()).isEqualTo(rule.queryId());
    assertThat(comprehension.parentId()).isEqualTo(rule.queryId());
    assertThat(comprehension.location().line()).isEqualTo(5);
    assertThat(comprehension.queryId())
        .isNotIn(rule.queryId(), function.queryId(), rule.parentId());
  }

  private static TraceEvent first(List<TraceEvent> events, TraceEvent.Op op, String rule) {
    return events.stream()
        .filter(
            e -> e.op() == op && e.node() instanceof TraceEvent.RuleNode r && r.path().equals(rule))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void trace_sameAnswersTracedOrNot() {
    Policy p = compile(AUTHZ);
    for (String input :
        List.of(
            "{\"user\": {\"role\": \"sre\", \"name\": \"bob\"}}",
            "{\"user\": {\"role\": \"sre\", \"name\": \"mallory\"}}",
            "{\"user\": {\"role\": \"dev\"}}",
            "{}")) {
      QueryResult plain =
          p.prepare("data.authz.allow").eval(Json.parse(input), EvalOptions.defaults());
      QueryResult traced =
          p.prepare("data.authz.allow")
              .eval(Json.parse(input), EvalOptions.defaults(), null, null, e -> {});

      assertThat(traced.rows()).as(input).isEqualTo(plain.rows());
    }
  }

  @Test
  void trace_untraced_noteIsTrueAndRecordsNothing() {
    QueryResult r =
        compile("package t\np if trace(\"x\")\n")
            .prepare("data.t.p")
            .eval(null, EvalOptions.defaults(), null, null, null);

    assertThat(r.rows().get(0).expressions().get(0).toString()).isEqualTo("true");
  }

  @Test
  void trace_noteThatIsNotAString_isATypeErrorWhenStrict() {
    String policy = "package t\np if trace(input.n)\n";

    assertThatThrownBy(
            () ->
                compile(policy)
                    .prepare("data.t.p")
                    .eval(
                        Json.parse("{\"n\": 1}"),
                        EvalOptions.defaults().withStrictBuiltinErrors(true),
                        null,
                        null,
                        e -> {}))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("trace: operand 1 must be string but got number");
    QueryResult lenient =
        compile(policy)
            .prepare("data.t.p")
            .eval(Json.parse("{\"n\": 1}"), EvalOptions.defaults(), null, null, e -> {});
    assertThat(lenient.rows()).isEmpty();
  }
}
