package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An input whose keys and elements all share Java's hash code is decided in time linear in its
 * size, and within the time budget. Regression: values were hashed without a key, so {@code "Aa"}
 * and {@code "BB"} (and every string of such blocks) had one hash code; parsing an object of such
 * keys, building a set of them and looking each up compared it against all the others, quadratic
 * work inside steps the budget charged as one. With the 2^16 strings here the query ran out of its
 * budget of thirty seconds (and was stopped only some twenty seconds later), where it now takes a
 * few; no budget could stop the parse.
 */
class HashCollisionTest {

  /** Blocks of "Aa" or "BB" per string: 2^16 strings of one Java hash code. */
  static final int BLOCKS = 16;

  static final int N = 1 << BLOCKS;

  static String colliding(int i) {
    StringBuilder sb = new StringBuilder(2 * BLOCKS);
    for (int b = 0; b < BLOCKS; b++) {
      sb.append((i >> b & 1) == 0 ? "Aa" : "BB");
    }
    return sb.toString();
  }

  /**
   * The request, as JSON text: {@code names} every string, {@code keys} an object of the half that
   * begins with "Aa" (each to its index), {@code pairs} one-string arrays of every name.
   */
  static String inputText() {
    StringBuilder names = new StringBuilder();
    StringBuilder keys = new StringBuilder();
    StringBuilder pairs = new StringBuilder();
    for (int i = 0; i < N; i++) {
      String q = '"' + colliding(i) + '"';
      String sep = i == 0 ? "" : ",";
      names.append(sep).append(q);
      pairs.append(sep).append('[').append(q).append(']');
      if ((i & 1) == 0) {
        keys.append(keys.isEmpty() ? "" : ",").append(q).append(':').append(i);
      }
    }
    return "{\"names\":[" + names + "],\"keys\":{" + keys + "},\"pairs\":[" + pairs + "]}";
  }

  private static final String POLICY =
      """
      package collide
      import rego.v1

      name_set := {n | some n in input.names}
      pair_set := {p | some p in input.pairs}
      copied := {k: v | some k, v in input.keys}

      keys_found := count([n | some n in input.names; input.keys[n] >= 0])
      names_in_set := count([n | some n in input.names; n in name_set])
      pairs_in_set := count([p | some n in input.names; p := [n]; p in pair_set])
      pair_set_size := count(pair_set)
      copied_size := count(copied)
      copied_same if copied == input.keys
      lookups_agree if every n, i in input.keys { copied[n] == i }

      answer := {
        "keys_found": keys_found,
        "names_in_set": names_in_set,
        "pairs_in_set": pairs_in_set,
        "pair_set_size": pair_set_size,
        "copied_size": copied_size,
        "copied_same": copied_same,
        "lookups_agree": lookups_agree,
      }
      """;

  private static Policy policy() {
    return Policy.compile(
        List.of(new Source("collide.rego", POLICY)), null, CompileOptions.defaults());
  }

  @Test
  void eval_thousandsOfCollidingKeysAndMembers_answers() {
    Value input = Json.parse(inputText());

    // Thirty seconds: several times what the query takes; unkeyed, it ran out of them.
    EvalOptions budget = EvalOptions.defaults().withTimeout(Duration.ofSeconds(30));

    QueryResult r = policy().prepare("data.collide.answer").eval(input, budget);

    ObjectValue answer = (ObjectValue) r.rows().get(0).expressions().get(0);
    assertThat(answer.get("keys_found")).isEqualTo(NumberValue.of(N / 2));
    assertThat(answer.get("names_in_set")).isEqualTo(NumberValue.of(N));
    assertThat(answer.get("pairs_in_set")).isEqualTo(NumberValue.of(N));
    assertThat(answer.get("pair_set_size")).isEqualTo(NumberValue.of(N));
    assertThat(answer.get("copied_size")).isEqualTo(NumberValue.of(N / 2));
    assertThat(answer.get("copied_same").toString()).isEqualTo("true");
    assertThat(answer.get("lookups_agree").toString()).isEqualTo("true");
  }

  /**
   * The budget still stops a query over such input at its first check. Without the keyed hash this
   * ended the same way, but only after the quadratic work the budget cannot see (a minute here,
   * against a third of a second): the case above is the one that fails then.
   */
  @Test
  void eval_collidingInputPastTheBudget_cancelError() {
    Value input = Json.parse(inputText());
    AtomicInteger reads = new AtomicInteger();
    long hour = Duration.ofHours(1).toNanos();
    // At 0 when the budget starts, an hour later at every check after that.
    EvalOptions pastTheDeadline =
        EvalOptions.defaults()
            .withTimeout(Duration.ofSeconds(1))
            .withNanoClock(() -> reads.getAndIncrement() == 0 ? 0 : hour);

    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> policy().prepare("data.collide.answer").eval(input, pastTheDeadline));

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
  }
}
