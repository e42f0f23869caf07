package dev.vigil.bench;

import dev.vigil.rego.Policy;
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

/**
 * Benchmark (2): RBAC with ABAC conditions over 10,000 users, 200 roles and 1,000 resources in
 * {@code data}; {@link #decide} is the full decision, {@link #roleGrantOnly} the part that
 * jCasbin's model covers.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class RbacAbacBenchmark {

  private DecisionScenario allow;
  private DecisionScenario roleGrant;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    RbacDataset dataset = RbacDataset.generate();
    Policy policy = RbacScenario.compile(dataset);
    allow = RbacScenario.allow(policy, dataset);
    allow.verify();
    roleGrant = RbacScenario.roleGrant(policy, dataset);
    roleGrant.verify();
  }

  @Benchmark
  public boolean decide() {
    return allow.decide(next++ & (DecisionScenario.SIZE - 1));
  }

  @Benchmark
  public boolean roleGrantOnly() {
    return roleGrant.decide(next++ & (DecisionScenario.SIZE - 1));
  }
}
