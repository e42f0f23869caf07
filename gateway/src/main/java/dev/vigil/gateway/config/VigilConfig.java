package dev.vigil.gateway.config;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.ProviderApprover;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.gateway.auth.UserNames;
import dev.vigil.gateway.http.RedirectTarget;
import dev.vigil.httpkit.DurationText;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SpiffeIdException;
import dev.vigil.pdp.HostHeader;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.extauthz.TrustedProxies;
import dev.vigil.store.DecisionRetention;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The configuration of {@code vigil up}: one YAML file. Every key and its default is in
 * docs/configuration.md; an unknown key, a wrong type or a bad value stops start-up with {@code
 * file:line: key: what is wrong}.
 *
 * @param dataDir where the embedded store and generated keys live
 * @param controlPlane address of the control plane (OPA's REST API, health, metrics)
 * @param gateway address of the gateway's plain HTTP listener
 * @param bundle the policy bundle: a directory, a .tar.gz file or an http(s) URL
 * @param v0Compatible parse policies in Rego v0 syntax
 * @param mask input fields erased from the decision log
 * @param sessionIdle sign-in sessions end after this long without a request
 * @param sessionAbsolute sign-in sessions end after this long whatever their use
 * @param routes the gateway's routes
 * @param users local users who sign in with a password (and TOTP)
 * @param oidc the OpenID Connect providers people and API clients come from; the first is the
 *     default of routes that name none
 * @param authzPolicy the policy path the control plane's external-authorization endpoints ask
 * @param trustedProxies CIDRs whose X-Forwarded-* headers those endpoints believe
 * @param identity the trust domains whose CAs this node runs, and the Workload API agent
 * @param adminRole the role that lets a local user sign in to the console
 * @param tls the gateway's TLS listener and device settings
 * @param totpOnDemand local users with TOTP give the code only when a policy asks for it
 * @param redirectHosts absolute post-login targets allowed (RedirectTarget's allow-list)
 * @param decisionRetention how long decisions are kept before they are pruned, or null to keep them
 *     all
 * @param store a store shared by several nodes ({@code store:}, or {@code vigil up --store}), or
 *     null for the embedded SQLite store in the data directory
 * @param policyPlaces where each route's {@code policy} key is written, by route name, as {@code
 *     file:line: routes[i].policy}, for errors about the path it names; empty for the defaults
 * @param authzPolicyPlace where {@code control_plane.authz_policy} is written, as {@code file:line:
 *     control_plane.authz_policy}, or null when the file leaves it out (the default applies) or
 *     there is no file
 * @param entitlements what people may ask for just in time ({@code access.entitlements})
 * @param controlPlaneTls the control plane's TLS files ({@code control_plane.tls_*}), or null when
 *     it serves plain HTTP
 * @param accessNotify the webhook told of every change of a grant ({@code access.notify}), or null
 * @param keyPlaces where the keys that start-up acts on (listeners' addresses, TLS files, the agent
 *     socket, the data directory, the store, the bundle, the trust domains, the CA key file, the
 *     routes' upstreams, names and modes) are written, by key, as {@code file:line: key}; empty for
 *     the defaults
 * @param requestLifetime how long an access request waits for a decision ({@code
 *     access.request_lifetime})
 */
public record VigilConfig(
    Path dataDir,
    String controlPlane,
    String gateway,
    String bundle,
    boolean v0Compatible,
    List<String> mask,
    Duration sessionIdle,
    Duration sessionAbsolute,
    List<Route> routes,
    List<LocalUser> users,
    List<OidcLogin.Config> oidc,
    String authzPolicy,
    List<String> trustedProxies,
    Identity identity,
    String adminRole,
    TlsSettings tls,
    boolean totpOnDemand,
    List<String> redirectHosts,
    Duration decisionRetention,
    StoreLocation store,
    Map<String, String> policyPlaces,
    String authzPolicyPlace,
    List<Entitlement> entitlements,
    ControlPlaneTls controlPlaneTls,
    AccessNotify accessNotify,
    Map<String, String> keyPlaces,
    Duration requestLifetime) {

  public VigilConfig {
    policyPlaces = Map.copyOf(policyPlaces);
    keyPlaces = Map.copyOf(keyPlaces);
    entitlements = List.copyOf(entitlements);
  }

  /**
   * The {@code identity} section.
   *
   * @param trustDomains trust domains whose CA is created at start (one per environment)
   * @param agentSocket the Workload API's Unix socket
   * @param caKeyFile the file holding the key that encrypts CA keys at rest, or null for {@code
   *     VIGIL_CA_KEY}, else {@code ca.key} in the data directory
   */
  public record Identity(List<String> trustDomains, Path agentSocket, Path caKeyFile) {
    public Identity {
      trustDomains = List.copyOf(trustDomains);
    }
  }

  /**
   * The control plane's TLS files: its API, the external-authorization endpoints and the console
   * are then served over TLS only, as {@code vigil pdp --tls-cert} serves them.
   *
   * @param certFile the certificate chain (PEM), server certificate first
   * @param keyFile its private key (PEM)
   * @param clientCaFile CAs a client certificate must chain to (mutual TLS required), or null when
   *     clients need none
   */
  public record ControlPlaneTls(Path certFile, Path keyFile, Path clientCaFile) {}

  /**
   * The webhook told of every change of a grant ({@code access.notify}; see docs/access.md).
   *
   * @param url where the changes are posted, http or https
   * @param secretFile the file holding the key the posts are signed with, or null to sign none
   */
  public record AccessNotify(URI url, Path secretFile) {}

  private static final Set<String> TOP =
      Set.of(
          "data_dir",
          "store",
          "control_plane",
          "gateway",
          "policy",
          "decision_log",
          "routes",
          "users",
          "oidc",
          "identity",
          "console",
          "access",
          "insight");

  /** Returns the defaults: what {@code vigil up} runs with and no file. */
  public static VigilConfig defaults(Path dataDir) {
    return new VigilConfig(
        dataDir,
        "127.0.0.1:8181",
        "127.0.0.1:8080",
        null,
        false,
        List.of(),
        Duration.ofMinutes(30),
        Duration.ofHours(8),
        List.of(),
        List.of(),
        List.of(),
        "authz/allow",
        List.of(),
        new Identity(List.of(), dataDir.resolve("agent.sock"), null),
        "admin",
        TlsSettings.defaults(),
        false,
        List.of(),
        null,
        null,
        Map.of(),
        null,
        List.of(),
        null,
        null,
        Map.of(),
        Grant.DEFAULT_REQUEST_LIFETIME);
  }

  /** Returns this configuration with another store; null for the embedded one. */
  public VigilConfig withStore(StoreLocation location) {
    return new VigilConfig(
        dataDir,
        controlPlane,
        gateway,
        bundle,
        v0Compatible,
        mask,
        sessionIdle,
        sessionAbsolute,
        routes,
        users,
        oidc,
        authzPolicy,
        trustedProxies,
        identity,
        adminRole,
        tls,
        totpOnDemand,
        redirectHosts,
        decisionRetention,
        location,
        policyPlaces,
        authzPolicyPlace,
        entitlements,
        controlPlaneTls,
        accessNotify,
        keyPlaces,
        requestLifetime);
  }

  /**
   * Returns where {@code key} (such as {@code gateway.tls_cert}) is written, as {@code file:line:
   * key}, or the key alone when the file does not give it: the start of an error about its value,
   * so that a failure at start-up caused by the file names the line to change.
   */
  public String where(String key) {
    return keyPlaces.getOrDefault(key, key);
  }

  /**
   * Returns the place of {@code key} as {@link #where} does when the file gives it, or null when
   * its default applies.
   */
  public String placeOf(String key) {
    return keyPlaces.get(key);
  }

  /**
   * Returns where the {@code policy} key of the route named {@code route} is written, as {@code
   * file:line: routes[i].policy}, or null when this configuration does not come from a file or has
   * no such route: the place an error about the path it names starts with.
   */
  public String policyPlace(String route) {
    return policyPlaces.get(route);
  }

  /** Returns where the store is: the shared one when set, else SQLite in the data directory. */
  public StoreLocation storeLocation() {
    return store == null ? StoreLocation.embedded(dataDir) : store;
  }

  /** Reads and checks a configuration file. */
  public static VigilConfig read(Path file, Path dataDirOverride) {
    return read(file, dataDirOverride, Set.of());
  }

  /**
   * Reads and checks a configuration file, where {@code moreApprovers} (user names, and groups as
   * {@code group:NAME}) count as configured users when an entitlement names its approvers: the
   * users {@code vigil up --demo} adds to the file's.
   */
  public static VigilConfig read(Path file, Path dataDirOverride, Set<String> moreApprovers) {
    Path base = file.toAbsolutePath().getParent();
    Map<String, YamlNode> top = YamlNode.read(file).mapping(TOP);
    VigilConfig d = defaults(dataDirOverride == null ? Path.of("vigil-data") : dataDirOverride);
    Path dataDir = d.dataDir();
    // Read even when --data-dir overrides it, so that a wrong type is refused as everywhere else.
    String dataDirKey = get(top, "data_dir").string(null);
    if (dataDirOverride == null && dataDirKey != null) {
      dataDir = base.resolve(dataDirKey);
    }
    Map<String, YamlNode> cp =
        get(top, "control_plane")
            .mapping(
                Set.of(
                    "addr",
                    "authz_policy",
                    "trusted_proxies",
                    "tls_cert",
                    "tls_key",
                    "tls_client_ca"));
    Map<String, YamlNode> gw = get(top, "gateway").mapping(gatewayKeys());
    Map<String, YamlNode> policy = get(top, "policy").mapping(Set.of("bundle", "v0_compatible"));
    Map<String, YamlNode> logs = get(top, "decision_log").mapping(Set.of("mask", "retain"));
    Map<String, YamlNode> id =
        get(top, "identity").mapping(Set.of("trust_domains", "agent_socket", "ca_key_file"));
    Map<String, YamlNode> console = get(top, "console").mapping(Set.of("admin_role"));
    Map<String, YamlNode> access =
        get(top, "access").mapping(Set.of("entitlements", "notify", "request_lifetime"));
    // Read by `vigil insight invariants`, which checks what is inside; the node only holds it.
    get(get(top, "insight").mapping(Set.of("invariants")), "invariants").mapping(null);
    String bundle = get(policy, "bundle").string(null);
    if (bundle != null && !bundle.startsWith("http://") && !bundle.startsWith("https://")) {
      bundle = base.resolve(bundle).normalize().toString();
    }
    List<OidcLogin.Config> oidc =
        OidcSection.read(get(top, "oidc"), n -> duration(n, Duration.ZERO));
    Map<String, String> policyPlaces = new HashMap<>();
    List<Route> routes = routes(get(top, "routes"), oidc, policyPlaces);
    Duration idle = positive(get(gw, "session_idle"), d.sessionIdle());
    Duration absolute = positive(get(gw, "session_absolute"), d.sessionAbsolute());
    if (get(gw, "session_idle").isMissing() && idle.compareTo(absolute) > 0) {
      idle = absolute; // the default idle time never outlasts an absolute time set shorter
    }
    if (idle.compareTo(absolute) > 0) {
      throw get(gw, "session_idle")
          .error(
              "\""
                  + get(gw, "session_idle").string()
                  + "\" is longer than session_absolute ("
                  + absolute.toSeconds()
                  + "s): a session ends at session_absolute whatever its use");
    }
    List<LocalUser> users = users(get(top, "users"));
    List<Entitlement> entitlements =
        entitlements(get(access, "entitlements"), users, moreApprovers, oidc);
    String controlPlane = address(get(cp, "addr"), d.controlPlane());
    String gateway = address(get(gw, "addr"), d.gateway());
    TlsSettings tls = TlsSettings.read(gw, base);
    refuseOneAddressTwice(
        List.of("control_plane.addr", "gateway.addr", "gateway.tls_addr"),
        Arrays.asList(controlPlane, gateway, tls.addr()),
        List.of(get(cp, "addr"), get(gw, "addr"), get(gw, "tls_addr")));
    return new VigilConfig(
        dataDir,
        controlPlane,
        gateway,
        bundle,
        get(policy, "v0_compatible").bool(false),
        checked(get(logs, "mask"), Masking::check),
        idle,
        absolute,
        routes,
        users,
        oidc,
        authzPolicy(get(cp, "authz_policy"), d.authzPolicy()),
        checked(get(cp, "trusted_proxies"), c -> TrustedProxies.parse(List.of(c))),
        identity(id, base, dataDir),
        adminRole(get(console, "admin_role"), d.adminRole()),
        tls,
        get(gw, "totp_on_demand").bool(false),
        checked(get(gw, "redirect_hosts"), RedirectTarget::checkEntry),
        retention(get(logs, "retain")),
        store(get(top, "store"), base),
        policyPlaces,
        get(cp, "authz_policy").isMissing() ? null : get(cp, "authz_policy").place(),
        entitlements,
        controlPlaneTls(cp, base),
        accessNotify(get(access, "notify"), base),
        keyPlaces(
            get(top, "routes"),
            get(top, "data_dir"),
            get(top, "store"),
            get(policy, "bundle"),
            get(cp, "addr"),
            get(gw, "addr"),
            get(gw, "tls_addr"),
            get(gw, "tls_cert"),
            get(gw, "tls_key"),
            get(cp, "tls_cert"),
            get(cp, "tls_key"),
            get(cp, "tls_client_ca"),
            get(access, "notify"),
            get(get(access, "notify").mapping(null), "secret_file"),
            get(id, "trust_domains"),
            get(id, "agent_socket"),
            get(id, "ca_key_file")),
        requestLifetime(get(access, "request_lifetime")));
  }

  /** How long an access request waits for a decision: from a minute to a week, 24h by default. */
  private static Duration requestLifetime(YamlNode n) {
    Duration d = duration(n, Grant.DEFAULT_REQUEST_LIFETIME);
    if (d.compareTo(Grant.MIN_REQUEST_LIFETIME) < 0
        || d.compareTo(Grant.MAX_REQUEST_LIFETIME) > 0) {
      throw n.error(
          "\""
              + n.string()
              + "\" is not from "
              + DurationText.format(Grant.MIN_REQUEST_LIFETIME)
              + " to "
              + DurationText.format(Grant.MAX_REQUEST_LIFETIME)
              + ": an approver needs time to read a request, and a week-old one asks about a need"
              + " long gone");
    }
    return d;
  }

  /**
   * Reads {@code control_plane.tls_cert}, {@code tls_key} and {@code tls_client_ca}: null when none
   * is given. The files themselves are read at start, where a file that cannot be used stops it.
   */
  private static ControlPlaneTls controlPlaneTls(Map<String, YamlNode> cp, Path base) {
    YamlNode cert = get(cp, "tls_cert");
    YamlNode key = get(cp, "tls_key");
    YamlNode clientCa = get(cp, "tls_client_ca");
    if (cert.isMissing() != key.isMissing()) {
      throw (cert.isMissing() ? key : cert).error("tls_cert and tls_key go together: give both");
    }
    if (cert.isMissing()) {
      if (!clientCa.isMissing()) {
        throw clientCa.error(
            "needs tls_cert and tls_key: client certificates are asked for over TLS only");
      }
      return null;
    }
    return new ControlPlaneTls(
        file(cert, base), file(key, base), clientCa.isMissing() ? null : file(clientCa, base));
  }

  /**
   * Reads {@code access.notify}: {@code url} (required) and {@code secret_file}; null when left
   * out. The secret file is read at start.
   */
  private static AccessNotify accessNotify(YamlNode n, Path base) {
    if (n.isMissing()) {
      return null;
    }
    Map<String, YamlNode> m = n.mapping(Set.of("url", "secret_file"));
    YamlNode urlNode = get(m, "url");
    if (urlNode.isMissing()) {
      throw n.error("missing required key \"url\": where the changes of grants are posted");
    }
    URI url = httpUrl(urlNode, "https://hooks.example.com/x");
    if (url.getRawUserInfo() != null) {
      throw urlNode.error(
          "holds a user name or password: sign the posts with secret_file instead, or put a"
              + " token in the path");
    }
    YamlNode secret = get(m, "secret_file");
    return new AccessNotify(url, secret.isMissing() ? null : file(secret, base));
  }

  /** A path the file gives, relative to the file's directory; an empty one is refused. */
  private static Path file(YamlNode n, Path base) {
    String v = n.string();
    if (v.isBlank()) {
      throw n.error("must name a file");
    }
    return base.resolve(v).normalize();
  }

  /**
   * Returns the place of each node given in the file, by its key, and of each route's upstream
   * ({@code routes[i].upstream}: {@code vigil up --demo} listens there), name and mode ({@code
   * routes[i].mode}: {@code vigil insight drift} names the line a mode set at runtime departs
   * from).
   */
  private static Map<String, String> keyPlaces(YamlNode routes, YamlNode... nodes) {
    Map<String, String> out = new HashMap<>();
    for (YamlNode n : nodes) {
      if (!n.isMissing()) {
        out.put(n.key(), n.place());
      }
    }
    for (YamlNode r : routes.sequence()) {
      Map<String, YamlNode> route = r.mapping(null);
      for (String key : List.of("upstream", "name", "mode")) {
        YamlNode n = get(route, key);
        if (!n.isMissing()) {
          out.put(n.key(), n.place());
        }
      }
    }
    return out;
  }

  /**
   * The {@code access.entitlements}: each named once, approved by configured users or groups of
   * them, or by users and groups of the default OpenID Connect provider, with durations within
   * {@link Entitlement}'s caps.
   */
  private static List<Entitlement> entitlements(
      YamlNode n,
      List<LocalUser> users,
      Set<String> moreApprovers,
      List<OidcLogin.Config> providers) {
    // By the key sign-in looks users up by (UserNames): an approver written Carol is the user
    // carol, and is stored as the file spells the user, as her sessions name her.
    Map<String, String> userNames = new HashMap<>();
    Set<String> groups = new HashSet<>();
    for (LocalUser u : users) {
      userNames.put(UserNames.key(u.username()), u.username());
      groups.addAll(u.groups());
    }
    for (String more : moreApprovers) {
      if (!more.startsWith(Entitlement.GROUP)) {
        userNames.putIfAbsent(UserNames.key(more), more);
      }
    }
    List<Entitlement> out = new ArrayList<>();
    Map<String, YamlNode> names = new HashMap<>();
    for (YamlNode e : n.sequence()) {
      Map<String, YamlNode> m =
          e.mapping(
              Set.of(
                  "name", "approvers", "max_duration", "break_glass", "break_glass_max_duration"));
      YamlNode nameNode = required(e, m, "name");
      String name = nameNode.string();
      try {
        Entitlement.checkName(name);
      } catch (IllegalArgumentException x) {
        throw nameNode.error(x.getMessage().substring("name: ".length()));
      }
      YamlNode first = names.putIfAbsent(name, nameNode);
      if (first != null) {
        throw nameNode.error(
            "entitlement \"" + name + "\" is defined twice (first on line " + first.line() + ")");
      }
      YamlNode approversNode = required(e, m, "approvers");
      if (approversNode.sequence().isEmpty()) {
        throw approversNode.error("entitlement \"" + name + "\" needs at least one approver");
      }
      Set<String> approvers = new LinkedHashSet<>();
      Set<ProviderApprover> providerApprovers = new LinkedHashSet<>();
      for (YamlNode a : approversNode.sequence()) {
        if ((a.writtenAsKey() + ":").equals(Entitlement.GROUP)) {
          throw a.error(
              "expected a string, not \"group:\" read by YAML as a key (a colon followed by a"
                  + " space, or by nothing, starts one): a group name must follow group:"
                  + " directly, and the item be quoted, as \"group:NAME\"; a group of the"
                  + " OpenID Connect provider is {provider: NAME, group: GROUP}");
        }
        if (a.isMapping()) {
          providerApprovers.add(providerApprover(a, providers));
          continue;
        }
        String who = a.isMissing() ? "" : a.string();
        boolean group = who.startsWith(Entitlement.GROUP);
        String bare = group ? who.substring(Entitlement.GROUP.length()) : who;
        if (group && bare.isBlank()) {
          throw a.error(
              "\"" + who + "\" names no group: a group name must follow group:, as \"group:dba\"");
        }
        String user = group ? null : userNames.get(UserNames.key(bare));
        if (group ? groups.contains(bare) || moreApprovers.contains(who) : user != null) {
          approvers.add(group ? who : user);
        } else {
          throw a.error(
              "\""
                  + who
                  + "\" is not "
                  + (group
                      ? "a group of any configured user"
                      : "a configured user (write group:NAME for a group, {provider: NAME, user:"
                          + " SUBJECT} for a user of an OpenID Connect provider)")
                  + ": only configured users approve");
        }
      }
      YamlNode maxNode = get(m, "max_duration");
      Duration max = grantDuration(maxNode, Duration.ofHours(1), Entitlement.CAP);
      YamlNode glassNode = get(m, "break_glass");
      boolean glass = glassNode.bool(false);
      YamlNode glassMaxNode = get(m, "break_glass_max_duration");
      if (!glass && !glassMaxNode.isMissing()) {
        throw glassMaxNode.error("is set but break_glass is not true: it would never apply");
      }
      Duration glassMax =
          grantDuration(glassMaxNode, Entitlement.BREAK_GLASS_DEFAULT, Entitlement.BREAK_GLASS_CAP);
      if (!glassMaxNode.isMissing() && glassMax.compareTo(max) > 0) {
        throw glassMaxNode.error(
            "\""
                + glassMaxNode.string()
                + "\" is longer than max_duration: break-glass gives less than an approval");
      }
      if (glassMaxNode.isMissing() && glassMax.compareTo(max) > 0) {
        glassMax = max;
      }
      out.add(
          new Entitlement(
              name, List.copyOf(approvers), max, glass, glassMax, List.copyOf(providerApprovers)));
    }
    return out;
  }

  /**
   * An approver of an OpenID Connect provider, written as a mapping so that no local user name can
   * be read as one: {@code {provider: corp, user: SUBJECT}} or {@code {provider: corp, group:
   * NAME}}. The provider must be the default one (the first under {@code oidc}), whose sessions are
   * the only provider sessions the access endpoints take.
   */
  private static ProviderApprover providerApprover(YamlNode a, List<OidcLogin.Config> providers) {
    Map<String, YamlNode> m = a.mapping(Set.of("provider", "user", "group"));
    YamlNode providerNode = required(a, m, "provider");
    String provider = providerNode.string();
    if (provider.equals(Session.LOCAL)) {
      throw providerNode.error(
          "\"local\" users are written by their user name, and their groups as group:NAME");
    }
    List<String> names = providers.stream().map(OidcLogin.Config::name).toList();
    if (!names.contains(provider)) {
      throw providerNode.error(
          "\""
              + provider
              + "\" is not a configured OpenID Connect provider ("
              + (names.isEmpty() ? "oidc configures none" : "oidc configures " + names)
              + ")");
    }
    if (!names.get(0).equals(provider)) {
      throw providerNode.error(
          "\""
              + provider
              + "\" is not the default provider (\""
              + names.get(0)
              + "\", the first under oidc): only its users reach the access endpoints, so no"
              + " other provider's user could ever approve");
    }
    YamlNode user = get(m, "user");
    YamlNode group = get(m, "group");
    if (user.isMissing() == group.isMissing()) {
      throw a.error(
          user.isMissing()
              ? "an approver of provider \"" + provider + "\" needs a user or a group"
              : "an approver names a user or a group, not both: write two approvers");
    }
    YamlNode named = user.isMissing() ? group : user;
    String value = named.string();
    if (value.isBlank() || !value.strip().equals(value)) {
      throw named.error(
          "\""
              + value
              + "\" is not a "
              + (user.isMissing() ? "group" : "subject")
              + " (empty, or with spaces around it)");
    }
    return user.isMissing()
        ? ProviderApprover.group(provider, value)
        : ProviderApprover.user(provider, value);
  }

  /** A grant's duration: from a minute to {@code cap}, in whole minutes. */
  private static Duration grantDuration(YamlNode n, Duration fallback, Duration cap) {
    Duration d = duration(n, fallback);
    if (d.compareTo(Entitlement.FLOOR) < 0 || d.compareTo(cap) > 0) {
      throw n.error("\"" + n.string() + "\" is not from 1m to " + cap.toHours() + "h");
    }
    if (d.toMillis() % 60_000 != 0) {
      throw n.error("\"" + n.string() + "\" is not whole minutes (grants are asked in minutes)");
    }
    return d;
  }

  /**
   * Refuses two listeners on one address: the second failed at start with "address already in use",
   * which sent the reader looking for another process. A null address is a listener that is off;
   * port 0 asks for any free port, so it never clashes.
   */
  private static void refuseOneAddressTwice(
      List<String> keys, List<String> addresses, List<YamlNode> nodes) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      String addr = addresses.get(i);
      if (addr == null || addr.endsWith(":0")) {
        continue;
      }
      String host = addr.substring(0, addr.lastIndexOf(':'));
      String listen =
          (host.isEmpty() ? "127.0.0.1" : host.toLowerCase(Locale.ROOT))
              + addr.substring(addr.lastIndexOf(':'));
      Integer first = seen.putIfAbsent(listen, i);
      if (first != null) {
        YamlNode at = nodes.get(i).isMissing() ? nodes.get(first) : nodes.get(i);
        throw at.error(
            keys.get(first)
                + " and "
                + keys.get(i)
                + " are both "
                + listen
                + " (one of them by default): each listener needs an address of its own");
      }
    }
  }

  /**
   * The {@code store} key, parsed as {@code --store} is; an {@code sqlite:} path is taken from the
   * file's folder, as every path of the file is.
   */
  private static StoreLocation store(YamlNode n, Path base) {
    String url = n.string(null);
    if (url == null) {
      return null;
    }
    if (url.startsWith("sqlite:") && url.length() > "sqlite:".length()) {
      url = "sqlite:" + base.resolve(url.substring("sqlite:".length()));
    }
    try {
      return StoreLocation.parse(url);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  /** A session timeout: a duration of at least a minute, or the default when missing. */
  private static Duration positive(YamlNode n, Duration dflt) {
    Duration d = duration(n, dflt);
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      throw n.error("\"" + n.string() + "\" is too short for a session: at least 1m");
    }
    return d;
  }

  /**
   * A list of strings, each checked: the first one {@code check} refuses is named by its place in
   * the file.
   */
  private static List<String> checked(YamlNode n, Consumer<String> check) {
    for (YamlNode item : n.sequence()) {
      try {
        check.accept(item.string());
      } catch (IllegalArgumentException e) {
        throw item.error(e.getMessage());
      }
    }
    return n.strings();
  }

  /** The decision log's retention: at least an hour, or missing to keep everything. */
  private static Duration retention(YamlNode n) {
    Duration d = duration(n, null);
    try {
      return d == null ? null : DecisionRetention.requireMinimum(d, n.string());
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  private static Identity identity(Map<String, YamlNode> m, Path base, Path dataDir) {
    List<String> domains = new ArrayList<>();
    YamlNode list = get(m, "trust_domains");
    for (YamlNode n : list.sequence()) {
      String td = n.string();
      if (!td.matches("[a-z0-9._-]{1,255}")) {
        throw n.error(
            "\"" + td + "\" is not a trust domain name (lowercase letters, digits, . _ -)");
      }
      if (domains.contains(td)) {
        throw n.error("trust domain \"" + td + "\" is listed twice");
      }
      domains.add(td);
    }
    String socket = get(m, "agent_socket").string(null);
    String keyFile = get(m, "ca_key_file").string(null);
    return new Identity(
        domains,
        socket == null ? dataDir.resolve("agent.sock") : base.resolve(socket),
        keyFile == null ? null : base.resolve(keyFile));
  }

  private static Set<String> gatewayKeys() {
    Set<String> keys =
        new HashSet<>(
            Set.of("addr", "session_idle", "session_absolute", "totp_on_demand", "redirect_hosts"));
    keys.addAll(TlsSettings.KEYS);
    return keys;
  }

  /** Returns the value of a key; a missing key reads as YAML null, so defaults apply. */
  private static YamlNode get(Map<String, YamlNode> m, String k) {
    YamlNode n = m.get(k);
    return n == null ? YamlNode.missing() : n;
  }

  static String address(YamlNode n, String fallback) {
    if (n.isMissing()) {
      return fallback;
    }
    String v = n.string();
    if (!v.matches("(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]*):\\d{1,5}")
        || Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)) > 65535) {
      throw n.error("\"" + v + "\" is not HOST:PORT");
    }
    return v;
  }

  /**
   * Reads a duration as every duration in Vigil is written ({@link DurationText}: {@code 90s},
   * {@code 30m}, {@code 1h30m}, at most 36500 days); {@code fallback} when the key is missing.
   *
   * @throws ConfigException naming the node's place when it is no such duration
   */
  public static Duration duration(YamlNode n, Duration fallback) {
    if (n.isMissing()) {
      return fallback;
    }
    try {
      return DurationText.parse(n.string());
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  /** Reads the routes, putting where each one's policy key is written in {@code places}. */
  private static List<Route> routes(
      YamlNode n, List<OidcLogin.Config> providers, Map<String, String> places) {
    List<Route> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Map<String, String> served = new HashMap<>();
    for (YamlNode r : n.sequence()) {
      Map<String, YamlNode> m =
          r.mapping(
              Set.of(
                  "name",
                  "host",
                  "prefix",
                  "upstream",
                  "policy",
                  "mode",
                  "resource",
                  "action",
                  "identity_provider",
                  "upstream_spiffe_id"));
      String name = required(r, m, "name").string();
      if (name.isBlank()) {
        throw m.get("name").error("a route needs a name: decisions and assertions carry it");
      }
      if (!names.add(name)) {
        throw m.get("name").error("route \"" + name + "\" is defined twice");
      }
      Mode mode;
      YamlNode modeNode = get(m, "mode");
      try {
        mode = modeNode.isMissing() ? Mode.ENFORCE : Mode.parse(modeNode.string());
      } catch (IllegalArgumentException e) {
        throw modeNode.error(e.getMessage());
      }
      Route route;
      try {
        route =
            new Route(
                name,
                routeHost(get(m, "host")),
                get(m, "prefix").string("/"),
                upstream(required(r, m, "upstream")),
                policyPath(required(r, m, "policy")),
                mode,
                get(m, "resource").stringMap(Route.RESOURCE_KEYS),
                action(get(m, "action")),
                identityProvider(get(m, "identity_provider"), providers),
                spiffeId(get(m, "upstream_spiffe_id")));
      } catch (IllegalArgumentException e) {
        throw r.error(e.getMessage());
      }
      String other = served.putIfAbsent(route.host() + " " + route.pathPrefix(), name);
      if (other != null) {
        throw r.error(
            "serves host \""
                + route.host()
                + "\" and prefix \""
                + route.pathPrefix()
                + "\" as route \""
                + other
                + "\" does: only the first would ever get a request");
      }
      out.add(route);
      places.put(name, m.get("policy").place());
    }
    return out;
  }

  /**
   * A route's host: {@code *}, or a host name or IP address without a port, in the spelling the
   * gateway routes requests on (lower case, no trailing dot), since any other would never match.
   */
  private static String routeHost(YamlNode n) {
    String host = n.string("*");
    if (host.equals("*")) {
      return host;
    }
    String normal = HostHeader.normalize(host);
    if (normal == null) {
      throw n.error("\"" + host + "\" is not a host name or IP address (nor * for every host)");
    }
    if (!normal.equals(RouteTable.hostOnly(normal))) {
      throw n.error(
          "\""
              + host
              + "\" has a port: a route matches the host whatever the port; write the host alone");
    }
    return normal;
  }

  /** A route's upstream: an http(s) URL with a host, and nothing the gateway would not send. */
  private static URI upstream(YamlNode n) {
    URI uri = httpUrl(n, "http://host:port");
    // The gateway sends the scheme, host, port and path alone: say so rather than drop the rest.
    String dropped =
        uri.getRawUserInfo() != null
            ? "a user name or password, which the gateway would not send (put credentials in the"
                + " upstream's own configuration)"
            : uri.getRawQuery() != null
                ? "a query, which the gateway would not send (it forwards each request's own)"
                : null;
    if (dropped != null) {
      throw n.error("\"" + uri + "\" holds " + dropped + "; write http(s)://host:port[/base]");
    }
    return uri;
  }

  /**
   * Reads a URL of the file that Vigil connects to or sends people to: absolute, {@code http} or
   * {@code https}, with a host, without a {@code #fragment} (never sent) and with a port a
   * connection can use. Each key then refuses what it has no use for (a query, a user name).
   *
   * @param example a URL of the kind the key takes, shown in the error
   * @throws ConfigException naming the key, its line and the text
   */
  static URI httpUrl(YamlNode n, String example) {
    String text = n.string();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      String at = e.getIndex() < 0 ? "" : " at index " + e.getIndex();
      throw n.error(
          "\"" + text + "\" is not a URL (" + e.getReason() + at + "); write one like " + example);
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null) {
      throw n.error("\"" + text + "\" is not an http(s) URL with a host, like " + example);
    }
    if (uri.getRawFragment() != null) {
      throw n.error("\"" + text + "\" holds a #fragment, which is never sent; leave it out");
    }
    portInRange(n, uri);
    return uri;
  }

  /**
   * Refuses a URL whose port no connection can use (0, or above 65535, which {@link URI} reads
   * without complaint): it would fail only at its first use, far from the file.
   */
  private static void portInRange(YamlNode n, URI uri) {
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw n.error("\"" + uri + "\": port " + uri.getPort() + " is not from 1 to 65535");
    }
  }

  /** A route's action: one of those docs/policy-input.md lists, or null to follow the method. */
  private static String action(YamlNode n) {
    String action = n.string(null);
    try {
      return action == null ? null : Route.parseAction(action);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  /** The external-authorization endpoints' policy path, checked as a route's is. */
  private static String authzPolicy(YamlNode n, String fallback) {
    return n.isMissing() ? fallback : policyPath(n);
  }

  /** A route's policy path, which must name a rule: as the decision point reads it. */
  private static String policyPath(YamlNode n) {
    String text = n.string();
    try {
      Route.checkPolicyPath(text);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
    return text;
  }

  private static List<LocalUser> users(YamlNode n) {
    List<LocalUser> out = new ArrayList<>();
    Map<String, YamlNode> firsts = new HashMap<>();
    for (YamlNode u : n.sequence()) {
      Map<String, YamlNode> m =
          u.mapping(Set.of("username", "email", "roles", "groups", "password_hash", "totp_secret"));
      YamlNode nameNode = required(u, m, "username");
      String username = nameNode.string();
      if (username.isBlank()) {
        throw nameNode.error("a user needs a name to sign in with");
      }
      if (UserNames.key(username).isEmpty()) {
        throw nameNode.error("a user needs a name with a visible character to sign in with");
      }
      // Names are looked up and throttled by their key: two spellings of one are one account.
      YamlNode first = firsts.putIfAbsent(UserNames.key(username), nameNode);
      if (first != null) {
        String twice =
            first.string().equals(username)
                ? "user \"" + username + "\" is defined twice"
                : LocalUsers.twice(first.string(), username);
        throw nameNode.error(twice + " (first on line " + first.line() + ")");
      }
      YamlNode hashNode = required(u, m, "password_hash");
      String hash = hashNode.string();
      if (!hash.startsWith("$argon2id$")) {
        throw hashNode.error(
            "must be an Argon2id hash ($argon2id$...); make one with `vigil hash-password`");
      }
      String problem = PasswordHash.problem(hash);
      if (problem != null) {
        throw hashNode.error(
            "the Argon2id hash "
                + problem
                + ", so no password would match it; make one with `vigil hash-password`");
      }
      YamlNode secretNode = get(m, "totp_secret");
      String secret = secretNode.string(null);
      if (secret != null) {
        try {
          Totp.checkSecret(secret);
        } catch (IllegalArgumentException e) {
          throw secretNode.error(e.getMessage() + ", so no code would match it");
        }
      }
      out.add(
          new LocalUser(
              username,
              get(m, "email").string(""),
              names(get(m, "roles"), "role"),
              names(get(m, "groups"), "group"),
              hash,
              secret));
    }
    return out;
  }

  /**
   * A user's roles or groups: YAML's null ({@code ~}) read as the text "null" or "~", and a blank
   * name matched a blank {@code console.admin_role}; both are refused.
   */
  private static List<String> names(YamlNode list, String what) {
    for (YamlNode item : list.sequence()) {
      if (item.isMissing() || item.string().isBlank()) {
        throw item.error("a " + what + " needs a name; this one is empty");
      }
    }
    return list.strings();
  }

  /** The console's admin role: a blank one would name no role, or a blank one by mistake. */
  private static String adminRole(YamlNode n, String fallback) {
    String role = n.string(fallback);
    if (role.isBlank()) {
      throw n.error("the role that may sign in to the console cannot be blank");
    }
    return role;
  }

  private static SpiffeId spiffeId(YamlNode n) {
    String text = n.string(null);
    try {
      return text == null ? null : SpiffeId.parse(text);
    } catch (SpiffeIdException e) {
      throw n.error("\"" + text + "\" is not a SPIFFE ID: " + e.getMessage());
    }
  }

  private static String identityProvider(YamlNode n, List<OidcLogin.Config> providers) {
    String name = n.string(null);
    if (name == null
        || name.equals(Session.LOCAL)
        || providers.stream().anyMatch(p -> p.name().equals(name))) {
      return name;
    }
    throw n.error("no identity provider \"" + name + "\" in the oidc section (nor \"local\")");
  }

  private static YamlNode required(YamlNode parent, Map<String, YamlNode> m, String k) {
    YamlNode n = m.get(k);
    if (n == null || n.isMissing()) {
      throw parent.error("missing required key \"" + k + "\"");
    }
    return n;
  }
}
