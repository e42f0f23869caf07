package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.pdp.Mode;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A reloaded configuration reaches the routes and both sign-ins at once. */
class ConfigReloadTest {

  @TempDir Path tmp;
  private Store store;

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** The route table as {@code vigil up} builds it at start, over a store of its own. */
  private RouteModes modes(VigilConfig c) {
    store = Store.open(StoreLocation.embedded(tmp.resolve("store")));
    return RouteModes.start(c.routes(), new RouteModeOverrides(store), InstantSource.system());
  }

  private VigilConfig config(String yaml) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  private static SessionCodec codec() {
    return new SessionCodec(
        SessionCodec.newKey(), Duration.ofMinutes(5), Duration.ofHours(1), InstantSource.system());
  }

  @Test
  void apply_newRouteAndUser_takeEffect_andDemoUsersStay() throws Exception {
    String hash = PasswordHash.hash("pw");
    VigilConfig before =
        config("routes:\n  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n");
    VigilConfig after =
        config(
            "routes:\n  - name: b\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n"
                + "    mode: observe\n"
                + "users:\n  - username: dana\n    roles: [admin]\n    password_hash: '"
                + hash
                + "'\n");
    SessionCodec codec = codec();
    LocalUser demo = new LocalUser("alice", "", List.of("sre"), List.of(), hash, null);
    LocalAuthenticator gateway =
        new LocalAuthenticator(List.of(demo), codec, InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec, InstantSource.system(), "admin", List.of());
    RouteModes modes = modes(before);
    AtomicReference<RouteTable> routes = modes.table();

    new ConfigReload(before, modes, gateway, console, List.of(demo)).apply(after);

    assertThat(routes.get().match("h", "/").name()).isEqualTo("b");
    assertThat(routes.get().match("h", "/").mode()).isEqualTo(Mode.OBSERVE);
    assertThat(gateway.authenticate("dana", "pw", null, null).session()).isNotNull();
    assertThat(gateway.authenticate("alice", "pw", null, null).session()).isNotNull();
    assertThat(console.authenticate("dana", "pw", null, null).session()).isNotNull();
    assertThat(console.authenticate("alice", "pw", null, null).session()).isNull();
  }

  /**
   * Regression: with the demo's users (kept in the data directory) the log said {@code users=0}
   * after a reload of a file without users, while those users still signed in.
   */
  @Test
  void apply_logCountsTheDemoUsersApart() throws Exception {
    String hash = PasswordHash.hash("pw");
    VigilConfig before =
        config("routes:\n  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n");
    LocalUser demo = new LocalUser("alice", "", List.of("sre"), List.of(), hash, null);
    LocalAuthenticator gateway =
        new LocalAuthenticator(List.of(demo), codec(), InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec(), InstantSource.system(), "admin", List.of());
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger reload = (Logger) LoggerFactory.getLogger(ConfigReload.class);
    Level levelBefore = reload.getLevel();
    reload.setLevel(Level.INFO);
    reload.addAppender(logged);
    try {
      new ConfigReload(before, modes(before), gateway, console, List.of(demo)).apply(before);
    } finally {
      reload.detachAppender(logged);
      reload.setLevel(levelBefore);
    }

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .contains("configuration applied: routes=1 users=1 (file_users=0 demo_users=1)");
  }

  @Test
  void apply_userTwice_isRefusedAndNothingChanges() throws Exception {
    String hash = PasswordHash.hash("pw");
    VigilConfig before =
        config("routes:\n  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n");
    String user = "  - username: dana\n    password_hash: '" + hash + "'\n";
    VigilConfig after =
        config(
            "routes:\n  - name: b\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n"
                + "users:\n"
                + user);
    // A file that names a user twice is refused when it is read; one that names a demo user is
    // refused here.
    List<LocalUser> demo = List.of(new LocalUser("dana", "", List.of(), List.of(), hash, null));
    SessionCodec codec = codec();
    LocalAuthenticator gateway = new LocalAuthenticator(List.of(), codec, InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec, InstantSource.system(), "admin", List.of());
    RouteModes modes = modes(before);
    AtomicReference<RouteTable> routes = modes.table();

    assertThatThrownBy(() -> new ConfigReload(before, modes, gateway, console, demo).apply(after))
        .hasMessageContaining("defined twice");
    assertThat(routes.get().match("h", "/").name()).isEqualTo("a");
  }

  /**
   * Restart-only keys are compared with what runs, not with the file's previous version: putting a
   * changed control_plane.addr back was warned about as a change needing a restart, and a later
   * edit of anything else no longer said that the changed address was still waiting for one.
   */
  @Test
  void apply_restartOnlyKeyChangedThenPutBack_warnsOnlyWhileItDiffersFromWhatRuns()
      throws Exception {
    VigilConfig started = config("gateway:\n  addr: 127.0.0.1:1\n");
    VigilConfig moved = config("gateway:\n  addr: 127.0.0.1:2\n");
    VigilConfig movedAndMore = config("gateway:\n  addr: 127.0.0.1:2\n  session_idle: 10m\n");
    LocalAuthenticator gateway = new LocalAuthenticator(List.of(), codec(), InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec(), InstantSource.system(), "admin", List.of());
    ConfigReload reload = new ConfigReload(started, modes(started), gateway, console, List.of());
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger log = (Logger) LoggerFactory.getLogger(ConfigReload.class);
    Level levelBefore = log.getLevel();
    log.setLevel(Level.INFO);
    log.addAppender(logged);
    List<String> warnings;
    try {
      reload.apply(moved);
      reload.apply(movedAndMore);
      reload.apply(started);
    } finally {
      log.detachAppender(logged);
      log.setLevel(levelBefore);
    }
    warnings =
        logged.list.stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();

    assertThat(warnings)
        .containsExactly(
            "configuration: [gateway.addr] changed; they take effect at the next start",
            "configuration: [gateway.addr, gateway.session_idle] changed;"
                + " they take effect at the next start");
  }

  @Test
  void restartOnly_changedAddress_isNamed() throws Exception {
    VigilConfig a = config("gateway:\n  addr: 127.0.0.1:1\n");
    VigilConfig b = config("gateway:\n  addr: 127.0.0.1:2\n");

    assertThat(ConfigReload.restartOnly(a, b)).containsExactly("gateway.addr");
  }

  @Test
  void restartOnly_changedSignInAndTlsSettings_areNamed() throws Exception {
    VigilConfig a = config("gateway:\n  totp_on_demand: true\n");
    VigilConfig b =
        config(
            "gateway:\n  totp_on_demand: false\n  redirect_hosts: [.example.com]\n"
                + "  tls_addr: 127.0.0.1:9443\n  device_report_max_age: 2h\n");

    assertThat(ConfigReload.restartOnly(a, b))
        .containsExactly(
            "gateway.totp_on_demand",
            "gateway.redirect_hosts",
            "gateway.tls_addr",
            "gateway.device_report_max_age");
  }

  @Test
  void restartOnly_changedRetention_isNamed() throws Exception {
    VigilConfig a = config("decision_log:\n  retain: 30d\n");
    VigilConfig b = config("decision_log:\n  retain: 7d\n");

    assertThat(ConfigReload.restartOnly(a, b)).containsExactly("decision_log.retain");
  }

  @Test
  void restartOnly_changedStore_isNamed_sameStoreIsNot() throws Exception {
    VigilConfig a = config("store: postgresql://127.0.0.1:5432/one\n");
    VigilConfig b = config("store: postgresql://127.0.0.1:5432/two\n");
    VigilConfig again = config("store: postgresql://127.0.0.1:5432/one\n");

    assertThat(ConfigReload.restartOnly(a, b)).containsExactly("store");
    assertThat(ConfigReload.restartOnly(a, again)).isEmpty();
  }

  /**
   * A reload that moves a route to another mode or policy says so, route by route: before, the log
   * said only how many routes there were, so a rollout step left no trace of what it changed.
   */
  @Test
  void apply_routeModeAndPolicyChanged_loggedRouteByRoute() throws Exception {
    String route = "  - name: %s\n    upstream: http://127.0.0.1:9\n    policy: %s\n    mode: %s\n";
    VigilConfig before =
        config(
            "routes:\n"
                + route.formatted("wiki", "wiki/allow", "observe")
                + route
                    .formatted("old", "p/allow", "enforce")
                    .replace("\n    upstream", "\n    prefix: /old\n    upstream"));
    VigilConfig after =
        config(
            "routes:\n"
                + route.formatted("wiki", "wiki2/allow", "enforce")
                + route
                    .formatted("new", "p/allow", "monitor")
                    .replace("\n    upstream", "\n    prefix: /new\n    upstream"));
    RouteModes modes = modes(before);
    LocalAuthenticator gateway = new LocalAuthenticator(List.of(), codec(), InstantSource.system());
    ConsoleSignIn console =
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec(), InstantSource.system(), "admin", List.of());
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger routeLog = (Logger) LoggerFactory.getLogger(RouteModes.class);
    Level levelBefore = routeLog.getLevel();
    routeLog.setLevel(Level.INFO);
    routeLog.addAppender(logged);
    try {
      new ConfigReload(before, modes, gateway, console, List.of()).apply(after);
    } finally {
      routeLog.detachAppender(logged);
      routeLog.setLevel(levelBefore);
    }

    assertThat(modes.table().get().match("h", "/").mode()).isEqualTo(Mode.ENFORCE);
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactlyInAnyOrder(
            "route changed by the configuration: route=wiki mode=observe->enforce"
                + " policy=wiki/allow->wiki2/allow",
            "route added by the configuration: route=new mode=monitor policy=p/allow",
            "route removed by the configuration: route=old");
  }
}
