package dev.vigil.cli;

import dev.vigil.access.Grants;
import dev.vigil.console.AdminAccounts;
import dev.vigil.console.ConfigReload;
import dev.vigil.console.Console;
import dev.vigil.console.ConsoleSignIn;
import dev.vigil.console.HealthReport;
import dev.vigil.console.KeyFiles;
import dev.vigil.console.NodeIdentity;
import dev.vigil.console.RouteMetrics;
import dev.vigil.console.RouteModes;
import dev.vigil.console.RoutePolicyCheck;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.ConfigWatcher;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.demo.DemoUsers;
import dev.vigil.gateway.demo.EchoUpstream;
import dev.vigil.gateway.edge.AccessNotifier;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.EdgeSignIn;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.gateway.upstream.UpstreamIdentity;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.FileProblems;
import dev.vigil.pdp.ListenException;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleWatcher;
import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import dev.vigil.pdp.extauthz.HttpAuthzRoutes;
import dev.vigil.pdp.extauthz.PolicyInputBuilder;
import dev.vigil.pdp.extauthz.TrustedProxies;
import dev.vigil.store.AssertionKeys;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRetention;
import dev.vigil.store.Dialect;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.SignInFailures;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import dev.vigil.store.UsedOnce;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil up}: the decision point, the control plane and the gateway in one process, with the
 * embedded store, or with a PostgreSQL store that several nodes share ({@code --store} or {@code
 * store:}). With {@code --demo}, also the demo estate of {@code examples/demo}, on the embedded
 * store only.
 *
 * <p>Whatever the store, the keys, the administrators, the Workload API socket and the TLS
 * certificate stay in the node's data directory; docs/configuration.md says which of them must be
 * the same on every node of a shared store.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = "Run Vigil on this machine: control plane, decision point and gateway.")
final class UpCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Data directory (default: ./vigil-data, or data_dir of the configuration).")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (YAML).")
  Path config;

  @Option(
      names = "--store",
      paramLabel = "URL",
      description =
          "A store shared by several nodes instead of the data directory's SQLite file:"
              + " postgresql://HOST:PORT/DB?user=U (default: store of the configuration).")
  String store;

  @Option(
      names = "--demo",
      description = "Also start the demo estate (examples/demo); embedded store only.")
  boolean demo;

  /** {@link #store} parsed, or null without it; set once the command starts. */
  private StoreLocation storeFlag;

  private final List<AutoCloseable> running = new ArrayList<>();
  // Runs after each bundle activation; set once the routes exist (see RoutePolicyCheck).
  private final AtomicReference<Runnable> afterActivation = new AtomicReference<>(() -> {});

  /** The file in the data directory holding the token that REST API writes must carry. */
  static final String API_TOKEN_FILE = "api.token";

  /** How often the grants a gateway reads are read again from the store, feed or not. */
  static final Duration GRANTS_REFRESH = Duration.ofSeconds(10);

  private Path configFile;
  private DataDirLock lock;
  private DataDirLock storeLock;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      storeFlag = store == null ? null : StoreLocation.parse(store);
    } catch (IllegalArgumentException e) {
      // As vigil pdp and vigil logs answer a bad --store.
      err.println("vigil up: " + e.getMessage());
      return 1;
    }
    VigilConfig cfg;
    try {
      cfg = configuration();
      if (storeFlag != null) {
        cfg = cfg.withStore(storeFlag);
      }
      if (demo && cfg.store() != null) {
        throw new IllegalArgumentException(
            "--demo runs on the embedded store of one node, not on a shared store ("
                + cfg.store().display()
                + "); leave out --demo, or --store and store:");
      }
      try {
        prepareDataDir(cfg.dataDir());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(dataDirPlace(cfg) + e.getMessage());
      }
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
      // A file fault carries only its path as message; other failures say what they are.
      err.println(
          "vigil up: "
              + (e instanceof java.nio.file.FileSystemException
                  ? CliErrors.describe(e)
                  : e.getMessage()));
      stopAll();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    StopSignals signals = StopSignals.install();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("vigil up stopping: reason={}", signals.reason());
                  stopAll();
                  log.info("vigil up stopped: reason={}", signals.reason());
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
    configFile = file;
    if (file == null) {
      return VigilConfig.defaults(dataDir == null ? Path.of("vigil-data") : dataDir);
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException(file + ": is a directory; give the configuration file in it");
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file + ": no such configuration file");
    }
    return VigilConfig.read(file, dataDir, demoApprovers());
  }

  /** The demo's people, who may approve an entitlement of the file with --demo. */
  private Set<String> demoApprovers() {
    return demo ? DemoUsers.approvers() : Set.of();
  }

  /**
   * Returns {@code file:line: key: } when the file gives {@code key}, else nothing: the start of an
   * error about the value it gave.
   */
  private static String placeOf(VigilConfig cfg, String key) {
    String place = cfg.placeOf(key);
    return place == null ? "" : place + ": ";
  }

  /** The place of {@code data_dir}, when the data directory comes from the file. */
  private String dataDirPlace(VigilConfig cfg) {
    return dataDir != null ? "" : placeOf(cfg, "data_dir");
  }

  private static Path home() {
    String h = System.getProperty("vigil.home");
    return h == null ? Path.of("").toAbsolutePath() : Path.of(h);
  }

  private static void prepareDataDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "data directory " + dir.toAbsolutePath() + " is a file, not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "data directory " + dir + " cannot be created: " + FileProblems.reason(e));
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir) || !Files.isReadable(dir)) {
      throw new IllegalArgumentException(
          "data directory " + dir.toAbsolutePath() + " is not a readable, writable directory");
    }
  }

  /** The decision point and what it stands on. */
  private record Core(
      Store store, DecisionLog log, DecisionPoint pdp, BundleWatcher bundle, PdpMetrics metrics) {}

  private void start(VigilConfig cfg, PrintWriter out) throws IOException {
    lock = DataDirLock.acquire(cfg.dataDir());
    StoreLocation where = cfg.storeLocation();
    if (where.dialect() == Dialect.SQLITE) {
      storeLock = DataDirLock.acquireSqlite(where.sqliteFile());
    }
    Addresses cp = Addresses.parse(cfg.controlPlane(), "control_plane.addr");
    Addresses gw = Addresses.parse(cfg.gateway(), "gateway.addr");
    // Read before anything starts, so that a TLS file that cannot be used stops start-up at once.
    ServerTls cpTls = controlPlaneTls(cfg);
    byte[] notifySecret = notifySecret(cfg);
    InstantSource clock = InstantSource.system();
    Core core = startCore(cfg);
    refuseRoutePoliciesNamingNothing(cfg, core.pdp());
    refuseAuthzPolicyNamingNothing(cfg, core.pdp());
    checkApiChanges(cfg, core.pdp());
    byte[] sessionKey = KeyFiles.loadOrCreate(cfg.dataDir().resolve("session.key"), 32);
    byte[] consoleKey = KeyFiles.loadOrCreate(cfg.dataDir().resolve("console.key"), 32);
    ApiToken apiToken = ApiToken.loadOrCreate(cfg.dataDir().resolve(API_TOKEN_FILE));
    AdminAccounts admins = AdminAccounts.open(cfg.dataDir(), cfg.adminRole());
    // The CAs and the agent start beside the rest, so that /health does not wait for them.
    CaKeyCipher caKey = NodeIdentity.caKeyCipher(cfg);
    // Before the CAs start: opening the device CA proves the key is the one that sealed the CA
    // keys already in the store, so a node with another key makes no CA there that the others
    // could not open.
    UpDevices devices = openDevices(cfg, core.store(), caKey);
    running.add(0, devices);
    // Just-in-time grants: the gateway reads them from memory, kept in step with the store by the
    // changes of every node (PostgreSQL's change feed) and a reread every 10 s.
    // The webhook listens from the first read, which expires what ended while no node ran.
    List<Grants.Listener> told = new ArrayList<>();
    if (cfg.accessNotify() != null) {
      AccessNotifier notifier = new AccessNotifier(cfg.accessNotify().url(), notifySecret, clock);
      told.add(notifier);
      running.add(0, notifier);
    }
    Grants grants = Grants.open(core.store(), clock, cfg.entitlements(), told);
    grants.requestLifetime(cfg.requestLifetime());
    grants.start(GRANTS_REFRESH);
    running.add(0, grants);
    // Serves the keys the other nodes published; its own joins them once everything listens.
    IdentityAssertion assertion =
        IdentityAssertion.shared(
            "vigil",
            EdgeGateway.ASSERTION_LIFETIME,
            clock,
            new AssertionKeys(core.store()),
            NodeName.current());
    running.add(0, assertion);
    CompletableFuture<NodeIdentity> identityStart = startIdentity(cfg, core, clock, caKey);
    Supplier<NodeIdentity> identityNow = () -> startedOrNull(identityStart);

    List<LocalUser> demoUsers = new ArrayList<>();
    if (demo) {
      startEchoUpstreams(cfg);
      demoUsers.addAll(DemoUsers.loadOrCreate(cfg.dataDir()));
    }
    List<LocalUser> users = new ArrayList<>(cfg.users());
    users.addAll(demoUsers);
    // Before anything serves: a grant the file stopped allowing while the node was down ends now.
    grants.configure(cfg.entitlements(), ConfigReload.holders(users, cfg.oidc()));
    // The configured routes, with the modes set in the console (kept in the store) on top,
    // following the changes of the nodes that share a PostgreSQL store. The table carries the
    // users too: the gateway takes a request's route and user from one table, one generation of
    // the configuration.
    RouteModes routeModes =
        RouteModes.start(
            cfg.routes(), LocalUsers.of(users), new RouteModeOverrides(core.store()), clock);
    // The console refuses to monitor or enforce a route whose policy nothing defines, as a reload
    // of the file does, and so does this node for a mode set on another node sharing the store:
    // checked from the first change followed on.
    routeModes.checkPoliciesOf(core.pdp());
    running.add(0, routeModes.followChanges());
    AtomicReference<RouteTable> routes = routeModes.table();
    // Sign-outs are kept in the store, so that a cookie signed out stays refused after a restart
    // and on every node sharing the store; gateway and console sessions apart, as their keys are.
    SessionSignOuts consoleSignOuts =
        SessionSignOuts.open(core.store(), "console", cfg.sessionAbsolute(), clock);
    running.add(0, consoleSignOuts);
    // One count of failed sign-ins for the gateway and the console: a configured administrator
    // signs in at both with the same password. The count is kept in the store too, so that the
    // nodes sharing it count each other's failures; so are the one-time codes used: a code used at
    // either, on any node, is refused at every other.
    SignInThrottle throttle =
        new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, SignInFailures.open(core.store()));
    TotpSteps steps = TotpSteps.open(core.store(), clock);
    // One bound on the password hashes of the node, for the gateway's sign-ins and the console's.
    PasswordChecks checks = PasswordChecks.withDefaults();
    running.add(0, checks);
    ConsoleSignIn signIn =
        new ConsoleSignIn(
            admins,
            new SessionCodec(
                consoleKey, cfg.sessionIdle(), cfg.sessionAbsolute(), clock, consoleSignOuts),
            clock,
            cfg.adminRole(),
            users,
            throttle,
            steps,
            checks);
    HealthReport health =
        new HealthReport(
            core.pdp(),
            core.bundle(),
            core.log(),
            new DecisionReader(core.store()),
            routes,
            identityNow,
            clock);
    PdpServer server =
        startControlPlane(
            cfg,
            cp,
            cpTls,
            core,
            apiToken,
            signIn,
            routeModes,
            identityNow,
            health,
            devices,
            grants);

    SessionSignOuts gatewaySignOuts =
        SessionSignOuts.open(core.store(), "gateway", cfg.sessionAbsolute(), clock);
    running.add(0, gatewaySignOuts);
    SessionCodec sessions =
        new SessionCodec(
            sessionKey, cfg.sessionIdle(), cfg.sessionAbsolute(), clock, gatewaySignOuts);
    LocalAuthenticator auth =
        new LocalAuthenticator(users, sessions, clock, cfg.totpOnDemand(), throttle, steps, checks);
    List<OidcLogin> providers = new ArrayList<>();
    // The states of completed sign-ins are kept in the store: a callback replayed to any node is
    // refused.
    UsedOnce usedStates = UsedOnce.open(core.store(), clock);
    cfg.oidc().forEach(c -> providers.add(new OidcLogin(c, sessions, clock, usedStates)));
    // The providers' calls of OIDC sign-ins get a bound of their own, as the password checks do.
    BoundedWork providerCalls = BoundedWork.providerCalls();
    running.add(0, providerCalls);
    // And the bearer checks and session refreshes that any request can ask for, one of their own.
    BoundedWork tokenChecks = BoundedWork.tokenChecks();
    running.add(0, tokenChecks);
    TlsListener tls = devices.listener();
    EdgeGateway gateway =
        startGateway(
            cfg,
            tls,
            EdgeGateway.Settings.of(gw.host(), gw.port(), routes, core.pdp(), assertion, clock)
                .withSignIn(
                    new EdgeSignIn(
                        auth,
                        new IdentityProviders(providers),
                        cfg.redirectHosts(),
                        providerCalls,
                        tokenChecks))
                .withTls(tls)
                // Towards upstreams that are Vigil workloads the gateway proves its own SVID.
                .withUpstreamIdentity(upstreamIdentity(identityNow))
                .withGrants(grants));
    running.add(0, gateway);
    // Only now, so that a start refused before (a port in use, a bad key) writes nothing to the
    // store; the other nodes' JWKS serve the key within their short cache.
    assertion.publish();
    // The external-authorization endpoints' path is the one the node started with (a change in
    // the file waits for a restart); it is watched beside the routes'.
    RoutePolicyCheck policyCheck =
        new RoutePolicyCheck(routes::get, core.pdp(), Map.of(AUTHZ_POLICY_KEY, cfg.authzPolicy()));
    // A mode set on another node and withheld here, as this node's policy did not define the
    // route's path, applies once a bundle that defines it is activated.
    afterActivation.set(
        () -> {
          routeModes.recheck();
          policyCheck.run();
        });
    policyCheck.run();
    if (configFile != null) {
      ConfigWatcher reload =
          watchConfig(
              new ConfigReload(cfg, routeModes, auth, signIn, demoUsers).withGrants(grants),
              health,
              core.pdp(),
              policyCheck);
      // A change refused because the policy in service did not define a route's path yet is
      // applied once a bundle that defines it is activated, without another save of the file.
      afterActivation.set(
          () -> {
            reload.recheckRefused();
            routeModes.recheck();
            policyCheck.run();
          });
    }

    NodeIdentity identity = await(identityStart);
    // Last, once everything listens: a start that fails never uses up the password unseen.
    Optional<String> firstPassword = signIn.createFirstAdmin();
    banner(out, cfg, server.port(), cp, gateway, gw, tls, identity, firstPassword);
  }

  /**
   * Starts the gateway; a listener that cannot bind is named by the key that gave its address
   * ({@code gateway.addr} or {@code gateway.tls_addr}), as every other error about the file.
   */
  private static EdgeGateway startGateway(
      VigilConfig cfg, TlsListener tls, EdgeGateway.Settings settings) {
    try {
      return EdgeGateway.start(settings);
    } catch (ListenException e) {
      boolean secure = tls != null && e.port() == tls.port() && e.host().equals(tls.host());
      throw new ConfigException(
          cfg.where(secure ? "gateway.tls_addr" : "gateway.addr") + ": " + e.getMessage());
    }
  }

  /**
   * Opens the device store; on a shared store, a CA key that does not open the CA keys in it is
   * refused with what every node must share.
   */
  private static UpDevices openDevices(VigilConfig cfg, Store store, CaKeyCipher caKey) {
    try {
      return UpDevices.open(store, cfg, caKey);
    } catch (CaKeyCipher.KeyRefused e) {
      if (cfg.store() == null) {
        throw e;
      }
      throw new IllegalStateException(
          e.getMessage()
              + "; the nodes sharing store "
              + cfg.store().display()
              + " must all seal CA keys with the same key: copy ca.key from the data directory of"
              + " the node that started first, or set identity.ca_key_file or VIGIL_CA_KEY alike"
              + " on every node",
          e);
    }
  }

  /**
   * The gateway's SVIDs, bundles and revocations towards upstreams that are Vigil workloads, read
   * from the node's identity once it has started; until then there is no SVID to present, and every
   * serial counts as revoked (fail closed).
   */
  private static UpstreamIdentity upstreamIdentity(Supplier<NodeIdentity> identityNow) {
    return UpstreamIdentity.of(
        td -> Optional.ofNullable(identityNow.get()).map(n -> n.svids().held().get(td)),
        td ->
            Optional.ofNullable(identityNow.get())
                .flatMap(n -> n.identities().bundles().bundle(td)),
        (td, serial) -> {
          NodeIdentity n = identityNow.get();
          return n == null || n.identities().revocations().revoked(td, serial);
        });
  }

  /**
   * Opens the store and starts the decision point with its bundle, log, metrics and, when set, the
   * decision log's retention.
   */
  private Core startCore(VigilConfig cfg) {
    Store store;
    try {
      store = Store.open(cfg.storeLocation());
    } catch (StoreException e) {
      // A store named by the file, or kept in the data directory the file names, is named so.
      String place =
          cfg.store() == null ? dataDirPlace(cfg) : storeFlag != null ? "" : placeOf(cfg, "store");
      throw new ConfigException(place + e.getMessage());
    }
    running.add(store);
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withV0(cfg.v0Compatible())
                .withMasking(new Masking(cfg.mask(), List.of()))
                .withDecisionLog(log)
                .withNode(NodeName.current()));
    running.add(0, pdp);
    BundleWatcher watcher = null;
    if (cfg.bundle() != null) {
      watcher =
          new BundleWatcher(
              cfg.bundle(),
              Duration.ofSeconds(2),
              null,
              b -> {
                pdp.activate(b);
                afterActivation.get().run();
              });
      if (!watcher.loadNow()) {
        throw new ConfigException(
            placeOf(cfg, "policy.bundle")
                + "policy bundle "
                + cfg.bundle()
                + " refused: "
                + watcher.lastError());
      }
      watcher.start();
      running.add(0, watcher);
    }
    if (cfg.decisionRetention() != null) {
      running.add(
          0, DecisionRetention.start(store, cfg.decisionRetention(), InstantSource.system()));
    }
    PdpMetrics metrics = new PdpMetrics(log, pdp::namesRule);
    metrics.watch(pdp.unloggedRefusals());
    pdp.onDecision(new RouteMetrics(metrics));
    return new Core(store, log, pdp, watcher, metrics);
  }

  /**
   * Refuses a configuration whose monitored or enforced routes name a policy that is not there,
   * naming the file and line of the route's policy key.
   */
  private static void refuseRoutePoliciesNamingNothing(VigilConfig cfg, DecisionPoint pdp) {
    String wrong =
        cfg.bundle() == null
            ? null
            : RoutePolicies.namingNothing(
                cfg.routes(), r -> cfg.policyPlace(r.name()), pdp, cfg.bundle());
    if (wrong != null) {
      throw new ConfigException(wrong);
    }
  }

  private static final String AUTHZ_POLICY_KEY = "control_plane.authz_policy";

  /**
   * Refuses a configuration whose {@code control_plane.authz_policy}, written in the file, names a
   * policy that is not there, naming the file and line of the key: every request to the
   * external-authorization endpoints would be denied as undefined. Left out of the file, the
   * default path is not refused (a node may not use those endpoints at all); the policy check warns
   * of it instead.
   */
  private static void refuseAuthzPolicyNamingNothing(VigilConfig cfg, DecisionPoint pdp) {
    if (cfg.bundle() == null || cfg.authzPolicyPlace() == null) {
      return;
    }
    String wrong =
        RoutePolicies.pathNamingNothing(
            cfg.authzPolicyPlace(),
            cfg.authzPolicy(),
            "the external-authorization endpoints (/v1/authz/envoy, nginx, traefik)",
            pdp,
            cfg.bundle());
    if (wrong != null) {
      throw new ConfigException(wrong);
    }
  }

  /**
   * Gives a write of policies or data through OPA's API the checks a reload gets: a write that
   * would leave a {@code control_plane.authz_policy} written in the file naming nothing is refused,
   * as a reload with such a path is; after any write the same warnings as after a bundle's
   * activation name each route and configured path nothing defines any more.
   */
  private void checkApiChanges(VigilConfig cfg, DecisionPoint pdp) {
    if (cfg.authzPolicyPlace() != null) {
      pdp.checkChanges(
          RoutePolicies.keepsDefined(
              cfg.authzPolicyPlace(),
              cfg.authzPolicy(),
              "the external-authorization endpoints (/v1/authz/envoy, nginx, traefik)",
              pdp));
    }
    pdp.afterChanges(() -> afterActivation.get().run());
  }

  /**
   * Starts the control plane: OPA's API, external authorization and the console; over TLS when
   * {@code tls} is not null.
   */
  private PdpServer startControlPlane(
      VigilConfig cfg,
      Addresses cp,
      ServerTls tls,
      Core core,
      ApiToken apiToken,
      ConsoleSignIn signIn,
      RouteModes routes,
      Supplier<NodeIdentity> identity,
      HealthReport health,
      UpDevices devices,
      Grants grants) {
    ExternalAuthorizer authorizer = authorizer(cfg, core.pdp(), core.metrics());
    Console.Sources sources =
        new Console.Sources(
            new DecisionReader(core.store()),
            routes,
            () -> identity.get() == null ? null : identity.get().identities(),
            () -> identity.get() == null ? null : identity.get().svids(),
            health::pairs,
            InstantSource.system(),
            grants,
            core.pdp());
    BundleWatcher w = core.bundle();
    PdpServer server;
    try {
      server =
          PdpServer.start(
              cp.host(),
              cp.port(),
              core.pdp(),
              core.metrics(),
              new OpaApi.Options(
                  "system/main", 8L << 20, () -> w == null || w.activated(), apiToken),
              router -> {
                HttpAuthzRoutes.install(router, authorizer);
                Console.install(router, signIn, sources);
                devices.install(router, core.pdp());
                dev.vigil.insight.ReplayEndpoint.install(
                    router, core.pdp(), new DecisionReader(core.store()), apiToken);
              },
              tls);
    } catch (ListenException e) {
      throw new ConfigException(cfg.where("control_plane.addr") + ": " + e.getMessage());
    }
    running.add(0, server);
    return server;
  }

  /**
   * Reads the control plane's TLS files ({@code control_plane.tls_*}): null when it serves plain
   * HTTP.
   *
   * @throws ConfigException naming the key's line and the file when one cannot be used
   */
  static ServerTls controlPlaneTls(VigilConfig cfg) {
    VigilConfig.ControlPlaneTls files = cfg.controlPlaneTls();
    if (files == null) {
      return null;
    }
    try {
      return ServerTls.read(
          files.certFile(),
          files.keyFile(),
          files.clientCaFile(),
          cfg.where("control_plane.tls_cert") + ":",
          cfg.where("control_plane.tls_key") + ":",
          cfg.where("control_plane.tls_client_ca") + ":");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * The key {@code access.notify.secret_file} holds, or null when no webhook or no secret is
   * configured.
   *
   * @throws ConfigException naming the key's line when the file cannot be read or is empty
   */
  static byte[] notifySecret(VigilConfig cfg) {
    VigilConfig.AccessNotify n = cfg.accessNotify();
    if (n == null || n.secretFile() == null) {
      return null;
    }
    String text;
    try {
      text = Files.readString(n.secretFile(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new ConfigException(
          cfg.where("access.notify.secret_file")
              + ": "
              + n.secretFile()
              + ": "
              + FileProblems.reason(e));
    }
    if (text.isEmpty()) {
      throw new ConfigException(
          cfg.where("access.notify.secret_file") + ": " + n.secretFile() + " is empty");
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private CompletableFuture<NodeIdentity> startIdentity(
      VigilConfig cfg, Core core, InstantSource clock, CaKeyCipher caKey) {
    CompletableFuture<NodeIdentity> f =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return NodeIdentity.start(
                    cfg, core.store(), clock, core.metrics().registry(), caKey);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    // On a failed start or at stop: wait for it to be up, then close it.
    running.add(
        0,
        () -> {
          try {
            f.join().close();
          } catch (CompletionException e) {
            // It did not start: nothing to close.
          }
        });
    return f;
  }

  private static NodeIdentity startedOrNull(CompletableFuture<NodeIdentity> f) {
    return f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
  }

  /** Waits for the identity services; rethrows what stopped them, as it was thrown. */
  private static NodeIdentity await(CompletableFuture<NodeIdentity> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    }
  }

  private ConfigWatcher watchConfig(
      ConfigReload apply, HealthReport health, DecisionPoint pdp, Runnable afterApply) {
    // --store wins over the file at every reread too, so that it reads as unchanged.
    StoreLocation flag = storeFlag;
    ConfigWatcher reload =
        new ConfigWatcher(
            configFile,
            dataDir,
            demoApprovers(),
            next -> {
              // A route whose policy names nothing is refused like any bad line of the file.
              refuseRoutePoliciesNamingNothing(next, pdp);
              // So is an authz_policy that names nothing: the next start would refuse it.
              refuseAuthzPolicyNamingNothing(next, pdp);
              apply.apply(flag == null ? next : next.withStore(flag));
              afterApply.run();
            });
    reload.start(Duration.ofSeconds(1));
    running.add(0, reload);
    health.watch(reload);
    return reload;
  }

  private static ExternalAuthorizer authorizer(
      VigilConfig cfg, DecisionPoint pdp, PdpMetrics metrics) {
    try {
      return new ExternalAuthorizer(
          pdp,
          metrics,
          PolicyPath.parse(cfg.authzPolicy()),
          new PolicyInputBuilder(
              TrustedProxies.parse(cfg.trustedProxies()), InstantSource.system()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("control_plane: " + e.getMessage());
    }
  }

  private void banner(
      PrintWriter out,
      VigilConfig cfg,
      int cpPort,
      Addresses cp,
      EdgeGateway gateway,
      Addresses gw,
      TlsListener tls,
      NodeIdentity identity,
      Optional<String> firstPassword) {
    String control =
        (cfg.controlPlaneTls() == null ? "http://" : "https://")
            + Addresses.hostForUrl(cp.host())
            + ":"
            + cpPort;
    out.println(
        "vigil up: control plane   "
            + control
            + "  (OPA REST API, /health, /metrics, /v1/authz/{envoy,nginx,traefik})");
    out.println(
        "vigil up: API writes      need the bearer token in "
            + cfg.dataDir().resolve(API_TOKEN_FILE).toAbsolutePath().normalize()
            + "  (PUT, PATCH, DELETE on /v1/policies, /v1/data; /v1/insight)");
    out.println("vigil up: console         " + control + "/console/");
    firstPassword.ifPresent(
        pw ->
            out.println(
                "vigil up: first admin     "
                    + AdminAccounts.FIRST_ADMIN
                    + " / "
                    + pw
                    + "  (one-time password: the console asks for a new one;"
                    + " it is shown only now)"));
    out.println(
        "vigil up: gateway         http://"
            + Addresses.hostForUrl(gw.host())
            + ":"
            + gateway.port()
            + "  ("
            + cfg.routes().size()
            + " routes, sign in at /auth/login)");
    if (tls != null) {
      out.println(UpDevices.banner(tls, gateway.tlsPort()));
    }
    out.println(
        "vigil up: workload API    unix:"
            + identity.socket().toAbsolutePath().normalize()
            + "  (trust domains: "
            + (cfg.identity().trustDomains().isEmpty()
                ? "none"
                : String.join(", ", cfg.identity().trustDomains()))
            + ")");
    out.println("vigil up: data directory  " + cfg.dataDir().toAbsolutePath().normalize());
    if (cfg.store() != null) {
      out.println(
          "vigil up: store           "
              + cfg.store().display()
              + (cfg.store().dialect() == Dialect.POSTGRESQL ? " (shared)" : ""));
    }
    if (cfg.bundle() != null) {
      out.println("vigil up: policy bundle   " + cfg.bundle() + " (reloads on change)");
    }
    if (configFile != null) {
      out.println(
          "vigil up: configuration   "
              + configFile.toAbsolutePath().normalize()
              + " (routes and users reload on change)");
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
    for (int i = 0; i < cfg.routes().size(); i++) {
      URI up = cfg.routes().get(i).upstream();
      String key = up.getHost() + ":" + up.getPort();
      if (started.add(key)) {
        if (!up.getHost().equals("127.0.0.1") && !up.getHost().equals("localhost")) {
          continue;
        }
        try {
          running.add(EchoUpstream.start(up.getHost(), up.getPort(), "echo"));
        } catch (IOException e) {
          // Named by the route whose upstream it is, as every other listener by its key.
          throw new ConfigException(
              placeOf(cfg, "routes[" + i + "].upstream")
                  + "demo upstream "
                  + key
                  + " cannot start: "
                  + dev.vigil.pdp.BindFailure.reason(e));
        }
      }
    }
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
    for (DataDirLock held : new DataDirLock[] {storeLock, lock}) {
      if (held == null) {
        continue;
      }
      try {
        held.close();
      } catch (IOException e) {
        // The process ends next, and the system releases the lock with it.
      }
    }
  }
}
