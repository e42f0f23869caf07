package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.PreparedQuery;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One compiled query evaluated from many threads gives each thread its own right answer. */
class ConcurrentEvalTest {

  @Test
  void eval_manyThreadsDifferentInputs_sameAnswersAsOneThread() throws Exception {
    String policy =
        """
        package c

        level := n if n := input.n * 2

        allow if {
          input.n > 10
          level > 25
        }

        labels contains sprintf("n%d", [i]) if some i in numbers.range(0, input.n)
        """;
    Policy p =
        Policy.compile(List.of(new Source("c.rego", policy)), null, CompileOptions.defaults());
    PreparedQuery q = p.prepare("a := data.c.allow; l := count(data.c.labels)");
    List<String> expected = new ArrayList<>();
    for (int n = 0; n < 40; n++) {
      expected.add(answer(q, n));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 50; round++) {
                    for (int n = 0; n < 40; n++) {
                      if (!answer(q, n).equals(expected.get(n))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : futures) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(expected.get(5)).isEqualTo("[]");
    assertThat(expected.get(13)).isEqualTo("[{a=true, l=14}]");
  }

  private static String answer(PreparedQuery q, int n) {
    Value input = Json.parse("{\"n\": " + n + "}");
    List<String> rows = new ArrayList<>();
    q.eval(input, EvalOptions.defaults()).rows().forEach(r -> rows.add(r.bindings().toString()));
    return rows.toString();
  }
}
