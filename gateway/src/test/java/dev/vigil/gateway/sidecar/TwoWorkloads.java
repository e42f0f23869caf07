package dev.vigil.gateway.sidecar;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the two-sidecar tests run on: one store with its decision log, one CA for trust domain
 * {@code prod.example}, workloads {@link #A} and {@link #B} registered by label, and a real
 * Workload API agent for each on a socket of its own, whose X.509-SVIDs the workloads hold.
 */
final class TwoWorkloads implements AutoCloseable {

  static final SpiffeId A = SpiffeId.parse("spiffe://prod.example/a");
  static final SpiffeId B = SpiffeId.parse("spiffe://prod.example/b");

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  final Store store;
  final DecisionLog log;
  final Identities ids;
  final WorkloadAgent agentA;
  final WorkloadAgent agentB;
  final WorkloadCredentials credsA;
  final WorkloadCredentials credsB;

  private TwoWorkloads(Path dir) throws Exception {
    store = Store.open(StoreLocation.embedded(dir.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    ids.createEntry(A, List.of(Selector.parse("label:app-a")), null, List.of());
    ids.createEntry(B, List.of(Selector.parse("label:app-b")), null, List.of());
    agentA = agent(dir.resolve("a.sock"), "app-a");
    agentB = agent(dir.resolve("b.sock"), "app-b");
    credsA = WorkloadCredentials.connect("unix:" + agentA.socket(), Duration.ofSeconds(20));
    credsB = WorkloadCredentials.connect("unix:" + agentB.socket(), Duration.ofSeconds(20));
  }

  /** Starts the store, the CA and both agents in {@code dir}, and fetches both SVIDs. */
  static TwoWorkloads start(Path dir) throws Exception {
    return new TwoWorkloads(dir);
  }

  /** Returns a decision point that logs to this store, with {@code rego} as its policy. */
  DecisionPoint decisionPoint(String rego) throws Exception {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "sc", Map.of("sidecar.rego", rego.getBytes(StandardCharsets.UTF_8))));
    return pdp;
  }

  /**
   * Waits up to 10 s for the decision log to hold a record of {@code path} and {@code route} whose
   * event contains {@code needle}, and returns it.
   */
  DecisionRecord logged(String path, String route, String needle) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    for (int i = 0; i < 200; i++) {
      for (DecisionRecord r :
          reader.list(new DecisionFilter(null, false, path, null, route, 500))) {
        if (r.eventJson().contains(needle)) {
          return r;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no decision for " + path + " " + route + " containing " + needle);
  }

  /**
   * Waits up to 10 s for the decision log to hold {@code count} records of {@code path} and {@code
   * route} whose event contains {@code needle}, and returns them.
   */
  List<DecisionRecord> loggedAll(String path, String route, String needle, int count)
      throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.size() < count && System.nanoTime() < giveUp) {
      found =
          reader.list(new DecisionFilter(null, false, path, null, route, 500)).stream()
              .filter(r -> r.eventJson().contains(needle))
              .toList();
      if (found.size() < count) {
        Thread.sleep(50);
      }
    }
    if (found.size() < count) {
      throw new AssertionError(
          found.size() + " decisions for " + path + " " + route + " containing " + needle);
    }
    return found;
  }

  private WorkloadAgent agent(Path socket, String label) throws Exception {
    Set<Selector> shown = Set.of(Selector.parse("label:" + label));
    Attestor attestor = (pid, uid, gid) -> shown;
    return WorkloadAgent.start(
        socket, ids, attestor, InstantSource.system(), Duration.ofMillis(200));
  }

  @Override
  public void close() {
    credsA.close();
    credsB.close();
    agentA.close();
    agentB.close();
    log.close();
    store.close();
  }
}
