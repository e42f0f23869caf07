package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Whether a query charges the sort of a big collection to the time budget, counted in readings of a
 * fake clock: the query runs first on {@code input.v} already sorted (its members or keys read once
 * in order, so no sort is left to charge), then on an equal {@code input.v} not yet sorted, with a
 * deadline a few readings ({@link #SLACK}) after the first count. Only the sort's charge can reach
 * it.
 *
 * @param onSorted the answer on the sorted collection
 * @param onFresh what stopped the query on the unsorted one, or null if nothing did
 */
record SortChargeProbe(QueryResult onSorted, RegoException onFresh) {

  /** Members of the collections. */
  static final int N = 20_000;

  /** Readings allowed beyond those of the query on a sorted operand. */
  static final int SLACK = 8;

  private static final Policy POLICY = Policy.compile(List.of(), null, CompileOptions.defaults());

  /** Runs {@code query} on a set ({@code kind} "set") or an object of {@link #N} members. */
  static SortChargeProbe run(String query, String kind, IntFunction<String> member) {
    Value fresh = kind.equals("set") ? set(member) : object(member);
    Value alreadySorted = sorted(kind.equals("set") ? set(member) : object(member));
    AtomicInteger baseline = new AtomicInteger();
    QueryResult onSorted =
        POLICY
            .prepare(query)
            .eval(
                input(alreadySorted),
                EvalOptions.defaults()
                    .withTimeout(Duration.ofSeconds(1))
                    .withNanoClock(
                        () -> {
                          baseline.incrementAndGet();
                          return 0;
                        }));
    int allowed = baseline.get() + SLACK;
    AtomicInteger reads = new AtomicInteger();
    long hour = Duration.ofHours(1).toNanos();
    EvalOptions budget =
        EvalOptions.defaults()
            .withTimeout(Duration.ofSeconds(1))
            .withNanoClock(() -> reads.incrementAndGet() <= allowed ? 0 : hour);
    RegoException stopped =
        catchThrowableOfType(
            RegoException.class, () -> POLICY.prepare(query).eval(input(fresh), budget));
    return new SortChargeProbe(onSorted, stopped);
  }

  private static Value set(IntFunction<String> member) {
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      xs.add(StringValue.of(member.apply(i)));
    }
    return SetValue.of(xs);
  }

  /** Keys {@code k0}, {@code k1} ..., each naming a member. */
  private static Value object(IntFunction<String> member) {
    Map<Value, Value> m = new HashMap<>();
    for (int i = 0; i < N; i++) {
      m.put(StringValue.of("k" + i), StringValue.of(member.apply(i)));
    }
    return ObjectValue.wrap(m);
  }

  private static Value sorted(Value v) {
    switch (v) {
      case SetValue s -> s.elements();
      case ObjectValue o -> o.keys();
      default -> throw new IllegalArgumentException(v.toString());
    }
    return v;
  }

  private static Value input(Value v) {
    return ObjectValue.of(StringValue.of("v"), v);
  }
}
