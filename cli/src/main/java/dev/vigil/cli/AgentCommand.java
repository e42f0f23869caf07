package dev.vigil.cli;

import dev.vigil.identity.Identities;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.store.Store;
import java.io.PrintWriter;
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

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration tick;
    try {
      tick = Durations.parse(refresh);
    } catch (IllegalArgumentException e) {
      err.println("vigil agent: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Path path = socket == null ? defaultSocket() : socket;
    Store st = options.openStore();
    WorkloadAgent agent;
    try {
      Identities ids = options.identities(st, err);
      agent = WorkloadAgent.start(path, ids, Attestor.unix(), InstantSource.system(), tick);
    } catch (RuntimeException e) {
      st.close();
      throw e;
    }
    out.println("vigil agent: Workload API on unix:" + agent.socket());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  st.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  private Path defaultSocket() {
    String env = System.getenv("SPIFFE_ENDPOINT_SOCKET");
    if (env != null && !env.isBlank()) {
      return Path.of(env.startsWith("unix://") ? env.substring(7) : env.replaceFirst("^unix:", ""));
    }
    Path dataDir = options.store.dataDir == null ? Path.of("vigil-data") : options.store.dataDir;
    return dataDir.resolve("agent.sock");
  }
}
