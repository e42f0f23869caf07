package dev.vigil.console;

import dev.vigil.access.Grants;
import dev.vigil.access.Holders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.LocalUsers;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.config.VigilConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a changed configuration file to a running {@code vigil up}: routes (modes set in the
 * console are kept) and users (of the gateway and of the console: a session of a user removed, or
 * whose password or TOTP secret changed, is over at its next request, and the others take the roles
 * of now). Keys that only take effect at start are compared and, when changed, named in a warning.
 *
 * <p>The gateway's routes and users are published as one generation, in one step: the route table
 * carries the users, and a request reads the table once, so it is decided on the routes and users
 * of the old configuration or of the new one, never on a mix (a mix could let in someone neither
 * lets in). The authenticator's copy of the users, which sign-in and step-up check against, is
 * replaced just after; a session it starts counts only as the generation of each request sees it.
 */
public final class ConfigReload {

  private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);

  private final RouteModes routes;
  private final LocalAuthenticator gatewayUsers;
  private final ConsoleSignIn console;
  private final List<LocalUser> extraUsers;
  // What runs of the keys that take effect only at start: a reload compares with it, not with the
  // file's previous version, so that a key put back is no longer named and a key still waiting
  // for a restart is named at every reload.
  private final VigilConfig started;
  private volatile Grants grants;

  /**
   * @param started the configuration {@code vigil up} started with
   * @param extraUsers users that are not in the file (the demo's), kept across reloads
   */
  public ConfigReload(
      VigilConfig started,
      RouteModes routes,
      LocalAuthenticator gatewayUsers,
      ConsoleSignIn console,
      List<LocalUser> extraUsers) {
    this.started = started;
    this.routes = routes;
    this.gatewayUsers = gatewayUsers;
    this.console = console;
    this.extraUsers = List.copyOf(extraUsers);
  }

  /**
   * Applies the entitlements and users of each configuration to {@code g} too (grants they no
   * longer allow are cut); returns this.
   */
  public ConfigReload withGrants(Grants g) {
    this.grants = g;
    return this;
  }

  /**
   * Applies {@code next}.
   *
   * @throws IllegalArgumentException when it cannot be applied (a user defined twice); nothing of
   *     it is applied then
   */
  public void apply(VigilConfig next) {
    List<LocalUser> users = new ArrayList<>(next.users());
    users.addAll(extraUsers);
    // Refuses a user defined twice before anything changes.
    LocalUsers generation = LocalUsers.of(users);
    // Routes and users in one step; the modes set in the console stay on top of the file's.
    routes.configure(next.routes(), generation, next::policyPlace);
    gatewayUsers.replaceUsers(generation);
    console.replaceConfigUsers(users);
    if (grants != null) {
      // Providers take effect at start only: those running now are the started configuration's.
      grants.configure(next.entitlements(), holders(users, started.oidc()));
      grants.requestLifetime(next.requestLifetime());
    }
    List<String> restart = restartOnly(started, next);
    if (!restart.isEmpty()) {
      log.warn("configuration: {} changed; they take effect at the next start", restart);
    }
    // The demo's users are kept in the data directory, not in the file: say both, so that a file
    // with no users does not read as a gateway without any.
    log.info(
        "configuration applied: routes={} users={} (file_users={} demo_users={})",
        next.routes().size(),
        users.size(),
        next.users().size(),
        extraUsers.size());
  }

  /**
   * Returns who may hold grants: the local users {@code users} (of the file and the demo's) and the
   * users of the providers {@code oidc}.
   */
  public static Holders holders(List<LocalUser> users, List<OidcLogin.Config> oidc) {
    return Holders.of(
        users.stream().map(LocalUser::username).toList(),
        oidc.stream().map(OidcLogin.Config::name).toList());
  }

  /** Returns the keys whose change needs a restart. */
  static List<String> restartOnly(VigilConfig a, VigilConfig b) {
    List<String> out = new ArrayList<>();
    check(out, "data_dir", a.dataDir(), b.dataDir());
    check(out, "store", a.store(), b.store());
    check(out, "control_plane.addr", a.controlPlane(), b.controlPlane());
    check(out, "control_plane.authz_policy", a.authzPolicy(), b.authzPolicy());
    check(out, "control_plane.trusted_proxies", a.trustedProxies(), b.trustedProxies());
    check(out, "control_plane.tls_*", a.controlPlaneTls(), b.controlPlaneTls());
    check(out, "access.notify", a.accessNotify(), b.accessNotify());
    check(out, "gateway.addr", a.gateway(), b.gateway());
    check(out, "gateway.session_idle", a.sessionIdle(), b.sessionIdle());
    check(out, "gateway.session_absolute", a.sessionAbsolute(), b.sessionAbsolute());
    check(out, "gateway.totp_on_demand", a.totpOnDemand(), b.totpOnDemand());
    check(out, "gateway.redirect_hosts", a.redirectHosts(), b.redirectHosts());
    check(out, "gateway.tls_addr", a.tls().addr(), b.tls().addr());
    check(out, "gateway.tls_cert", a.tls().certFile(), b.tls().certFile());
    check(out, "gateway.tls_key", a.tls().keyFile(), b.tls().keyFile());
    check(
        out,
        "gateway.device_report_max_age",
        a.tls().deviceReportMaxAge(),
        b.tls().deviceReportMaxAge());
    check(out, "policy.bundle", a.bundle(), b.bundle());
    check(out, "policy.v0_compatible", a.v0Compatible(), b.v0Compatible());
    check(out, "decision_log.mask", a.mask(), b.mask());
    check(out, "decision_log.retain", a.decisionRetention(), b.decisionRetention());
    check(out, "oidc", a.oidc(), b.oidc());
    check(out, "identity", a.identity(), b.identity());
    check(out, "console.admin_role", a.adminRole(), b.adminRole());
    return out;
  }

  private static void check(List<String> out, String key, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(key);
    }
  }
}
