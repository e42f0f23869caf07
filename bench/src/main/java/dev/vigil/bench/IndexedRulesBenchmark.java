package dev.vigil.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Benchmark (3): 1,000 path rules of which rule indexing should leave one to evaluate. */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class IndexedRulesBenchmark {

  private DecisionScenario scenario;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    scenario = IndexedRulesScenario.create();
    scenario.verify();
  }

  @Benchmark
  public boolean decide() {
    return scenario.decide(next++ & (DecisionScenario.SIZE - 1));
  }
}
