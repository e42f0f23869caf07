package dev.vigil.insight;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.YamlNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which security invariants are checked, and on what: the {@code insight.invariants} section of
 * vigil.yaml, or the same mapping alone in a file of its own (docs/insight.md). Every key is
 * optional; a bad value is refused as the rest of the configuration refuses it, {@code file:line:
 * key: what is wrong}. Immutable.
 *
 * @param enabled the names of the invariants to check, in report order
 * @param dataEnvironments the environments whose data {@code production-data-access} guards
 * @param dataClassifications the classifications it guards
 * @param dataEntitlements the entitlements whose approved grants count; empty for any
 * @param mtlsEnvironments the environments where {@code service-mtls} wants mutual TLS
 * @param trustDomains the trust domains of each environment, as the file lists them
 * @param trustDomainPlaces where each trust domain is listed, by environment and name
 * @param evidence the most decision ids or places shown for one finding
 */
public record InvariantSettings(
    List<String> enabled,
    List<String> dataEnvironments,
    List<String> dataClassifications,
    List<String> dataEntitlements,
    List<String> mtlsEnvironments,
    Map<String, List<String>> trustDomains,
    Map<String, String> trustDomainPlaces,
    int evidence) {

  public static final String DATA_ACCESS = "production-data-access";
  public static final String SERVICE_MTLS = "service-mtls";
  public static final String ADMIN_TIME_BOUND = "admin-time-bound";
  public static final String NO_EMBEDDED_SECRETS = "no-embedded-secrets";

  /** Every invariant, in the order the report lists them. */
  public static final List<String> ALL =
      List.of(DATA_ACCESS, SERVICE_MTLS, ADMIN_TIME_BOUND, NO_EMBEDDED_SECRETS);

  private static final int MOST_EVIDENCE = 100;

  public InvariantSettings {
    enabled = List.copyOf(enabled);
    dataEnvironments = List.copyOf(dataEnvironments);
    dataClassifications = List.copyOf(dataClassifications);
    dataEntitlements = List.copyOf(dataEntitlements);
    mtlsEnvironments = List.copyOf(mtlsEnvironments);
    trustDomains = Map.copyOf(trustDomains);
    trustDomainPlaces = Map.copyOf(trustDomainPlaces);
  }

  /** Every invariant on, production data being {@code restricted} or {@code confidential}. */
  public static InvariantSettings defaults() {
    return new InvariantSettings(
        ALL,
        List.of("production"),
        List.of("restricted", "confidential"),
        List.of(),
        List.of("production"),
        Map.of(),
        Map.of(),
        5);
  }

  /**
   * Reads the settings of a vigil.yaml ({@code insight.invariants}), or the defaults when it has
   * none.
   *
   * @throws ConfigException naming the file, line and key of a bad value
   */
  public static InvariantSettings ofConfig(Path vigilYaml) {
    Map<String, YamlNode> top = YamlNode.read(vigilYaml).mapping(null);
    YamlNode insight = top.get("insight");
    if (insight == null) {
      return defaults();
    }
    YamlNode section = insight.mapping(Set.of("invariants")).get("invariants");
    return section == null ? defaults() : read(section);
  }

  /**
   * Reads a file holding the invariants mapping alone.
   *
   * @throws ConfigException naming the file, line and key of a bad value
   */
  public static InvariantSettings ofFile(Path file) {
    return read(YamlNode.read(file));
  }

  private static InvariantSettings read(YamlNode section) {
    Set<String> known = new HashSet<>(ALL);
    known.addAll(Set.of("evidence", "trust_domains"));
    Map<String, YamlNode> m = section.mapping(known);
    InvariantSettings d = defaults();

    List<String> enabled = new ArrayList<>();
    Map<String, Map<String, YamlNode>> each = new LinkedHashMap<>();
    for (String name : ALL) {
      Set<String> keys =
          switch (name) {
            case DATA_ACCESS ->
                Set.of("enabled", "environments", "classifications", "entitlements");
            case SERVICE_MTLS -> Set.of("enabled", "environments");
            default -> Set.of("enabled");
          };
      Map<String, YamlNode> one = node(m, name).mapping(keys);
      each.put(name, one);
      if (node(one, "enabled").bool(true)) {
        enabled.add(name);
      }
    }
    Map<String, YamlNode> data = each.get(DATA_ACCESS);
    Map<String, List<String>> domains = new LinkedHashMap<>();
    Map<String, String> places = new LinkedHashMap<>();
    node(m, "trust_domains")
        .mapping(null)
        .forEach(
            (env, list) -> {
              List<String> tds = names(list, List.of());
              for (int i = 0; i < tds.size(); i++) {
                if (!tds.get(i).matches("[a-z0-9._-]{1,255}")) {
                  throw list.sequence()
                      .get(i)
                      .error(
                          "\""
                              + tds.get(i)
                              + "\" is not a trust domain name (lowercase letters, digits, . _ -)");
                }
                places.put(env + " " + tds.get(i), list.sequence().get(i).place());
              }
              domains.put(env, tds);
            });
    return new InvariantSettings(
        enabled,
        names(node(data, "environments"), d.dataEnvironments()),
        names(node(data, "classifications"), d.dataClassifications()),
        names(node(data, "entitlements"), d.dataEntitlements()),
        names(node(each.get(SERVICE_MTLS), "environments"), d.mtlsEnvironments()),
        domains,
        places,
        evidence(node(m, "evidence"), d.evidence()));
  }

  /** A list of names: not empty when given, no blank item. */
  private static List<String> names(YamlNode n, List<String> fallback) {
    if (n.isMissing()) {
      return fallback;
    }
    for (YamlNode item : n.sequence()) {
      if (item.isMissing() || item.string().isBlank()) {
        throw item.error("an empty name selects nothing");
      }
    }
    return n.strings();
  }

  private static int evidence(YamlNode n, int fallback) {
    String v = n.string(null);
    if (v == null) {
      return fallback;
    }
    if (!v.matches("\\d{1,3}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > MOST_EVIDENCE) {
      throw n.error("\"" + v + "\" is not a whole number from 1 to " + MOST_EVIDENCE);
    }
    return Integer.parseInt(v);
  }

  private static YamlNode node(Map<String, YamlNode> m, String key) {
    YamlNode n = m.get(key);
    return n == null ? YamlNode.missing() : n;
  }
}
