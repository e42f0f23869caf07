package dev.vigil.cli;

import dev.vigil.access.Entitlement;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.identity.SpiffeId;
import dev.vigil.insight.BlastRadius;
import dev.vigil.insight.BlastSubject;
import dev.vigil.insight.CandidatePolicy;
import dev.vigil.insight.Window;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil insight blast-radius SUBJECT}: what an identity could reach if it were compromised,
 * under the policy in service and a candidate, and along the calls the log shows.
 */
@Command(
    name = "blast-radius",
    mixinStandardHelpOptions = true,
    description = {
      "If SUBJECT (user:ID or a SPIFFE ID) were compromised, what could it reach: each configured"
          + " route and action under the policy in service (and --bundle, a candidate), and the"
          + " workloads and routes its allowed calls in the window lead to.",
      "Exit status: 0 measured, 2 bad input, 1 the store cannot be read."
    })
final class InsightBlastRadiusCommand implements Callable<Integer> {

  private static final String NAME = "vigil insight blast-radius";

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Parameters(
      index = "0",
      paramLabel = "SUBJECT",
      description = "user:ID, or a workload's SPIFFE ID (spiffe://prod.example/web).")
  String subject;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The node's vigil.yaml: the edge routes, and the bundle in service.")
  Path config;

  @Option(
      names = "--sidecar",
      paramLabel = "SPIFFE_ID=FILE",
      description =
          "The sidecar configuration of the workload SPIFFE_ID: its inbound routes (repeatable).")
  Map<String, Path> sidecars = new LinkedHashMap<>();

  @Option(
      names = "--in-service",
      paramLabel = "DIR|FILE",
      description = "The bundle in service; default: policy.bundle of --config.")
  Path inService;

  @Option(
      names = "--bundle",
      paramLabel = "DIR|FILE",
      description = "A candidate bundle, to measure the reduction it would bring.")
  Path bundle;

  @Option(names = "--role", paramLabel = "ROLE", description = "A role, instead of the logged.")
  List<String> roles;

  @Option(names = "--group", paramLabel = "GROUP", description = "A group, instead of the logged.")
  List<String> groups;

  @Option(names = "--mfa", paramLabel = "BOOL", description = "true or false, for the logged.")
  String mfa;

  @Option(
      names = "--managed-device",
      paramLabel = "BOOL",
      description = "true or false: whether the requests come from a managed device.")
  String managedDevice;

  @Option(
      names = "--grant",
      paramLabel = "ENTITLEMENT",
      description =
          "Measure as if the user held an approved grant of ENTITLEMENT (repeatable): what a"
              + " just-in-time grant would add to its standing access.")
  List<String> grants;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(
      names = "--v0-compatible",
      description = "Parse the bundles' policies with Rego v0 syntax (also policy.v0_compatible).")
  boolean v0;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Window w;
    BlastSubject.Overrides overrides;
    BlastRadius.Estate estate;
    Path live;
    DecisionPoint.Options options;
    try {
      if (!format.equals("text") && !format.equals("json")) {
        throw new IllegalArgumentException("--format must be text or json, not \"" + format + "\"");
      }
      w = window.window(Instant.now());
      VigilConfig cfg = config == null ? null : readConfig(config);
      overrides =
          new BlastSubject.Overrides(
              roles,
              groups,
              bool("--mfa", mfa),
              bool("--managed-device", managedDevice),
              grants(cfg));
      estate = new BlastRadius.Estate(cfg == null ? List.of() : cfg.routes(), sidecarRoutes());
      live = inService(cfg);
      options = DecisionPoint.Options.defaults().withV0(v0 || (cfg != null && cfg.v0Compatible()));
    } catch (IllegalArgumentException e) {
      err.println(NAME + ": " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    String liveOption = inService != null ? "--in-service" : "policy.bundle of --config " + config;
    try (CandidatePolicy now = load(liveOption, live, options);
        CandidatePolicy next = bundle == null ? null : load("--bundle", bundle, options);
        Store st = window.store.openExisting(config)) {
      BlastSubject s;
      BlastRadius radius;
      try {
        s = BlastSubject.find(st, w, subject, overrides);
        radius = BlastRadius.measure(st, w, s, estate, now, next, window.route);
      } catch (IllegalArgumentException e) {
        err.println(NAME + ": " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      out.print(format.equals("json") ? radius.json() + System.lineSeparator() : radius.text());
      return 0;
    } catch (Refused e) {
      err.println(NAME + ": " + e.getMessage());
      return Vigil.EXIT_USAGE;
    } catch (IllegalArgumentException | StoreException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
  }

  /** A bundle refused: bad input, unlike a store that cannot be read. */
  private static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private static CandidatePolicy load(String option, Path path, DecisionPoint.Options options) {
    try {
      return CandidatePolicy.load(path, options);
    } catch (BundleException e) {
      throw new Refused(option + " refused: " + e.getMessage());
    }
  }

  /** Reads the node's vigil.yaml as the other insight commands do. */
  private static VigilConfig readConfig(Path file) {
    try {
      return NodeConfigs.read(file);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The inbound routes of each sidecar given, by the SPIFFE ID of its workload. */
  private Map<String, List<Route>> sidecarRoutes() {
    if (config == null && sidecars.isEmpty()) {
      throw new IllegalArgumentException(
          "no routes to measure: give --config vigil.yaml, --sidecar SPIFFE_ID=FILE, or both");
    }
    Map<String, List<Route>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : sidecars.entrySet()) {
      String id;
      try {
        id = SpiffeId.parse(e.getKey()).toString();
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(
            "--sidecar \"" + e.getKey() + "\": " + bad.getMessage(), bad);
      }
      if (!Files.isRegularFile(e.getValue())) {
        throw new IllegalArgumentException(
            "--sidecar " + id + "=" + e.getValue() + ": no such configuration file");
      }
      List<Route> routes = new ArrayList<>();
      try {
        SidecarConfig.read(e.getValue()).inbound().forEach(i -> routes.add(i.route()));
      } catch (ConfigException bad) {
        throw new IllegalArgumentException("--sidecar " + bad.getMessage(), bad);
      }
      out.put(id, routes);
    }
    return out;
  }

  private Path inService(VigilConfig cfg) {
    if (inService != null) {
      return inService;
    }
    String b = cfg == null ? null : cfg.bundle();
    if (b == null) {
      throw new IllegalArgumentException(
          "no policy in service: give --in-service DIR|FILE, or a --config whose policy.bundle"
              + " names one");
    }
    if (b.startsWith("http://") || b.startsWith("https://")) {
      throw new IllegalArgumentException(
          "the bundle in service is "
              + b
              + ", a URL insight does not fetch: give --in-service"
              + " DIR|FILE, a copy of it");
    }
    return Path.of(b);
  }

  /**
   * The entitlements of {@code --grant}; each must be one of the configuration's when it is given.
   *
   * @throws IllegalArgumentException naming an entitlement that is blank or not configured
   */
  private List<String> grants(VigilConfig cfg) {
    if (grants == null) {
      return null;
    }
    List<String> known =
        cfg == null ? null : cfg.entitlements().stream().map(Entitlement::name).toList();
    for (String g : grants) {
      if (g.isBlank()) {
        throw new IllegalArgumentException("--grant must name an entitlement, not \"" + g + "\"");
      }
      if (known != null && !known.contains(g)) {
        throw new IllegalArgumentException(
            "--grant \""
                + g
                + "\" is no entitlement of "
                + config
                + (known.isEmpty() ? " (it has none)" : "; it has " + String.join(", ", known)));
      }
    }
    return List.copyOf(grants);
  }

  private static Boolean bool(String option, String value) {
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              option + " must be true or false, not \"" + value + "\"");
    };
  }
}
