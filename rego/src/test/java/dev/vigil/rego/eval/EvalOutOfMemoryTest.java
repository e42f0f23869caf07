package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.PreparedQuery;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.BooleanValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An evaluation that runs out of memory fails closed with an evaluation error, and the engine
 * answers the next query. Regression: the OutOfMemoryError left {@code PreparedQuery.eval} as it
 * was, and on the gateway it ended the event loop's task instead of failing the one decision.
 *
 * <p>The error is raised by the print sink, called inside evaluation, so that no test has to fill
 * the heap.
 */
class EvalOutOfMemoryTest {

  private static final String POLICY =
      """
      package t
      import rego.v1

      allow if {
        print("deciding")
        input.ok
      }
      """;

  private static PreparedQuery query() {
    Policy p =
        Policy.compile(List.of(new Source("t.rego", POLICY)), null, CompileOptions.defaults());
    return p.prepare("data.t.allow");
  }

  @Test
  void eval_outOfMemoryInsideEvaluation_failsWithAnEvaluationError() {
    PreparedQuery q = query();

    Throwable e =
        catchThrowable(
            () ->
                q.eval(
                    dev.vigil.rego.value.Json.parse("{\"ok\": true}"),
                    EvalOptions.defaults(),
                    null,
                    line -> {
                      throw new OutOfMemoryError("Java heap space");
                    }));

    assertThat(e).isInstanceOf(RegoException.class);
    RegoException re = (RegoException) e;
    assertThat(re.code()).isEqualTo("eval_cancel_error");
    assertThat(re.getMessage()).contains("ran out of memory");
  }

  @Test
  void eval_afterAnOutOfMemoryError_answersTheNextQuery() {
    PreparedQuery q = query();
    catchThrowable(
        () ->
            q.eval(
                null,
                EvalOptions.defaults(),
                null,
                line -> {
                  throw new OutOfMemoryError("Java heap space");
                }));

    QueryResult r =
        q.eval(
            dev.vigil.rego.value.Json.parse("{\"ok\": true}"), EvalOptions.defaults(), null, null);

    assertThat(r.rows().get(0).expressions().get(0)).isEqualTo(BooleanValue.TRUE);
  }
}
