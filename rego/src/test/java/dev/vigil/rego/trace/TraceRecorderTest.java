package dev.vigil.rego.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.eval.TraceEvent;
import dev.vigil.rego.value.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which events each explanation mode keeps, as OPA's lineage filter keeps them. */
class TraceRecorderTest {

  static final String POLICY =
      """
      package authz

      default allow := false

      allow if {
        trace("checking role")
        startswith(input.user.role, "sre")
        trace("role ok")
      }

      allow if {
        input.user.role == "auditor"
        input.method == "GET"
      }
      """;

  static TraceRecorder record(TraceRecorder.Mode mode, int limit, String input) {
    TraceRecorder r = new TraceRecorder(mode, limit);
    Policy.compile(List.of(new Source("authz.rego", POLICY)), null, CompileOptions.defaults())
        .prepare("data.authz.allow")
        .eval(Json.parse(input), EvalOptions.defaults(), null, null, r);
    return r;
  }

  static List<String> ops(List<TraceEvent> events) {
    List<String> out = new ArrayList<>();
    for (TraceEvent e : events) {
      String about =
          switch (e.node()) {
            case null -> e.message();
            case TraceEvent.RuleNode r -> r.path() + ":" + r.rule().location().line();
            case TraceEvent.BodyNode b -> "query";
            case TraceEvent.ExprNode x -> x.expr().text();
          };
      out.add(e.op().label() + " " + e.queryId() + " " + about);
    }
    return out;
  }

  @Test
  void notes_keepEachNoteWithTheQueriesAroundItOnce() {
    TraceRecorder r = record(TraceRecorder.Mode.NOTES, 100, "{\"user\": {\"role\": \"sre\"}}");

    // The second note's rule and query were shown with the first: only the note follows.
    assertThat(ops(r.events()))
        .containsExactly(
            "Enter 0 query",
            "Enter 1 data.authz.allow:5",
            "Note 1 checking role",
            "Note 1 role ok");
    assertThat(r.truncated()).isFalse();
  }

  @Test
  void notes_noteInABodyThatFails_isKept() {
    TraceRecorder r = record(TraceRecorder.Mode.NOTES, 100, "{\"user\": {\"role\": \"dev\"}}");

    assertThat(ops(r.events()))
        .containsExactly("Enter 0 query", "Enter 1 data.authz.allow:5", "Note 1 checking role");
  }

  /**
   * The second rule is ruled out by the index for any other role, and is not evaluated; the first,
   * whose condition the index cannot read, is.
   */
  @Test
  void fails_keepEachFailedExpressionWithItsRule() {
    TraceRecorder r =
        record(
            TraceRecorder.Mode.FAILS,
            100,
            "{\"user\": {\"role\": \"auditor\"}, \"method\": \"PUT\"}");

    assertThat(ops(r.events()))
        .containsExactly(
            "Enter 0 query",
            "Enter 1 data.authz.allow:5",
            "Fail 1 startswith(input.user.role, \"sre\")",
            "Enter 2 data.authz.allow:11",
            "Fail 2 input.method == \"GET\"");
  }

  @Test
  void full_keepsEveryEventUpToTheLimit() {
    TraceRecorder all = record(TraceRecorder.Mode.FULL, 10_000, "{\"user\": {\"role\": \"sre\"}}");
    TraceRecorder cut = record(TraceRecorder.Mode.FULL, 5, "{\"user\": {\"role\": \"sre\"}}");

    assertThat(all.truncated()).isFalse();
    assertThat(all.events().size()).isGreaterThan(5);
    assertThat(ops(all.events())).contains("Note 1 checking role", "Note 1 role ok");
    assertThat(cut.events()).containsExactlyElementsOf(all.events().subList(0, 5));
    assertThat(cut.truncated()).isTrue();
  }

  @Test
  void restart_forgetsWhatWasRecorded() {
    TraceRecorder r = record(TraceRecorder.Mode.FULL, 5, "{\"user\": {\"role\": \"sre\"}}");

    r.restart();

    assertThat(r.events()).isEmpty();
    assertThat(r.truncated()).isFalse();
  }

  @Test
  void modeOf_readsOpaValuesExactly() {
    assertThat(TraceRecorder.Mode.of("notes")).isEqualTo(TraceRecorder.Mode.NOTES);
    assertThat(TraceRecorder.Mode.of("fails")).isEqualTo(TraceRecorder.Mode.FAILS);
    assertThat(TraceRecorder.Mode.of("full")).isEqualTo(TraceRecorder.Mode.FULL);
    assertThat(TraceRecorder.Mode.of("debug")).isEqualTo(TraceRecorder.Mode.FULL);
    for (String other : new String[] {null, "", "off", "Notes", "yes"}) {
      assertThat(TraceRecorder.Mode.of(other)).as("%s", other).isNull();
    }
  }
}
