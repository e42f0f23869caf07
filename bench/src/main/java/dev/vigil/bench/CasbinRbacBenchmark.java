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

/** Benchmark (4): jCasbin's {@code enforce(sub, obj, act)} on the RBAC data of benchmark (2). */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class CasbinRbacBenchmark {

  private CasbinScenario scenario;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    scenario = CasbinScenario.create(RbacDataset.generate());
    scenario.verify();
  }

  @Benchmark
  public boolean enforce() {
    return scenario.decide(next++ & (DecisionScenario.SIZE - 1));
  }
}
