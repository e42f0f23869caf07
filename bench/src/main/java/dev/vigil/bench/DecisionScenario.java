package dev.vigil.bench;

import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.PreparedQuery;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * A prepared Rego decision with a rotating set of inputs whose answers are known in advance.
 *
 * <p>The inputs are built once, before measurement, so a benchmark measures evaluation only. The
 * expected answers come from a plain Java model of the policy; {@link #verify()} checks every input
 * against it, so a broken engine fails loudly instead of producing a fast, wrong figure. Not
 * thread-safe to share between benchmark threads (JMH gives each thread its own state).
 */
public final class DecisionScenario {

  /** How many inputs rotate; a power of two so the benchmark can mask the counter. */
  public static final int SIZE = 1024;

  private final String name;
  private final PreparedQuery query;
  private final Value[] inputs;
  private final boolean[] expected;
  private final EvalOptions options = EvalOptions.defaults();

  DecisionScenario(String name, PreparedQuery query, List<Value> inputs, boolean[] expected) {
    if (inputs.size() != SIZE || expected.length != SIZE) {
      throw new IllegalArgumentException(
          name + ": needs " + SIZE + " inputs and answers, got " + inputs.size());
    }
    this.name = name;
    this.query = query;
    this.inputs = inputs.toArray(Value[]::new);
    this.expected = expected;
  }

  /** Evaluates the query for input {@code i} (0 to {@link #SIZE} - 1). */
  public boolean decide(int i) {
    return isTrue(query.eval(inputs[i], options));
  }

  /** Returns the prepared query. */
  public PreparedQuery query() {
    return query;
  }

  /** Returns the answer the policy must give for input {@code i}. */
  public boolean expected(int i) {
    return expected[i];
  }

  /** Returns input {@code i}. */
  public Value input(int i) {
    return inputs[i];
  }

  /**
   * Evaluates every input and compares with the known answer.
   *
   * @throws IllegalStateException naming the first input answered wrongly, or when the inputs do
   *     not include both an allow and a deny
   */
  public void verify() {
    int allows = 0;
    for (int i = 0; i < SIZE; i++) {
      boolean got = decide(i);
      if (got != expected[i]) {
        throw new IllegalStateException(
            name
                + ": wrong decision for input "
                + Json.write(inputs[i])
                + ": got "
                + got
                + ", expected "
                + expected[i]);
      }
      allows += got ? 1 : 0;
    }
    if (allows == 0 || allows == SIZE) {
      throw new IllegalStateException(
          name + ": the inputs must include allows and denies, got " + allows + " allows");
    }
  }

  /** Reads a boolean decision: true only when the first expression of the first row is true. */
  static boolean isTrue(QueryResult result) {
    return !result.rows().isEmpty()
        && result.rows().get(0).expressions().get(0) == BooleanValue.TRUE;
  }
}
