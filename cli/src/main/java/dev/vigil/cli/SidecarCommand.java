package dev.vigil.cli;

import dev.vigil.console.RoutePolicyCheck;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.sidecar.Sidecar;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.gateway.sidecar.WorkloadCredentials;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleWatcher;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRetention;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil sidecar}: the gateway next to one workload, with mTLS from the Workload API. */
@Command(
    name = "sidecar",
    mixinStandardHelpOptions = true,
    description =
        "Run the gateway as a workload's sidecar: inbound mTLS with the workload's SVID, peers"
            + " verified against their trust domain's bundle, every request decided and logged;"
            + " outbound plain listeners that originate mTLS to other workloads.")
final class SidecarCommand implements Callable<Integer> {

  /** The issuer of the sidecar's identity assertions. */
  static final String ISSUER = "vigil-sidecar";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Sidecar configuration (YAML); see docs/sidecar.md.")
  Path config;

  @Option(
      names = "--workload-api",
      paramLabel = "ADDRESS",
      description =
          "Workload API socket, unix:/path (default: the config's workload_api, else"
              + " SPIFFE_ENDPOINT_SOCKET, else unix:DATA_DIR/agent.sock).")
  String workloadApi;

  @Option(
      names = "--bundle",
      paramLabel = "PATH|URL",
      description = "Policy bundle directory, .tar.gz file or http(s) URL.")
  String bundle;

  @Option(
      names = "--poll-interval",
      defaultValue = "5s",
      description = "How often the bundle and revocations are reread (default: ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(
      names = "--svid-wait",
      defaultValue = "30s",
      description = "How long to wait for the first SVID at startup (default: ${DEFAULT-VALUE}).")
  String svidWait;

  @Option(names = "--v0-compatible", description = "Parse policies with Rego v0 syntax.")
  boolean v0;

  @Mixin StoreOptions store;

  @Mixin LogRetainOption logRetain;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SidecarConfig cfg;
    Duration interval;
    Duration wait;
    Duration retain;
    try {
      retain = logRetain.retain();
      wait = Durations.positive("--svid-wait", svidWait);
      cfg = SidecarConfig.read(config);
      interval = Durations.positive("--poll-interval", pollInterval);
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("vigil sidecar: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Store st;
    try {
      st = store.openOrCreate();
    } catch (StoreException | IllegalArgumentException e) {
      err.println("vigil sidecar: " + e.getMessage());
      return 1;
    }
    String address = address(cfg);
    WorkloadCredentials creds;
    try {
      creds = WorkloadCredentials.connect(address, wait);
    } catch (IllegalStateException e) {
      err.println("vigil sidecar: " + e.getMessage());
      st.close();
      return 1;
    }
    DecisionLog log = new DecisionLog(st, DecisionLog.Options.defaults());
    DecisionRetention retention =
        retain == null ? null : DecisionRetention.start(st, retain, InstantSource.system());
    DecisionPoint pdp =
        new DecisionPoint(DecisionPoint.Options.defaults().withV0(v0).withDecisionLog(log));
    BundleWatcher watcher = null;
    if (bundle != null) {
      // A bundle activated later that no longer defines an inbound route's policy is warned of,
      // as vigil up warns of its routes; the bundle loaded now is checked below.
      RoutePolicyCheck policyCheck =
          new RoutePolicyCheck(
              () ->
                  new RouteTable(cfg.inbound().stream().map(SidecarConfig.Inbound::route).toList()),
              pdp);
      AtomicBoolean startedUp = new AtomicBoolean();
      watcher =
          new BundleWatcher(
              bundle,
              interval,
              null,
              b -> {
                pdp.activate(b);
                if (startedUp.get()) {
                  policyCheck.run();
                }
              });
      if (!watcher.loadNow()) {
        err.println("vigil sidecar: bundle " + bundle + " refused: " + watcher.lastError());
        err.println("vigil sidecar: denying every request until a good bundle arrives");
      } else {
        String wrong =
            RoutePolicies.namingNothing(
                cfg.inbound().stream().map(SidecarConfig.Inbound::route).toList(),
                r -> cfg.policyPlace(r.name()),
                pdp,
                bundle);
        if (wrong != null) {
          err.println("vigil sidecar: " + wrong);
          watcher.close();
          creds.close();
          if (retention != null) {
            retention.close();
          }
          pdp.close();
          st.close();
          return Vigil.EXIT_USAGE;
        }
      }
      startedUp.set(true);
      policyCheck.run();
      watcher.start();
    } else if (!cfg.inbound().isEmpty()) {
      err.println("vigil sidecar: no --bundle: every inbound request is denied (no policy)");
    }
    // Only revoked serials are read from the store; the sidecar never holds a CA key, so the
    // cipher is a random key that opens nothing.
    byte[] none = new byte[32];
    new SecureRandom().nextBytes(none);
    Identities ids =
        new Identities(st, CaKeyCipher.ofKey(none), InstantSource.system(), CaConfig.defaults());
    ScheduledExecutorService reload =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-sidecar-revocations");
              t.setDaemon(true);
              return t;
            });
    reload.scheduleWithFixedDelay(
        ids::reloadRevocations, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    Sidecar sidecar;
    try {
      sidecar =
          Sidecar.start(
              cfg,
              creds,
              pdp,
              ids.revocations(),
              InstantSource.system(),
              new IdentityAssertion(
                  ISSUER, EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()));
    } catch (IllegalStateException e) {
      err.println("vigil sidecar: " + e.getMessage());
      reload.shutdownNow();
      if (watcher != null) {
        watcher.close();
      }
      creds.close();
      if (retention != null) {
        retention.close();
      }
      pdp.close();
      st.close();
      return 1;
    }
    out.println("vigil sidecar: workload " + creds.svid().id() + " from " + address);
    for (var in : cfg.inbound()) {
      out.println(
          "vigil sidecar: inbound "
              + in.name()
              + " ("
              + in.peerMode()
              + ") on "
              + Addresses.hostForUrl(in.host())
              + ":"
              + sidecar.port(in.name())
              + " -> "
              + in.route().upstream()
              + (in.appProtocol() == SidecarConfig.AppProtocol.H2C ? " (h2c)" : "")
              + (in.protocol() == SidecarConfig.Protocol.TCP ? " (tcp)" : ""));
    }
    for (var o : cfg.outbound()) {
      out.println(
          "vigil sidecar: outbound "
              + o.name()
              + " on "
              + Addresses.hostForUrl(o.host())
              + ":"
              + sidecar.port(o.name())
              + " -> "
              + o.expected()
              + " at "
              + Addresses.hostForUrl(o.targetHost())
              + ":"
              + o.targetPort()
              + (o.protocol() == SidecarConfig.Protocol.TCP ? " (tcp)" : ""));
    }
    if (sidecar.assertionJwksPort() >= 0) {
      out.println(
          "vigil sidecar: assertion keys on http://"
              + Addresses.hostForUrl(cfg.assertionJwks().host())
              + ":"
              + sidecar.assertionJwksPort()
              + IdentityAssertion.JWKS_PATH
              + " (issuer "
              + ISSUER
              + ")");
    }
    out.flush();
    BundleWatcher w = watcher;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sidecar.close();
                  reload.shutdownNow();
                  if (w != null) {
                    w.close();
                  }
                  creds.close();
                  if (retention != null) {
                    retention.close();
                  }
                  pdp.close();
                  st.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  private String address(SidecarConfig cfg) {
    if (workloadApi != null) {
      return workloadApi;
    }
    if (cfg.workloadApi() != null) {
      return cfg.workloadApi();
    }
    String env = System.getenv("SPIFFE_ENDPOINT_SOCKET");
    if (env != null && !env.isBlank()) {
      return env;
    }
    Path dataDir = store.dataDir == null ? Path.of("vigil-data") : store.dataDir;
    return "unix:" + dataDir.resolve("agent.sock").toAbsolutePath();
  }
}
