package dev.vigil.insight;

import dev.vigil.access.Entitlement;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.config.YamlNode;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.pdp.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the invariants read of the configuration: the node's vigil.yaml and the sidecars' files,
 * each read and checked as {@code vigil up} and {@code vigil sidecar} read them, with the place of
 * every key the evidence names. Immutable.
 *
 * @param node the node's configuration
 * @param listeners the node's routes, then the sidecars' inbound listeners
 * @param entitlements the entitlements with the places of their keys
 * @param masks each {@code decision_log.mask} item with its place
 */
record EstateConfig(
    VigilConfig node,
    List<Listener> listeners,
    List<EntitlementPlaces> entitlements,
    List<Placed> masks,
    Map<String, YamlNode> top) {

  /**
   * A route of the edge gateway or an inbound listener of a sidecar.
   *
   * @param kind {@code route} or {@code sidecar}
   * @param peerMode {@code STRICT} or {@code PERMISSIVE} for a sidecar, null for a route
   * @param upstreamTrustDomain the trust domain of a route's {@code upstream_spiffe_id}, or null
   * @param place where it is written ({@code file:line: routes[2]})
   * @param places where its keys are written, by key ({@code mode}, {@code peer_mode} ...)
   */
  record Listener(
      String kind,
      String name,
      Map<String, String> resource,
      Mode mode,
      String action,
      String peerMode,
      String upstreamTrustDomain,
      String place,
      Map<String, String> places) {

    String environment() {
      return resource.get("environment");
    }

    String classification() {
      return resource.get("classification");
    }

    /** The place of {@code key}, or of the listener itself when the key is left to its default. */
    String placeOf(String key) {
      return places.getOrDefault(key, place);
    }

    /** {@code route "db"} or {@code sidecar listener "orders"}. */
    String title() {
      return (kind.equals("route") ? "route" : "sidecar listener") + " \"" + name + "\"";
    }
  }

  /** An entitlement, where it is written, and which of its keys the file states. */
  record EntitlementPlaces(Entitlement entitlement, String place, Map<String, String> places) {}

  /** A value of the file with its place. */
  record Placed(String value, String place) {}

  /**
   * Takes the node's configuration, read from {@code vigilYaml}, with the places of its keys, and
   * reads the sidecars' files.
   *
   * @throws ConfigException naming the file, line and key of a bad value, or a missing file
   */
  static EstateConfig read(VigilConfig node, Path vigilYaml, List<Path> sidecars) {
    Map<String, YamlNode> top = YamlNode.read(vigilYaml).mapping(null);
    List<Listener> listeners = new ArrayList<>();
    List<YamlNode> routeNodes = node(top, "routes").sequence();
    for (int i = 0; i < node.routes().size(); i++) {
      Route r = node.routes().get(i);
      YamlNode n = routeNodes.get(i);
      listeners.add(
          new Listener(
              "route",
              r.name(),
              r.resource(),
              r.mode(),
              r.action(),
              null,
              r.upstreamSpiffeId() == null ? null : r.upstreamSpiffeId().trustDomain().name(),
              n.place(),
              places(n)));
    }
    for (Path file : sidecars) {
      requireFile(file, "--sidecar-config");
      SidecarConfig sc = SidecarConfig.read(file);
      List<YamlNode> inbound = node(YamlNode.read(file).mapping(null), "inbound").sequence();
      for (int i = 0; i < sc.inbound().size(); i++) {
        SidecarConfig.Inbound in = sc.inbound().get(i);
        YamlNode n = inbound.get(i);
        listeners.add(
            new Listener(
                "sidecar",
                in.name(),
                in.route().resource(),
                in.route().mode(),
                in.route().action(),
                in.peerMode().name(),
                null,
                n.place(),
                places(n)));
      }
    }
    List<EntitlementPlaces> entitlements = new ArrayList<>();
    List<YamlNode> ents = node(node(top, "access").mapping(null), "entitlements").sequence();
    for (int i = 0; i < node.entitlements().size(); i++) {
      entitlements.add(
          new EntitlementPlaces(
              node.entitlements().get(i), ents.get(i).place(), places(ents.get(i))));
    }
    List<Placed> masks = new ArrayList<>();
    for (YamlNode m : node(node(top, "decision_log").mapping(null), "mask").sequence()) {
      masks.add(new Placed(m.string(), m.place()));
    }
    return new EstateConfig(node, List.copyOf(listeners), entitlements, masks, top);
  }

  /** The place of a key of the file ({@code store}, {@code identity.ca_key_file}), or null. */
  String placeOf(String dotted) {
    String[] parts = dotted.split("\\.");
    YamlNode n = node(top, parts[0]);
    for (int i = 1; i < parts.length && !n.isMissing(); i++) {
      n = node(n.mapping(null), parts[i]);
    }
    return n.isMissing() ? null : n.place();
  }

  /** The local users' TOTP secrets, each with its place. */
  List<Placed> totpSecrets() {
    List<Placed> out = new ArrayList<>();
    for (YamlNode u : node(top, "users").sequence()) {
      YamlNode secret = u.mapping(null).get("totp_secret");
      if (secret != null && !secret.isMissing()) {
        out.add(new Placed(secret.string(), secret.place()));
      }
    }
    return out;
  }

  private static Map<String, String> places(YamlNode item) {
    Map<String, String> out = new HashMap<>();
    item.mapping(null).forEach((k, v) -> out.put(k, v.place()));
    return out;
  }

  private static YamlNode node(Map<String, YamlNode> m, String key) {
    YamlNode n = m.get(key);
    return n == null ? YamlNode.missing() : n;
  }

  private static void requireFile(Path file, String option) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(option + " " + file + ": no such configuration file");
    }
  }
}
