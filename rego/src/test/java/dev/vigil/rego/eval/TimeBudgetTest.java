package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The time budget stops work that happens inside one expression too: iterating a collection element
 * by element in a comprehension body, in {@code some ... in}, and in {@code every}. Each of these
 * policies would run for hours without the budget; the timeout annotation only guards the build
 * against a hang.
 */
class TimeBudgetTest {

  private static void assertStops(String rego, String query) {
    Policy p =
        Policy.compile(List.of(new Source("slow.rego", rego)), null, CompileOptions.defaults());
    EvalOptions budget = EvalOptions.defaults().withTimeout(Duration.ofMillis(200));

    assertThatThrownBy(() -> p.prepare(query).eval(null, budget))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("eval_cancel_error")
        .hasMessageContaining("timeout exceeded");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void comprehensionOverNestedIteration_stopsAtTheBudget() {
    assertStops(
        "package slow\nn := numbers.range(1, 3000)\ny := count([a | n[a]; n[b]; n[c]])\n",
        "data.slow.y");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void someInOverNestedIteration_stopsAtTheBudget() {
    assertStops(
        "package slow\nimport rego.v1\nn := numbers.range(1, 3000)\n"
            + "p if { some a in n; some b in n; some c in n; a + b + c < 0 }\n",
        "data.slow.p");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyOverNestedIteration_stopsAtTheBudget() {
    assertStops(
        "package slow\nimport rego.v1\nn := numbers.range(1, 3000)\n"
            + "p if { every a in n { every b in n { every c in n { a + b + c > 0 } } } }\n",
        "data.slow.p");
  }
}
