package dev.vigil.cli;

import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.demo.DemoUsers;
import dev.vigil.gateway.demo.EchoUpstream;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.EdgeSignIn;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleWatcher;
import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import dev.vigil.pdp.extauthz.HttpAuthzRoutes;
import dev.vigil.pdp.extauthz.PolicyInputBuilder;
import dev.vigil.pdp.extauthz.TrustedProxies;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import dev.vigil.store.StoreLocation;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil up}: the decision point, the control plane and the gateway in one process, with the
 * embedded store. With {@code --demo}, also the demo estate of {@code examples/demo}.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = "Run Vigil on this machine: control plane, decision point and gateway.")
final class UpCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Data directory (default: ./vigil-data, or data_dir of the configuration).")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (YAML).")
  Path config;

  @Option(names = "--demo", description = "Also start the demo estate (examples/demo).")
  boolean demo;

  private final List<AutoCloseable> running = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    VigilConfig cfg;
    try {
      cfg = configuration();
      prepareDataDir(cfg.dataDir());
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("vigil up: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try {
      start(cfg, out);
    } catch (ConfigException
        | IllegalArgumentException
        | IllegalStateException
        | StoreException
        | IOException e) {
      err.println("vigil up: " + e.getMessage());
      stopAll();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopAll();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  private VigilConfig configuration() {
    Path file = config;
    if (file == null && demo) {
      file = home().resolve("examples/demo/vigil.yaml");
    }
    if (file == null) {
      return VigilConfig.defaults(dataDir == null ? Path.of("vigil-data") : dataDir);
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file + ": no such configuration file");
    }
    return VigilConfig.read(file, dataDir);
  }

  private static Path home() {
    String h = System.getProperty("vigil.home");
    return h == null ? Path.of("").toAbsolutePath() : Path.of(h);
  }

  private static void prepareDataDir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "data directory " + dir + " cannot be created: " + e.getMessage());
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir) || !Files.isReadable(dir)) {
      throw new IllegalArgumentException(
          "data directory " + dir.toAbsolutePath() + " is not a readable, writable directory");
    }
  }

  private void start(VigilConfig cfg, PrintWriter out) throws IOException {
    Addresses cp = Addresses.parse(cfg.controlPlane(), "control_plane.addr");
    Addresses gw = Addresses.parse(cfg.gateway(), "gateway.addr");
    Store store = Store.open(StoreLocation.embedded(cfg.dataDir()));
    running.add(store);
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withV0(cfg.v0Compatible())
                .withMasking(new Masking(cfg.mask(), List.of()))
                .withDecisionLog(log)
                .withNode("vigil-up"));
    running.add(0, pdp);
    BundleWatcher watcher = null;
    if (cfg.bundle() != null) {
      watcher = new BundleWatcher(cfg.bundle(), Duration.ofSeconds(2), null, pdp::activate);
      if (!watcher.loadNow()) {
        throw new IllegalStateException(
            "policy bundle " + cfg.bundle() + " refused: " + watcher.lastError());
      }
      watcher.start();
      running.add(0, watcher);
    }
    BundleWatcher w = watcher;
    PdpMetrics metrics = new PdpMetrics(log);
    ExternalAuthorizer authorizer;
    try {
      authorizer =
          new ExternalAuthorizer(
              pdp,
              metrics,
              PolicyPath.parse(cfg.authzPolicy()),
              new PolicyInputBuilder(
                  TrustedProxies.parse(cfg.trustedProxies()), InstantSource.system()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("control_plane: " + e.getMessage());
    }
    PdpServer server =
        PdpServer.start(
            cp.host(),
            cp.port(),
            pdp,
            metrics,
            new OpaApi.Options("system/main", 8L << 20, () -> w == null || w.activated()),
            router -> HttpAuthzRoutes.install(router, authorizer));
    running.add(0, server);

    List<LocalUser> users = new ArrayList<>(cfg.users());
    if (demo) {
      startEchoUpstreams(cfg);
      users.addAll(DemoUsers.loadOrCreate(cfg.dataDir()));
    }
    SessionCodec sessions =
        new SessionCodec(
            sessionKey(cfg.dataDir()),
            cfg.sessionIdle(),
            cfg.sessionAbsolute(),
            InstantSource.system());
    LocalAuthenticator auth =
        new LocalAuthenticator(users, sessions, InstantSource.system(), cfg.totpOnDemand());
    var providers = new ArrayList<OidcLogin>();
    cfg.oidc().forEach(c -> providers.add(new OidcLogin(c, sessions, InstantSource.system())));
    EdgeGateway gateway =
        EdgeGateway.startWithSignIn(
            gw.host(),
            gw.port(),
            new AtomicReference<>(new RouteTable(cfg.routes())),
            pdp,
            new IdentityAssertion("vigil", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
            InstantSource.system(),
            new EdgeSignIn(auth, new IdentityProviders(providers), cfg.redirectHosts()));
    running.add(0, gateway);

    out.println(
        "vigil up: control plane   http://"
            + Addresses.hostForUrl(cp.host())
            + ":"
            + server.port()
            + "  (OPA REST API, /health, /metrics, /v1/authz/{envoy,nginx,traefik})");
    out.println(
        "vigil up: gateway         http://"
            + Addresses.hostForUrl(gw.host())
            + ":"
            + gateway.port()
            + "  ("
            + cfg.routes().size()
            + " routes, sign in at /auth/login)");
    out.println("vigil up: data directory  " + cfg.dataDir().toAbsolutePath().normalize());
    if (cfg.bundle() != null) {
      out.println("vigil up: policy bundle   " + cfg.bundle() + " (reloads on change)");
    }
    if (demo) {
      out.println(
          "vigil up: demo users      "
              + cfg.dataDir().toAbsolutePath().normalize().resolve("demo-users.txt"));
    }
    out.flush();
  }

  private void startEchoUpstreams(VigilConfig cfg) throws IOException {
    Set<String> started = new HashSet<>();
    for (var r : cfg.routes()) {
      URI up = r.upstream();
      String key = up.getHost() + ":" + up.getPort();
      if (started.add(key)) {
        if (!up.getHost().equals("127.0.0.1") && !up.getHost().equals("localhost")) {
          continue;
        }
        try {
          running.add(EchoUpstream.start(up.getHost(), up.getPort(), "echo"));
        } catch (IOException e) {
          throw new IOException("demo upstream " + key + " cannot start: " + e.getMessage(), e);
        }
      }
    }
  }

  /** Returns the session key, created on first start and kept in the data directory. */
  private static byte[] sessionKey(Path dataDir) throws IOException {
    Path f = dataDir.resolve("session.key");
    if (Files.exists(f)) {
      byte[] k = Files.readAllBytes(f);
      if (k.length == 32) {
        return k;
      }
      throw new IllegalStateException(
          f
              + " is damaged (expected 32 bytes); remove it to sign "
              + "everyone out and start over");
    }
    byte[] k = SessionCodec.newKey();
    Files.write(f, k);
    try {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system; the key keeps the default permissions.
    }
    return k;
  }

  private void stopAll() {
    for (AutoCloseable c : running) {
      try {
        c.close();
      } catch (Exception e) {
        // Shutting down: keep closing the rest.
      }
    }
    running.clear();
  }
}
