package dev.vigil.bench;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark (3): 1,000 {@code allow} rules, each matching one path and the method GET, so that rule
 * indexing on {@code input.path} should leave one rule to evaluate. One request in ten asks for a
 * path no rule names and one in five uses POST; both are denied.
 */
public final class IndexedRulesScenario {

  static final int RULES = 1_000;
  static final String QUERY = "data.routes.allow";

  private IndexedRulesScenario() {}

  /** Returns the generated policy text (v1 syntax). */
  public static String policyText() {
    StringBuilder sb = new StringBuilder("package routes\n\ndefault allow := false\n");
    for (int i = 0; i < RULES; i++) {
      sb.append("\nallow if {\n\tinput.path == \"")
          .append(path(i))
          .append("\"\n\tinput.method == \"GET\"\n}\n");
    }
    return sb.toString();
  }

  static String path(int i) {
    return String.format("/api/r%04d", i);
  }

  /** Compiles the policy and builds the inputs and their answers; does not verify them. */
  public static DecisionScenario create() {
    Policy policy =
        Policy.compile(
            List.of(new Source("routes.rego", policyText())), null, CompileOptions.defaults());
    SplittableRandom random = new SplittableRandom(3);
    List<Value> inputs = new ArrayList<>();
    boolean[] expected = new boolean[DecisionScenario.SIZE];
    for (int i = 0; i < DecisionScenario.SIZE; i++) {
      int route = random.nextInt(RULES + RULES / 9);
      String method = random.nextInt(5) == 0 ? "POST" : "GET";
      inputs.add(input(path(route), method));
      expected[i] = route < RULES && method.equals("GET");
    }
    return new DecisionScenario("indexed rules", policy.prepare(QUERY), inputs, expected);
  }

  public static Value input(String path, String method) {
    return ObjectValue.of(
        StringValue.of("path"),
        StringValue.of(path),
        StringValue.of("method"),
        StringValue.of(method));
  }
}
