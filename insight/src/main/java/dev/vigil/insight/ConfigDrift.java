package dev.vigil.insight;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.StoredIdentity;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What is live and differs from what the configuration declares: route modes set at runtime,
 * policies and data written through the OPA API or a bundle in service that is not the bundle the
 * file names, nodes that decided with different bundle revisions, and identity state that no
 * declaration accounts for (trust domains not listed in {@code identity.trust_domains} or listed
 * and missing, registration entries in a trust domain without a CA, imported bundles older than
 * their refresh hint).
 *
 * <p>Each finding names what is declared, what is live and where the declaration is written ({@code
 * file:line: key}). Reads only. Immutable.
 */
public final class ConfigDrift {

  /** {@link #status} without findings. */
  public static final int NONE = 0;

  /** {@link #status} with findings. */
  public static final int DRIFT = 3;

  /**
   * One difference.
   *
   * @param kind {@code route_mode}, {@code policy_uploaded}, {@code policy_changed}, {@code
   *     policy_missing}, {@code data_written}, {@code bundle_revision}, {@code
   *     trust_domain_undeclared}, {@code trust_domain_missing}, {@code entry_without_ca} or {@code
   *     federated_bundle_stale}
   * @param subject what differs: a route, a policy id, a data path, a node, a trust domain, an
   *     entry
   * @param declared what the configuration says
   * @param live what is in service
   * @param where where the declaration is written, {@code file:line: key}, or the key alone when
   *     the file leaves it to its default
   */
  public record Finding(String kind, String subject, String declared, String live, String where) {}

  private final Window window;
  private final List<Finding> findings;
  private final String livePolicyNote;

  private ConfigDrift(Window window, List<Finding> findings, String livePolicyNote) {
    this.window = window;
    this.findings = List.copyOf(findings);
    this.livePolicyNote = livePolicyNote;
  }

  /**
   * Compares {@code config} with what is live.
   *
   * @param window the decisions whose bundle revisions are compared
   * @param route only the decisions of this route are compared, or null for all
   * @param live what the node's decision point serves, or null when it could not be asked
   * @param liveNote why {@code live} is null, said in the report; null otherwise
   * @throws IllegalArgumentException when the bundle the configuration names cannot be read
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static ConfigDrift compare(
      VigilConfig config,
      Store store,
      Window window,
      String route,
      LivePolicy live,
      String liveNote,
      Instant now) {
    List<Finding> out = new ArrayList<>();
    routeModes(config, new RouteModeOverrides(store).all(), out);
    Bundle declared = declaredBundle(config);
    if (live != null) {
      policies(config, declared, live, out);
    }
    revisions(config, declared, store, window, route, out);
    identity(config, StoredIdentity.read(store), now, out);
    return new ConfigDrift(window, out, live == null ? liveNote : null);
  }

  private static void routeModes(
      VigilConfig config, List<RouteModeOverride> overrides, List<Finding> out) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < config.routes().size(); i++) {
      index.put(config.routes().get(i).name(), i);
    }
    for (RouteModeOverride o : overrides) {
      Integer i = index.get(o.route());
      String live =
          o.mode()
              + " (set by "
              + o.changedBy()
              + " at "
              + o.changedAt()
              + ", route_mode_overrides)";
      if (i == null) {
        out.add(
            new Finding("route_mode", o.route(), "no such route", live, config.where("routes")));
        continue;
      }
      Route r = config.routes().get(i);
      if (r.mode().label().equals(o.mode())) {
        continue;
      }
      String key = "routes[" + i + "].mode";
      String where = config.placeOf(key);
      String declared = r.mode().label();
      if (where == null) {
        declared += " (the default)";
        where = config.where("routes[" + i + "].name");
      }
      out.add(new Finding("route_mode", o.route(), declared, live, where));
    }
  }

  private static Bundle declaredBundle(VigilConfig config) {
    String b = config.bundle();
    if (b == null || b.startsWith("http://") || b.startsWith("https://")) {
      return null;
    }
    try {
      return BundleReader.read(Path.of(b));
    } catch (BundleException e) {
      throw new IllegalArgumentException(
          config.where("policy.bundle") + ": " + b + ": " + e.getMessage(), e);
    }
  }

  private static void policies(
      VigilConfig config, Bundle declared, LivePolicy live, List<Finding> out) {
    String where = config.where("policy.bundle");
    Map<String, String> files = declared == null ? Map.of() : declared.modules();
    String inBundle = declared == null ? "no bundle" : "not in " + config.bundle();
    for (String id : new TreeSet<>(live.uploaded().keySet())) {
      out.add(
          new Finding(
              "policy_uploaded",
              id,
              inBundle,
              "uploaded through PUT /v1/policies/"
                  + id
                  + " ("
                  + lines(live.uploaded().get(id))
                  + ")",
              where));
    }
    if (declared != null && config.bundle() != null) {
      for (String id : new TreeSet<>(files.keySet())) {
        String served = live.bundleModules().get(id);
        if (served == null) {
          out.add(
              new Finding(
                  "policy_missing",
                  id,
                  "in " + config.bundle(),
                  "not in the bundle in service",
                  where));
        } else if (!served.equals(files.get(id))) {
          out.add(
              new Finding(
                  "policy_changed",
                  id,
                  "as in " + config.bundle() + " (" + lines(files.get(id)) + ")",
                  "another text in the bundle in service (" + lines(served) + ")",
                  where));
        }
      }
      for (String id : new TreeSet<>(live.bundleModules().keySet())) {
        if (!files.containsKey(id)) {
          out.add(
              new Finding(
                  "policy_changed",
                  id,
                  "not in " + config.bundle(),
                  "in the bundle in service",
                  where));
        }
      }
    }
    for (Map.Entry<String, Value> e : sorted(live.apiData()).entrySet()) {
      out.add(
          new Finding(
              "data_written",
              "data." + e.getKey(),
              inBundle,
              "written through /v1/data: " + Texts.clean(Json.write(e.getValue())),
              where));
    }
  }

  private static Map<String, Value> sorted(ObjectValue data) {
    Map<String, Value> out = new TreeMap<>();
    data.forEach(
        (k, v) -> out.put(k instanceof StringValue s ? s.value() : Json.write(k), (Value) v));
    return out;
  }

  private static String lines(String text) {
    return text.lines().count() + " lines";
  }

  /**
   * Finds the nodes whose latest evaluated decision in the window names another revision than the
   * declared bundle's manifest (when it has one), or than the other nodes when it has none.
   */
  private static void revisions(
      VigilConfig config,
      Bundle declared,
      Store store,
      Window window,
      String route,
      List<Finding> out) {
    Map<String, DecisionRecord> latest = new TreeMap<>();
    Map<String, String> revisionOf = new HashMap<>();
    new DecisionScan(store)
        .forEach(
            window.since(),
            window.until(),
            route,
            r -> {
              String revision = revision(r);
              if (revision == null) {
                return; // no policy was evaluated: no revision to compare
              }
              DecisionRecord known = latest.get(r.node());
              if (known == null || r.timestamp().isAfter(known.timestamp())) {
                latest.put(r.node(), r);
                revisionOf.put(r.node(), revision);
              }
            });
    String expected = declared == null ? "" : declared.manifest().revision();
    Set<String> seen = new TreeSet<>(revisionOf.values());
    if (expected.isEmpty() && seen.size() < 2) {
      return;
    }
    String declaredText =
        expected.isEmpty()
            ? "one revision on every node"
            : "revision " + expected + " (" + config.bundle() + ")";
    for (Map.Entry<String, DecisionRecord> e : latest.entrySet()) {
      String revision = revisionOf.get(e.getKey());
      if (!expected.isEmpty() && revision.equals(expected)) {
        continue;
      }
      out.add(
          new Finding(
              "bundle_revision",
              "node " + e.getKey(),
              declaredText,
              "decided with revision "
                  + (revision.isEmpty() ? "(none)" : revision)
                  + " last at "
                  + e.getValue().timestamp(),
              config.where("policy.bundle")));
    }
  }

  /**
   * Returns the revision a decision names ({@code bundles.vigil.revision}, empty when its bundle
   * had none), or null for a decision no policy was evaluated for (observe mode, a refusal), which
   * names none whatever the bundle.
   */
  private static String revision(DecisionRecord r) {
    if (r.notEvaluated()) {
      return null;
    }
    if (!(Json.parse(r.event().json()) instanceof ObjectValue event)
        || event.get("latency_ns") == null) {
      return null;
    }
    if (event.get("bundles") instanceof ObjectValue bundles
        && bundles.get("vigil") instanceof ObjectValue vigil
        && vigil.get("revision") instanceof StringValue revision) {
      return revision.value();
    }
    return "";
  }

  private static void identity(
      VigilConfig config, StoredIdentity stored, Instant now, List<Finding> out) {
    String where = config.where("identity.trust_domains");
    List<String> declared = config.identity().trustDomains();
    Set<String> withCa = new TreeSet<>();
    for (StoredIdentity.TrustDomainRoots td : stored.trustDomains()) {
      String name = td.trustDomain().name();
      withCa.add(name);
      if (!declared.contains(name)) {
        out.add(
            new Finding(
                "trust_domain_undeclared",
                name,
                "not in identity.trust_domains " + declared,
                "a CA with " + td.roots().size() + " roots in the store",
                where));
      }
    }
    for (String name : declared) {
      if (!withCa.contains(name)) {
        out.add(
            new Finding(
                "trust_domain_missing",
                name,
                "in identity.trust_domains",
                "no CA in the store (created at the next start of vigil up)",
                where));
      }
    }
    Set<String> federated = new TreeSet<>();
    for (StoredIdentity.Federation f : stored.federated()) {
      String name = f.bundle().trustDomain().name();
      federated.add(name);
      Duration hint = f.bundle().refreshHint();
      Duration age = Duration.between(f.importedAt(), now);
      if (age.compareTo(hint) > 0) {
        out.add(
            new Finding(
                "federated_bundle_stale",
                name,
                "refreshed every " + hint.toSeconds() + "s (spiffe_refresh_hint)",
                "imported at " + f.importedAt() + ", " + age.toSeconds() + "s ago",
                f.source()));
      }
    }
    for (RegistrationEntry e : stored.entries()) {
      String td = e.spiffeId().trustDomain().name();
      if (!withCa.contains(td) && !federated.contains(td)) {
        out.add(
            new Finding(
                "entry_without_ca",
                e.spiffeId() + " (entry " + e.id() + ")",
                declared.contains(td)
                    ? "trust domain " + td + " in identity.trust_domains"
                    : "trust domain " + td + " not in identity.trust_domains " + declared,
                "no CA for " + td + " in the store: the agent issues no SVID for it",
                where));
      }
    }
  }

  public List<Finding> findings() {
    return findings;
  }

  /** {@link #DRIFT} when there is a finding, else {@link #NONE}. */
  public int status() {
    return findings.isEmpty() ? NONE : DRIFT;
  }

  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("drift, decisions from %s: %d findings%n", window, findings.size()));
    for (Finding f : findings) {
      sb.append(String.format("%s  %s%n", f.kind(), Texts.clean(f.subject())));
      sb.append("    declared: ").append(Texts.clean(f.declared())).append('\n');
      sb.append("    live:     ").append(Texts.clean(f.live())).append('\n');
      sb.append("    where:    ").append(Texts.clean(f.where())).append('\n');
    }
    if (livePolicyNote != null) {
      sb.append("note: ").append(Texts.clean(livePolicyNote)).append('\n');
    }
    return sb.toString();
  }

  public String json() {
    List<Value> list = new ArrayList<>();
    for (Finding f : findings) {
      list.add(
          ObjectValue.of(
              s("kind"), s(f.kind()),
              s("subject"), s(f.subject()),
              s("declared"), s(f.declared()),
              s("live"), s(f.live()),
              s("where"), s(f.where())));
    }
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("findings"), ArrayValue.of(list));
    doc.put(s("live_policy_note"), livePolicyNote == null ? NullValue.NULL : s(livePolicyNote));
    doc.put(s("status"), NumberValue.of(status()));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }
}
