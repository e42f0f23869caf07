package dev.vigil.insight;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.insight.EstateConfig.Listener;
import dev.vigil.insight.EstateConfig.Placed;
import dev.vigil.insight.InvariantReport.Finding;
import dev.vigil.insight.InvariantReport.Result;
import dev.vigil.insight.InvariantReport.Source;
import dev.vigil.insight.InvariantReport.Status;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks the security invariants of an estate: rules that hold in every environment, each checked
 * against the configuration (what could happen) and the decision log of a window (what did happen),
 * with the places and decision ids that show it (docs/insight.md, "Security invariants").
 *
 * <p>The log is read once, a few batches at a time ({@link DecisionScan}); each invariant keeps its
 * findings grouped by what they are, with a count and the first few ids, so a long window costs
 * time, not memory. Reads only. One check is made by one thread.
 */
public final class SecurityInvariants {

  private final EstateConfig config;
  private final InvariantSettings settings;
  private final Window window;

  private final Map<String, Findings> violations = new LinkedHashMap<>();
  private final Map<String, Findings> notes = new LinkedHashMap<>();
  private final Map<String, Long> inScope = new TreeMap<>();
  private final Set<String> routesWithAdminDecisions = new TreeSet<>();
  private final Map<String, Set<String>> environmentsOfDomain = new TreeMap<>();
  private final Map<String, Findings> sharedInLog = new TreeMap<>();
  private long decisions;

  private SecurityInvariants(EstateConfig config, InvariantSettings settings, Window window) {
    this.config = config;
    this.settings = settings;
    this.window = window;
    for (String name : InvariantSettings.ALL) {
      violations.put(name, new Findings(settings.evidence()));
      notes.put(name, new Findings(settings.evidence()));
    }
  }

  /**
   * Checks the invariants {@code settings} (or, when null, the node's file) turns on.
   *
   * @param node the node's configuration, as {@code vigil up} reads it from {@code vigilYaml}
   * @param vigilYaml the file it was read from, whose places the evidence names
   * @param sidecars the configurations of the sidecars whose listeners count, maybe none
   * @param settings the invariants and their selectors, or null for those of {@code vigilYaml}
   * @param route only decisions of this route, or null for all
   * @throws ConfigException naming the file, line and key of a bad value
   * @throws dev.vigil.store.StoreException when the log or the CA keys cannot be read
   */
  public static InvariantReport check(
      VigilConfig node,
      Path vigilYaml,
      List<Path> sidecars,
      InvariantSettings settings,
      Store store,
      Window window,
      String route) {
    EstateConfig config = EstateConfig.read(node, vigilYaml, sidecars);
    InvariantSettings s = settings == null ? InvariantSettings.ofConfig(vigilYaml) : settings;
    SecurityInvariants check = new SecurityInvariants(config, s, window);
    new DecisionScan(store)
        .forEach(
            window.since(),
            window.until(),
            route,
            r -> {
              if (window.contains(r.timestamp())) {
                check.decision(DecisionFacts.of(r));
              }
            });
    List<String> unsealed =
        s.enabled().contains(InvariantSettings.NO_EMBEDDED_SECRETS)
            ? CaKeyCipher.unsealed(store)
            : List.of();
    return check.report(unsealed);
  }

  /** Reads one decision of the window for every invariant. */
  private void decision(DecisionFacts f) {
    decisions++;
    if (f.refusal() != null) {
      return; // refused before any policy: nothing reached a service
    }
    dataAccess(f);
    serviceMtls(f);
    adminAccess(f);
    trustDomainOfCaller(f);
  }

  // production-data-access

  private boolean dataSelected(String environment, String classification) {
    return in(settings.dataEnvironments(), environment)
        && in(settings.dataClassifications(), classification);
  }

  private void dataAccess(DecisionFacts f) {
    if (!dataSelected(f.environment(), f.classification())) {
      return;
    }
    count(InvariantSettings.DATA_ACCESS);
    if (!f.letThrough()) {
      return;
    }
    String id = f.record().decisionId();
    Findings v = violations.get(InvariantSettings.DATA_ACCESS);
    switch (f.caller()) {
      case DecisionFacts.ANONYMOUS ->
          v.add(Source.LOG, "let through without a signed-in caller", id);
      case DecisionFacts.WORKLOAD ->
          notes
              .get(InvariantSettings.DATA_ACCESS)
              .add(Source.LOG, "let through to a workload (its SVID: see service-mtls)", id);
      default -> {
        if (!f.mfa()) {
          v.add(Source.LOG, "let through without a second factor (input.subject.mfa)", id);
        }
        if (f.grants() == null) {
          v.add(Source.LOG, "let through with no input.grants in the log (masked?)", id);
        } else if (f.grants().stream().noneMatch(g -> approvedFor(g, f))) {
          v.add(Source.LOG, "let through without an active approved grant", id);
        }
      }
    }
  }

  private boolean approvedFor(DecisionFacts.GrantFact g, DecisionFacts f) {
    return g.approved()
        && g.countsAt(f.record().timestamp())
        && (settings.dataEntitlements().isEmpty()
            || in(settings.dataEntitlements(), g.entitlement()));
  }

  private void dataAccessConfig() {
    Findings v = violations.get(InvariantSettings.DATA_ACCESS);
    for (Listener l : config.listeners()) {
      if (!dataSelected(l.environment(), l.classification())) {
        continue;
      }
      count(InvariantSettings.DATA_ACCESS + " listeners");
      if (l.mode() != Mode.ENFORCE) {
        v.add(
            Source.CONFIG,
            l.title()
                + " guards "
                + l.environment()
                + " "
                + l.classification()
                + " data in "
                + l.mode().label()
                + " mode, not enforce",
            l.placeOf("mode"));
      }
    }
  }

  // service-mtls

  private void serviceMtls(DecisionFacts f) {
    if (f.transport() == null || !in(settings.mtlsEnvironments(), f.environment())) {
      return;
    }
    count(InvariantSettings.SERVICE_MTLS);
    String id = f.record().decisionId();
    Findings v = violations.get(InvariantSettings.SERVICE_MTLS);
    if (!f.transport().equals("mtls")) {
      v.add(
          Source.LOG,
          "sidecar decision on a "
              + f.environment()
              + " listener over "
              + (f.transport().equals("tls") ? "TLS without a client certificate" : "plaintext"),
          id);
      return;
    }
    List<String> own = settings.trustDomains().get(f.environment());
    if (f.letThrough() && own != null && !in(own, f.trustDomain())) {
      v.add(
          Source.LOG,
          "let through a caller of trust domain "
              + f.trustDomain()
              + " into "
              + f.environment()
              + ", whose trust domains are "
              + own,
          id);
    }
  }

  private void serviceMtlsConfig() {
    for (Listener l : config.listeners()) {
      if (l.peerMode() == null || !in(settings.mtlsEnvironments(), l.environment())) {
        continue;
      }
      count(InvariantSettings.SERVICE_MTLS + " listeners");
      if (l.peerMode().equals("PERMISSIVE")) {
        violations
            .get(InvariantSettings.SERVICE_MTLS)
            .add(
                Source.CONFIG,
                l.title()
                    + " in "
                    + l.environment()
                    + " takes callers without a certificate"
                    + " (peer_mode PERMISSIVE)",
                l.placeOf("peer_mode"));
      }
    }
  }

  // admin-time-bound

  private void adminAccess(DecisionFacts f) {
    if (!"admin".equals(f.action())) {
      return;
    }
    count(InvariantSettings.ADMIN_TIME_BOUND);
    if (f.record().route() != null) {
      routesWithAdminDecisions.add(f.record().route());
    }
    if (!f.letThrough()) {
      return;
    }
    String id = f.record().decisionId();
    Findings v = violations.get(InvariantSettings.ADMIN_TIME_BOUND);
    if (!f.caller().equals(DecisionFacts.USER)) {
      v.add(Source.LOG, "admin action let through without a person holding a grant", id);
    } else if (f.grants() == null) {
      v.add(Source.LOG, "admin action let through with no input.grants in the log (masked?)", id);
    } else if (f.grants().stream().noneMatch(g -> g.countsAt(f.record().timestamp()))) {
      v.add(Source.LOG, "admin action let through without an active grant", id);
    } else if (f.grants().stream()
        .filter(g -> g.countsAt(f.record().timestamp()))
        .allMatch(DecisionFacts.GrantFact::breakGlass)) {
      notes
          .get(InvariantSettings.ADMIN_TIME_BOUND)
          .add(Source.LOG, "admin action let through on a break-glass grant", id);
    }
  }

  private void adminConfig() {
    Findings v = violations.get(InvariantSettings.ADMIN_TIME_BOUND);
    for (EstateConfig.EntitlementPlaces e : config.entitlements()) {
      count(InvariantSettings.ADMIN_TIME_BOUND + " entitlements");
      String name = e.entitlement().name();
      if (!e.places().containsKey("max_duration")) {
        v.add(
            Source.CONFIG,
            "entitlement \""
                + name
                + "\" does not state its max_duration (the default "
                + e.entitlement().maxDuration().toMinutes()
                + "m applies unseen)",
            e.place());
      }
      if (e.entitlement().breakGlass() && !e.places().containsKey("break_glass_max_duration")) {
        v.add(
            Source.CONFIG,
            "entitlement \"" + name + "\" allows break-glass without break_glass_max_duration",
            e.places().get("break_glass"));
      }
    }
    for (Placed m : config.masks()) {
      String field = maskedField(m.value());
      for (String needed : List.of("/grants", "/subject/id", "/subject/mfa", "/action")) {
        if (field.isEmpty() || needed.equals(field) || needed.startsWith(field + "/")) {
          v.add(
              Source.CONFIG,
              "decision_log.mask \""
                  + m.value()
                  + "\" erases input"
                  + needed.replace('/', '.')
                  + ": the log cannot show who held which grant",
              m.place());
          break;
        }
      }
    }
    for (Listener l : config.listeners()) {
      if ("admin".equals(l.action())) {
        count(InvariantSettings.ADMIN_TIME_BOUND + " listeners");
        if (!routesWithAdminDecisions.contains(l.name())) {
          notes
              .get(InvariantSettings.ADMIN_TIME_BOUND)
              .add(
                  Source.CONFIG,
                  "admin " + l.title() + " logged no decision in the window",
                  l.placeOf("action"));
        }
      }
    }
  }

  /** A mask as a pointer below the input ({@code /grants}); {@code ""} for the whole input. */
  static String maskedField(String mask) {
    String p = mask.startsWith("/") ? mask : "/" + mask.replace('.', '/');
    if (p.equals("/input") || p.startsWith("/input/")) {
      p = p.substring("/input".length());
    }
    return p;
  }

  // no-embedded-secrets

  private void trustDomainOfCaller(DecisionFacts f) {
    if (!"mtls".equals(f.transport()) || !f.letThrough() || f.environment() == null) {
      return;
    }
    String td = f.trustDomain();
    if (td == null) {
      return;
    }
    environmentsOfDomain.computeIfAbsent(td, k -> new TreeSet<>()).add(f.environment());
    sharedInLog
        .computeIfAbsent(td + " " + f.environment(), k -> new Findings(settings.evidence()))
        .add(Source.LOG, td, f.record().decisionId());
  }

  private void secretsConfig(List<String> unsealed) {
    String nes = InvariantSettings.NO_EMBEDDED_SECRETS;
    Findings v = violations.get(nes);
    Findings n = notes.get(nes);
    count(nes + " files");
    String store = config.placeOf("store");
    if (store != null
        && config.node().store() != null
        && config.node().store().jdbcUrl().toLowerCase(Locale.ROOT).contains("password=")) {
      v.add(
          Source.CONFIG,
          "store URL holds a password: leave it out, and the driver reads it from ~/.pgpass"
              + " or PGPASSFILE",
          store);
    }
    for (Placed p : config.totpSecrets()) {
      n.add(
          Source.CONFIG,
          "a local user's totp_secret is in the file (it has no file or environment form):"
              + " keep the file readable by the node alone",
          p.place());
    }
    String keyFile = config.placeOf("identity.ca_key_file");
    Path dataDir = config.node().dataDir().toAbsolutePath().normalize();
    if (keyFile == null) {
      n.add(
          Source.CONFIG,
          "identity.ca_key_file not set: the node seals CA keys with VIGIL_CA_KEY, else the"
              + " ca.key beside the store",
          config.node().dataDir().resolve("ca.key").normalize().toString());
    } else if (config
        .node()
        .identity()
        .caKeyFile()
        .toAbsolutePath()
        .normalize()
        .startsWith(dataDir)) {
      v.add(
          Source.CONFIG,
          "identity.ca_key_file is in the data directory: a copy of it opens every CA key",
          keyFile);
    }
    for (String ca : unsealed) {
      v.add(Source.STORE, "CA private key stored unencrypted (--insecure-dev)", ca);
    }
    sharedTrustDomains(v);
  }

  /** Environments that share a trust domain, in the settings, the routes and the log. */
  private void sharedTrustDomains(Findings v) {
    Map<String, Map<String, String>> configured = new TreeMap<>();
    settings
        .trustDomains()
        .forEach(
            (env, tds) -> {
              for (String td : tds) {
                configured
                    .computeIfAbsent(td, k -> new TreeMap<>())
                    .put(env, settings.trustDomainPlaces().get(env + " " + td));
              }
            });
    for (Listener l : config.listeners()) {
      if (l.upstreamTrustDomain() != null && l.environment() != null) {
        configured
            .computeIfAbsent(l.upstreamTrustDomain(), k -> new TreeMap<>())
            .putIfAbsent(l.environment(), l.placeOf("upstream_spiffe_id"));
      }
    }
    configured.forEach(
        (td, envs) -> {
          if (envs.size() > 1) {
            for (String place : envs.values()) {
              v.add(
                  Source.CONFIG,
                  "trust domain " + td + " serves environments " + envs.keySet(),
                  place);
            }
          }
        });
    environmentsOfDomain.forEach(
        (td, envs) -> {
          Set<String> all = new TreeSet<>(envs);
          all.addAll(configured.getOrDefault(td, Map.of()).keySet());
          if (all.size() > 1) {
            for (String env : envs) {
              Findings seen = sharedInLog.get(td + " " + env);
              v.addAll(
                  Source.LOG,
                  "callers of trust domain " + td + " let into environments " + all,
                  seen);
            }
          }
        });
  }

  // the report

  private InvariantReport report(List<String> unsealed) {
    dataAccessConfig();
    serviceMtlsConfig();
    adminConfig();
    secretsConfig(unsealed);
    List<Result> results = new ArrayList<>();
    for (String name : settings.enabled()) {
      List<Finding> v = violations.get(name).list();
      long logged = inScope.getOrDefault(name, 0L);
      long configured =
          inScope.getOrDefault(name + " listeners", 0L)
              + inScope.getOrDefault(name + " entitlements", 0L)
              + inScope.getOrDefault(name + " files", 0L);
      Status status =
          !v.isEmpty()
              ? Status.FAIL
              : logged + configured == 0 ? Status.NOT_APPLICABLE : Status.PASS;
      results.add(new Result(name, rule(name), status, scope(name), v, notes.get(name).list()));
    }
    return new InvariantReport(window, decisions, results);
  }

  private String scope(String name) {
    List<String> parts = new ArrayList<>();
    long listeners = inScope.getOrDefault(name + " listeners", 0L);
    long entitlements = inScope.getOrDefault(name + " entitlements", 0L);
    if (name.equals(InvariantSettings.NO_EMBEDDED_SECRETS)) {
      parts.add("the configuration, the CA keys and the trust domains of the window's callers");
    } else {
      parts.add(listeners + " configured routes and listeners");
      if (name.equals(InvariantSettings.ADMIN_TIME_BOUND)) {
        parts.add(entitlements + " entitlements");
      }
      parts.add(inScope.getOrDefault(name, 0L) + " decisions");
    }
    return String.join(", ", parts);
  }

  private String rule(String name) {
    return switch (name) {
      case InvariantSettings.DATA_ACCESS ->
          "access to "
              + settings.dataClassifications()
              + " data in "
              + settings.dataEnvironments()
              + " needs a second factor and an approved grant";
      case InvariantSettings.SERVICE_MTLS ->
          "service-to-service calls in "
              + settings.mtlsEnvironments()
              + " use mutual TLS, each peer of its environment's trust domain";
      case InvariantSettings.ADMIN_TIME_BOUND ->
          "administrative access is brokered by a grant, logged, and time-bound";
      default -> "no secret in the configuration, CA keys sealed, one trust domain per environment";
    };
  }

  /** Whether {@code value} is one of {@code names}; a field the input lacks (null) is none. */
  private static boolean in(List<String> names, String value) {
    return value != null && names.contains(value);
  }

  private void count(String key) {
    inScope.merge(key, 1L, Long::sum);
  }

  /** Findings grouped by what they are, each with its count and first few places or ids. */
  static final class Findings {
    private final int most;
    private final Map<String, Group> groups = new LinkedHashMap<>();

    Findings(int most) {
      this.most = most;
    }

    void add(Source source, String what, String evidence) {
      Group g = groups.computeIfAbsent(what, k -> new Group(source));
      g.count++;
      if (g.evidence.size() < most && evidence != null) {
        g.evidence.add(evidence);
      }
    }

    /** Adds the evidence of {@code other}'s groups under {@code what}, with their counts. */
    void addAll(Source source, String what, Findings other) {
      Group g = groups.computeIfAbsent(what, k -> new Group(source));
      for (Group o : other.groups.values()) {
        g.count += o.count;
        for (String e : o.evidence) {
          if (g.evidence.size() < most) {
            g.evidence.add(e);
          }
        }
      }
    }

    List<Finding> list() {
      List<Finding> out = new ArrayList<>();
      groups.forEach((what, g) -> out.add(new Finding(g.source, what, g.count, g.evidence)));
      return out;
    }

    private static final class Group {
      final Source source;
      final List<String> evidence = new ArrayList<>();
      long count;

      Group(Source source) {
        this.source = source;
      }
    }
  }
}
