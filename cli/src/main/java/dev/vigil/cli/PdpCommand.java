package dev.vigil.cli;

import dev.vigil.console.RoutePolicyCheck;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.FileProblems;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleSignatures;
import dev.vigil.pdp.bundle.BundleWatcher;
import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import dev.vigil.pdp.extauthz.HttpAuthzRoutes;
import dev.vigil.pdp.extauthz.PolicyInputBuilder;
import dev.vigil.pdp.extauthz.TrustedProxies;
import dev.vigil.pdp.extauthz.grpc.GrpcAuthzServer;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRetention;
import dev.vigil.store.OverflowPolicy;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil pdp}: runs the decision point alone, with OPA's REST API. */
@Command(
    name = "pdp",
    mixinStandardHelpOptions = true,
    description = "Run the policy decision point: OPA's REST API, bundles, decision log.")
final class PdpCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(PdpCommand.class);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--bundle",
      paramLabel = "PATH|URL",
      description = "Bundle directory, .tar.gz file or http(s) URL to serve.")
  String bundle;

  @Option(
      names = "--addr",
      defaultValue = "127.0.0.1:8181",
      description = "Address of the REST API (default: ${DEFAULT-VALUE}).")
  String addr;

  @Mixin StoreOptions store;

  @Option(names = "--v0-compatible", description = "Parse policies with Rego v0 syntax.")
  boolean v0;

  @Option(
      names = "--default-decision",
      defaultValue = "system/main",
      description = "Policy path that POST / answers (default: ${DEFAULT-VALUE}).")
  String defaultDecision;

  @Option(
      names = "--poll-interval",
      defaultValue = "5s",
      description = "How often the bundle source is checked (default: ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(
      names = "--mode",
      paramLabel = "PATH=MODE",
      description =
          "Mode of a policy path: observe, monitor or enforce (repeatable); a monitor or"
              + " enforce path naming nothing in the bundle, or a path given twice, stops"
              + " start-up. The external-authorization endpoints let a would-be denial through;"
              + " /v1/data answers the policy's result (monitor) or nothing (observe), which"
              + " its clients enforce.")
  List<String> modes = new ArrayList<>();

  @Option(
      names = "--mask",
      paramLabel = "PATH",
      description = "Input field to erase from the decision log, e.g. /input/password.")
  List<String> masks = new ArrayList<>();

  @Option(
      names = "--log-overflow",
      defaultValue = "block",
      description = "When the decision log falls behind: block or fail-closed (default: block).")
  String overflow;

  @Mixin LogRetainOption logRetain;

  @Option(
      names = "--grpc-addr",
      paramLabel = "HOST:PORT",
      description = "Serve Envoy's ext_authz gRPC Check on this address (off by default).")
  String grpcAddr;

  @Option(
      names = "--trusted-proxy",
      paramLabel = "CIDR",
      description =
          "Proxy whose X-Forwarded-*/X-Original-* headers describe the request to the"
              + " authorization endpoints (repeatable; none by default).")
  List<String> trustedProxies = new ArrayList<>();

  @Option(
      names = "--authz-path",
      defaultValue = "authz/allow",
      description =
          "Policy path the external-authorization endpoints ask (default: ${DEFAULT-VALUE}).")
  String authzPath;

  @Option(
      names = "--api-token-file",
      paramLabel = "FILE",
      description =
          "Take policy and data writes (PUT, PATCH, DELETE on /v1/policies and /v1/data) from"
              + " clients that send Authorization: Bearer with the token in FILE, made there"
              + " (owner-only) when missing. Without it the API takes no writes.")
  Path apiTokenFile;

  @ArgGroup(exclusive = false)
  Verification verification;

  @ArgGroup(exclusive = false)
  Tls tls;

  static final class Tls {
    @Option(
        names = "--tls-cert",
        required = true,
        paramLabel = "FILE",
        description = "PEM certificate chain: serve the REST API and gRPC over TLS.")
    Path cert;

    @Option(
        names = "--tls-key",
        required = true,
        paramLabel = "FILE",
        description = "PEM private key of --tls-cert (PKCS#8, SEC 1 or PKCS#1).")
    Path key;

    @Option(
        names = "--tls-client-ca",
        paramLabel = "FILE",
        description = "PEM CA certificates: require client certificates issued by them (mTLS).")
    Path clientCa;
  }

  static final class Verification {
    @Option(
        names = "--verification-key",
        required = true,
        paramLabel = "FILE",
        description = "PEM public key (or HMAC secret file) that bundles must be signed with.")
    Path key;

    @Option(
        names = "--verification-alg",
        defaultValue = "RS256",
        description = "Signature algorithm of bundles (default: ${DEFAULT-VALUE}).")
    String alg;

    @Option(names = "--verification-key-id", description = "Key id bundles must name.")
    String keyId;
  }

  private static ApiToken readApiToken(Path file) {
    try {
      return ApiToken.loadOrCreate(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("--api-token-file " + FileProblems.describe(file, e), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--api-token-file: " + e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    var out = spec.commandLine().getOut();
    Addresses address;
    Duration interval;
    ModeTable modeTable;
    OverflowPolicy overflowPolicy;
    Duration retain;
    BundleSignatures.VerificationKey key = null;
    Addresses grpcAddress = null;
    TrustedProxies proxies;
    PolicyPath authz;
    ServerTls serverTls = null;
    ApiToken writeToken = null;
    try {
      if (tls != null) {
        serverTls = ServerTls.read(tls.cert, tls.key, tls.clientCa);
      }
      address = Addresses.parse(addr, "--addr");
      if (grpcAddr != null) {
        grpcAddress = Addresses.parse(grpcAddr, "--grpc-addr");
      }
      proxies = TrustedProxies.parse(trustedProxies);
      authz = PolicyPath.parse(authzPath);
      try {
        PolicyPath.parse(defaultDecision);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--default-decision: " + e.getMessage(), e);
      }
      interval = Durations.positive("--poll-interval", pollInterval);
      modeTable = modeTable(modes);
      overflowPolicy =
          switch (overflow) {
            case "block" -> OverflowPolicy.BLOCK;
            case "fail-closed" -> OverflowPolicy.FAIL_CLOSED;
            default ->
                throw new IllegalArgumentException(
                    "--log-overflow \"" + overflow + "\" must be block or fail-closed");
          };
      retain = logRetain.retain();
      if (apiTokenFile != null) {
        writeToken = readApiToken(apiTokenFile);
      }
      for (String m : masks) {
        try {
          Masking.check(m);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--mask: " + e.getMessage(), e);
        }
      }
      if (verification != null) {
        key =
            new BundleSignatures.VerificationKey(
                verification.keyId, verification.alg, readKey(verification.key), null);
        try {
          BundleSignatures.checkKey(key);
        } catch (BundleException e) {
          throw new IllegalArgumentException(
              "--verification-key " + verification.key + ": " + e.getMessage(), e);
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("vigil pdp: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Store st;
    try {
      st = store.openOrCreate();
    } catch (StoreException | IllegalArgumentException e) {
      err.println("vigil pdp: " + e.getMessage());
      return 1;
    }
    DecisionLog log =
        new DecisionLog(st, DecisionLog.Options.defaults().withOverflow(overflowPolicy));
    DecisionRetention retention =
        retain == null ? null : DecisionRetention.start(st, retain, InstantSource.system());
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withV0(v0)
                .withModes(modeTable)
                .withMasking(new Masking(masks, List.of()))
                .withDecisionLog(log)
                .withNode(NodeName.current()));
    BundleWatcher watcher = null;
    // The policy paths other than modes': the external-authorization endpoints' always, OPA's
    // default decision when given (its default, system/main, is OPA's convention and rarely
    // written). A path given on the command line that names nothing stops start-up; one left at
    // its default, or one a later bundle drops, is warned of.
    Map<String, String> paths = new TreeMap<>();
    paths.put("--authz-path", authzPath);
    if (given("--default-decision")) {
      paths.put("--default-decision", defaultDecision);
    }
    RoutePolicyCheck policyCheck =
        new RoutePolicyCheck(() -> new RouteTable(List.of()), pdp, paths);
    // A write through OPA's policy API gets the same checks: one that would leave a path given on
    // the command line naming nothing is refused, and after any the same warnings are given.
    paths.forEach(
        (option, path) -> {
          if (given(option)) {
            pdp.checkChanges(RoutePolicies.keepsDefined(option, path, asks(option), pdp));
          }
        });
    pdp.afterChanges(
        () -> {
          warnOfModesNamingNothing(pdp);
          policyCheck.run();
        });
    // The bundle loaded at start is checked below, and a typo there stops start-up instead.
    AtomicBoolean startedUp = new AtomicBoolean();
    if (bundle != null) {
      watcher =
          new BundleWatcher(
              bundle,
              interval,
              key,
              b -> {
                pdp.activate(b);
                if (startedUp.get()) {
                  warnOfModesNamingNothing(pdp);
                  policyCheck.run();
                }
              });
      if (!watcher.loadNow()) {
        err.println("vigil pdp: bundle " + bundle + " refused: " + watcher.lastError());
        err.println("vigil pdp: serving without policy until a good bundle arrives");
      } else {
        String wrong = modesNamingNothing(pdp, modes, bundle);
        if (wrong == null) {
          wrong = givenPathsNamingNothing(pdp, paths, bundle);
        }
        if (wrong != null) {
          err.println("vigil pdp: " + wrong);
          watcher.close();
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
    }
    BundleWatcher w = watcher;
    PdpMetrics metrics = new PdpMetrics(log, pdp::namesRule);
    ExternalAuthorizer authorizer =
        new ExternalAuthorizer(
            pdp, metrics, authz, new PolicyInputBuilder(proxies, pdp.options().clock()));
    PdpServer server;
    GrpcAuthzServer grpc = null;
    try {
      server =
          PdpServer.start(
              address.host(),
              address.port(),
              pdp,
              metrics,
              new OpaApi.Options(defaultDecision, 8L << 20, () -> w == null || w.activated(), null)
                  .withWriteToken(writeToken),
              router -> HttpAuthzRoutes.install(router, authorizer),
              serverTls);
      if (grpcAddress != null) {
        grpc = GrpcAuthzServer.start(grpcAddress.host(), grpcAddress.port(), authorizer, serverTls);
      }
    } catch (IllegalStateException e) {
      err.println("vigil pdp: " + e.getMessage());
      if (retention != null) {
        retention.close();
      }
      pdp.close();
      st.close();
      return 1;
    }
    out.println(
        "vigil pdp: REST API on "
            + (serverTls == null ? "http" : "https")
            + "://"
            + Addresses.hostForUrl(address.host())
            + ":"
            + server.port());
    if (grpc != null) {
      out.println(
          "vigil pdp: Envoy ext_authz gRPC on "
              + grpcAddress.host()
              + ":"
              + grpc.port()
              + (serverTls == null ? " (plaintext)" : " (TLS)"));
    }
    out.println(
        apiTokenFile == null
            ? "vigil pdp: API writes off (--api-token-file FILE takes them with its token)"
            : "vigil pdp: API writes need the bearer token in " + apiTokenFile.toAbsolutePath());
    GrpcAuthzServer g = grpc;
    out.println("vigil pdp: store " + st.location().display());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (g != null) {
                    g.close();
                  }
                  server.close();
                  if (w != null) {
                    w.close();
                  }
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

  /** Whether the option was given on the command line, rather than left at its default. */
  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  /**
   * Returns the error for the first of {@code paths} given on the command line that names nothing
   * in the bundle just loaded, or null.
   */
  /** Returns what asks the path of {@code option}, for an error about it. */
  private static String asks(String option) {
    return option.equals("--authz-path")
        ? "the external-authorization endpoints (/v1/authz/envoy, nginx, traefik, and the"
            + " gRPC Check)"
        : "POST / (OPA's default decision)";
  }

  private String givenPathsNamingNothing(
      DecisionPoint pdp, Map<String, String> paths, String bundle) {
    for (Map.Entry<String, String> e : paths.entrySet()) {
      if (!given(e.getKey())) {
        continue;
      }
      String wrong =
          RoutePolicies.pathNamingNothing(e.getKey(), e.getValue(), asks(e.getKey()), pdp, bundle);
      if (wrong != null) {
        return wrong;
      }
    }
    return null;
  }

  /**
   * Warns, on each bundle activated after start-up, of {@code --mode} paths the new bundle has
   * nothing at; the bundle still activates, as refusing it would also refuse its fixes.
   */
  private static void warnOfModesNamingNothing(DecisionPoint pdp) {
    List<String> nothing = pdp.modesNamingNothing();
    if (!nothing.isEmpty()) {
      log.warn(
          "--mode paths name no rule or data in the bundle just activated: paths={} revision={}",
          nothing,
          pdp.revision());
    }
  }

  private static String readKey(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--verification-key " + p + ": cannot read it: " + FileProblems.reason(e));
    }
  }

  /**
   * Reads the {@code --mode} options. A malformed one, an unknown mode, or a path given twice (also
   * when written differently: {@code authz}, {@code /authz/}, {@code data.authz}) is refused naming
   * the option: the last one winning would silently undo the other.
   */
  static ModeTable modeTable(List<String> modes) {
    Map<String, Mode> m = new LinkedHashMap<>();
    Map<PolicyPath, String> given = new HashMap<>();
    for (String spec : modes) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || spec.substring(0, eq).isBlank()) {
        throw new IllegalArgumentException(
            "--mode \"" + spec + "\" must be PATH=MODE, like authz/allow=monitor");
      }
      PolicyPath path;
      Mode mode;
      try {
        path = PolicyPath.parse(spec.substring(0, eq));
        mode = Mode.parse(spec.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--mode \"" + spec + "\": " + e.getMessage(), e);
      }
      String before = given.putIfAbsent(path, spec);
      if (before != null) {
        throw new IllegalArgumentException(
            "--mode \""
                + spec
                + "\": path "
                + shown(path.slashed())
                + " already has a mode, from --mode \""
                + before
                + "\"; give each path one --mode");
      }
      m.put(path.slashed(), mode);
    }
    return new ModeTable(m, Mode.ENFORCE);
  }

  /**
   * Returns the error for {@code --mode} paths that name no rule or document in the bundle just
   * loaded, or null when each names something: such a mode would apply to no decision, and a path
   * meant to narrow a wider mode would leave the wider one in force.
   */
  static String modesNamingNothing(DecisionPoint pdp, List<String> modes, String bundle) {
    List<String> nothing = pdp.modesNamingNothing();
    if (nothing.isEmpty()) {
      return null;
    }
    List<String> wrong = new ArrayList<>();
    for (String path : nothing) {
      String spec = path;
      for (String m : modes) {
        int eq = m.indexOf('=');
        if (PolicyPath.parse(m.substring(0, eq)).slashed().equals(path)) {
          spec = m;
        }
      }
      wrong.add("--mode \"" + spec + "\": path " + shown(path));
    }
    return String.join("; ", wrong)
        + (wrong.size() == 1 ? " names" : " name")
        + " no rule or data in bundle "
        + bundle
        + "; its rules: "
        + RoutePolicies.listed(pdp.rulePaths());
  }

  private static String shown(String slashed) {
    return slashed.isEmpty() ? "/" : slashed;
  }
}
