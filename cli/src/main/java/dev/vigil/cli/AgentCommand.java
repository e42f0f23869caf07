package dev.vigil.cli;

import dev.vigil.identity.AgentSvid;
import dev.vigil.identity.Identities;
import dev.vigil.identity.JoinTokenException;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.MetricsEndpoint;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil agent}: serves the SPIFFE Workload API on a Unix socket. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Serve the SPIFFE Workload API on a Unix socket; callers are attested by their peer"
            + " credentials (uid, gid, executable) and get the SVIDs of matching entries.")
final class AgentCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description = "Socket path (default: SPIFFE_ENDPOINT_SOCKET, else DATA_DIR/agent.sock).")
  Path socket;

  @Option(
      names = "--refresh",
      defaultValue = "1s",
      paramLabel = "DURATION",
      description = "How often entries are reloaded and streams refreshed (default: 1s).")
  String refresh;

  @Option(
      names = "--join-token",
      paramLabel = "TOKEN",
      description =
          "Join with this one-time token (vigil identity join-token create) and hold the agent's"
              + " own SVID in DATA_DIR/agent; a restarted agent resumes with the stored SVID.")
  String joinToken;

  @Option(
      names = "--metrics-addr",
      paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics at http://HOST:PORT/metrics (default: off).")
  String metricsAddr;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration tick;
    try {
      tick = Durations.positive("--refresh", refresh);
    } catch (IllegalArgumentException e) {
      err.println("vigil agent: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    InetSocketAddress metricsAt = null;
    try {
      if (metricsAddr != null) {
        Addresses a = Addresses.parse(metricsAddr, "--metrics-addr");
        metricsAt = new InetSocketAddress(a.host(), a.port());
      }
    } catch (IllegalArgumentException e) {
      err.println("vigil agent: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Path path = socket == null ? defaultSocket() : socket;
    Store st;
    try {
      // The agent serves the entries and CAs of a node: a mistyped --data-dir must not start an
      // empty store that issues nothing to anyone.
      st = options.store.openExisting();
    } catch (StoreException | IllegalArgumentException e) {
      err.println("vigil agent: " + e.getMessage());
      return 1;
    }
    WorkloadAgent agent;
    MetricsEndpoint metrics = null;
    try {
      Identities ids = options.identities(st, err);
      // A key that does not open the stored CA keys would issue nothing and log a failure per
      // trust domain at every refresh: refuse it now, naming the CA and the key's source.
      for (TrustDomain td : ids.trustDomains()) {
        ids.existing(td);
      }
      AgentSvid own = ownSvid(ids);
      if (own != null) {
        out.println("vigil agent: holding " + own.id() + " until " + own.current().expiry());
      }
      agent = WorkloadAgent.start(path, ids, Attestor.unix(), InstantSource.system(), tick, own);
      if (metricsAt != null) {
        try {
          metrics = MetricsEndpoint.start(metricsAt, ids.meterBinder());
        } catch (java.io.IOException e) {
          agent.close();
          st.close();
          err.println(
              "vigil agent: --metrics-addr "
                  + metricsAddr
                  + ": cannot listen: "
                  + dev.vigil.pdp.BindFailure.reason(e));
          return 1;
        }
        out.println("vigil agent: metrics on " + metrics.uri());
      }
    } catch (JoinTokenException | IllegalStateException e) {
      st.close();
      err.println("vigil agent: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      st.close();
      throw e;
    }
    out.println("vigil agent: Workload API on unix:" + agent.socket());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    MetricsEndpoint served = metrics;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (served != null) {
                    served.close();
                  }
                  agent.close();
                  st.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  /** Joins with the token, or resumes with a stored SVID; null when the agent never joined. */
  private AgentSvid ownSvid(Identities ids) {
    Path dir = dataDir().resolve("agent");
    if (joinToken != null) {
      return AgentSvid.join(ids.joinTokens(), joinToken, dir, InstantSource.system());
    }
    if (Files.exists(dir.resolve("svid.pem"))) {
      return AgentSvid.resume(ids.joinTokens(), dir, InstantSource.system());
    }
    return null;
  }

  private Path dataDir() {
    return options.store.dataDir == null ? Path.of("vigil-data") : options.store.dataDir;
  }

  private Path defaultSocket() {
    String env = System.getenv("SPIFFE_ENDPOINT_SOCKET");
    if (env != null && !env.isBlank()) {
      return Path.of(env.startsWith("unix://") ? env.substring(7) : env.replaceFirst("^unix:", ""));
    }
    return dataDir().resolve("agent.sock");
  }
}
