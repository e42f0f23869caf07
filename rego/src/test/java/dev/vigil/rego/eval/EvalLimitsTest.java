package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Time and depth budgets end evaluation with eval_cancel_error, never a hang or a crash. */
class EvalLimitsTest {

  /** Returns a package where p0 reads p1, which reads p2, ... down to a constant. */
  private static Policy chain(int length) {
    StringBuilder sb = new StringBuilder("package deep\n\n");
    for (int i = 0; i < length; i++) {
      sb.append('p').append(i).append(" := p").append(i + 1).append('\n');
    }
    sb.append('p').append(length).append(" := 1\n");
    return Policy.compile(
        List.of(new Source("deep.rego", sb.toString())), null, CompileOptions.defaults());
  }

  @Test
  void eval_ruleChainDeeperThanLimit_cancelError() {
    Policy p = chain(300);
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () ->
                p.prepare("x := data.deep.p0")
                    .eval(null, EvalOptions.defaults().withMaxDepth(100)));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("maximum evaluation depth exceeded");
  }

  @Test
  void eval_deepChainOnSmallStack_answersWithoutStackOverflow() throws Exception {
    Policy p = chain(3000);
    AtomicReference<Object> out = new AtomicReference<>();
    Thread t =
        new Thread(
            null,
            () -> {
              try {
                out.set(p.prepare("x := data.deep.p0").eval(null, EvalOptions.defaults()));
              } catch (Throwable e) {
                out.set(e);
              }
            },
            "small-stack",
            256 * 1024);
    t.start();
    t.join();
    assertThat(out.get()).isInstanceOf(QueryResult.class);
    QueryResult r = (QueryResult) out.get();
    assertThat(r.rows().get(0).bindings().get("x")).isEqualTo(NumberValue.of(1));
  }

  @Test
  void eval_chainBeyondDefaultDepth_cancelErrorNotStackOverflow() {
    Policy p = chain(6000);
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> p.prepare("x := data.deep.p0").eval(null, EvalOptions.defaults()));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
  }

  @Test
  void eval_hugeIteration_timeoutCancelError() {
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      xs.add(NumberValue.of(i));
    }
    Value data = ObjectValue.of(StringValue.of("xs"), ArrayValue.of(xs));
    Policy p =
        Policy.compile(
            List.of(
                new Source(
                    "slow.rego",
                    "package slow\n\np := [1 | data.xs[_]; data.xs[_]; data.xs[_]]\n")),
            data,
            CompileOptions.defaults());
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () ->
                p.prepare("x := data.slow.p")
                    .eval(null, EvalOptions.defaults().withTimeout(Duration.ofMillis(200))));
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
  }
}
