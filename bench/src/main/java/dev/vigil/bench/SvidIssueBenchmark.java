package dev.vigil.bench;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.JwtSvid;
import dev.vigil.identity.KeyType;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.TrustDomainCa;
import dev.vigil.identity.X509Svid;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SVIDs issued per second by one trust domain's CA, on one thread. Each X.509-SVID includes what
 * issuance really costs: a fresh key pair for the workload, the signature, and the CA's check of
 * the new certificate against the full X509-SVID validator (PKIX chain included).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class SvidIssueBenchmark {

  @Param({"ec-p256"})
  public String keyType;

  private TrustDomainCa ca;
  private SpiffeId id;

  @Setup(Level.Trial)
  public void setUp() {
    TrustDomain td = new TrustDomain("prod.example");
    ca =
        TrustDomainCa.create(
            td, CaConfig.defaults().withKeyType(KeyType.parse(keyType)), InstantSource.system());
    id = SpiffeId.parse("spiffe://prod.example/ns/prod/sa/web");
    X509Svid probe = ca.issueX509(id, List.of(), null);
    if (!probe.id().equals(id)) {
      throw new IllegalStateException("benchmark CA issued " + probe.id() + " for " + id);
    }
  }

  @Benchmark
  public X509Svid issueX509() {
    return ca.issueX509(id, List.of(), null);
  }

  @Benchmark
  public JwtSvid issueJwt() {
    return ca.issueJwt(id, List.of("db"), null);
  }
}
