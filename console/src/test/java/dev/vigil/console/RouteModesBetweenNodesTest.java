package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Two nodes sharing the real PostgreSQL at 127.0.0.1:5432 (a fresh schema per run): a route mode
 * set or reset in one node's console reaches the other node's live route table by LISTEN/NOTIFY,
 * without a restart. Node 2 reads the store only at start and when its feed tells it to, so only
 * the feed can make these tests pass.
 */
class RouteModesBetweenNodesTest {

  private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final Duration BOUND = Duration.ofSeconds(20);

  private String schema;
  private Store store1;
  private Store store2;
  private RouteModes node1;
  private RouteModes node2;
  private AutoCloseable feed2;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void start() throws Exception {
    schema = "vigil_modes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    StoreLocation pg =
        StoreLocation.parse("postgresql://127.0.0.1:5432/test?currentSchema=" + schema);
    store1 = Store.open(pg);
    store2 = Store.open(pg);
    node1 = node(store1);
    node2 = node(store2);
    logged.start();
    Logger modes = (Logger) LoggerFactory.getLogger(RouteModes.class);
    levelBefore = modes.getLevel();
    modes.setLevel(Level.INFO);
    modes.addAppender(logged);
  }

  @AfterEach
  void stop() throws Exception {
    Logger modes = (Logger) LoggerFactory.getLogger(RouteModes.class);
    modes.detachAppender(logged);
    modes.setLevel(levelBefore);
    if (feed2 != null) {
      feed2.close();
    }
    store1.close();
    store2.close();
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private static RouteModes node(Store store) {
    return RouteModes.start(
        ConsoleFixture.CONFIGURED, new RouteModeOverrides(store), InstantSource.system());
  }

  private static Mode modeOf(RouteModes node, String route) {
    RouteTable t = node.table().get();
    return t.routes().stream().filter(r -> r.name().equals(route)).findFirst().orElseThrow().mode();
  }

  /** Polls {@code condition} until it holds or {@link #BOUND} passes; returns the last answer. */
  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  private List<String> lines(String thread) {
    return logged.list.stream()
        .filter(e -> e.getThreadName().equals(thread))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void changeOnNode1_appliedOnNode2_andLoggedThere() throws Exception {
    feed2 = node2.followChanges();

    node1.change("echo", Mode.MONITOR, "carol");

    assertThat(eventually(() -> modeOf(node2, "echo") == Mode.MONITOR))
        .as("node 2's live table runs echo in the mode set on node 1")
        .isTrue();
    assertThat(node2.override("echo"))
        .get()
        .extracting(RouteModeOverride::changedBy)
        .isEqualTo("carol");
    assertThat(modeOf(node2, "staging")).isEqualTo(Mode.MONITOR);
    assertThat(lines("vigil-route-modes-feed"))
        .contains(
            "route mode changed: route=echo from=enforce to=monitor by=carol on=another-node");
  }

  @Test
  void resetOnNode1_returnsNode2ToTheConfiguredMode() throws Exception {
    feed2 = node2.followChanges();
    node1.change("echo", Mode.OBSERVE, "carol");
    assertThat(eventually(() -> modeOf(node2, "echo") == Mode.OBSERVE)).isTrue();

    node1.reset("echo", "carol");

    assertThat(eventually(() -> modeOf(node2, "echo") == Mode.ENFORCE))
        .as("node 2's live table runs echo in its configured mode again")
        .isTrue();
    assertThat(node2.override("echo")).isEmpty();
    assertThat(lines("vigil-route-modes-feed"))
        .contains(
            "route mode reset to the configuration: route=echo from=observe to=enforce by=unknown"
                + " on=another-node");
  }

  @Test
  void changeStoredBeforeFollowing_isPickedUpByTheResyncOnConnect() throws Exception {
    // Stored without node 2 listening, as when a notification is lost during a reconnect.
    new RouteModeOverrides(store1)
        .put(new RouteModeOverride("staging", "observe", "carol", Instant.now()));
    assertThat(modeOf(node2, "staging")).isEqualTo(Mode.MONITOR);

    feed2 = node2.followChanges();

    assertThat(eventually(() -> modeOf(node2, "staging") == Mode.OBSERVE)).isTrue();
  }

  @Test
  void ownChange_echoedByTheFeed_isNotLoggedAgain() throws Exception {
    feed2 = node2.followChanges();
    node2.change("echo", Mode.MONITOR, "carol");
    // A later change from node 1 shows that node 2's feed has handled its own change's echo.
    node1.change("staging", Mode.OBSERVE, "dave");
    assertThat(eventually(() -> modeOf(node2, "staging") == Mode.OBSERVE)).isTrue();

    assertThat(lines("vigil-route-modes-feed"))
        .containsExactly(
            "route mode changed: route=staging from=monitor to=observe by=dave on=another-node");
    assertThat(modeOf(node2, "echo")).isEqualTo(Mode.MONITOR);
  }

  @Test
  void sqlite_followsNothing_andChangesStillApply(@TempDir Path sqlite) throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(sqlite))) {
      RouteModes node = node(store);
      AutoCloseable feed = node.followChanges();

      node.change("echo", Mode.OBSERVE, "carol");

      assertThat(modeOf(node, "echo")).isEqualTo(Mode.OBSERVE);
      assertThat(new RouteModeOverrides(store).all())
          .extracting(RouteModeOverride::mode)
          .containsExactly("observe");
      assertThat(node.reset("echo", "carol")).isNotNull();
      assertThat(modeOf(node, "echo")).isEqualTo(Mode.ENFORCE);
      feed.close();
      assertThat(lines("vigil-route-modes-feed")).isEmpty();
    }
  }

  /** Routes of a rollout: echo enforced, billing observed while its policy is written. */
  private static final List<Route> ROLLOUT =
      List.of(
          ConsoleFixture.CONFIGURED.get(0),
          new Route(
              "billing",
              "billing.localhost",
              "/",
              URI.create("http://127.0.0.1:9"),
              "billing/allow",
              Mode.OBSERVE,
              Map.of(),
              null));

  private static DecisionPoint policy(boolean withBilling) {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\nimport rego.v1\nallow if input.ok\n");
    if (withBilling) {
      pdp.putPolicy("billing.rego", "package billing\nimport rego.v1\nallow if input.ok\n");
    }
    return pdp;
  }

  private List<String> errors() {
    return logged.list.stream()
        .filter(e -> e.getLevel() == Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /**
   * Regression: a mode set on another node was applied here unchecked. Node 1's policy defines
   * billing/allow, node 2's (its bundle not yet updated) does not: enforcing billing on node 1 made
   * node 2 deny every billing request as undefined, silently. Node 2 now keeps the route in the
   * mode it ran in, says why once, and applies the mode when its policy defines the path.
   */
  @Test
  void enforceOnNode1_pathUndefinedOnNode2_withheldThereLoudly_appliedOncePolicyDefinesIt()
      throws Exception {
    RouteModes one =
        RouteModes.start(ROLLOUT, new RouteModeOverrides(store1), InstantSource.system());
    RouteModes two =
        RouteModes.start(ROLLOUT, new RouteModeOverrides(store2), InstantSource.system());
    DecisionPoint pdp2 = policy(false);
    one.checkPoliciesOf(policy(true));
    two.checkPoliciesOf(pdp2);
    feed2 = two.followChanges();

    one.change("billing", Mode.ENFORCE, "carol");
    one.change("echo", Mode.MONITOR, "dave");

    // The second change reaching node 2 shows that it has handled the first.
    assertThat(eventually(() -> modeOf(two, "echo") == Mode.MONITOR)).isTrue();
    assertThat(modeOf(one, "billing")).isEqualTo(Mode.ENFORCE);
    assertThat(modeOf(two, "billing")).isEqualTo(Mode.OBSERVE);
    assertThat(errors()).hasSize(1);
    assertThat(errors().get(0))
        .startsWith(
            "route mode set in the console not applied on this node: route=billing wanted=enforce"
                + " by carol at ")
        .contains(
            "on=another-node: its policy billing/allow names no rule or data of the policy in"
                + " service, so in enforce mode every request would be denied; the route stays in"
                + " observe mode here");

    one.change("echo", Mode.OBSERVE, "dave");
    assertThat(eventually(() -> modeOf(two, "echo") == Mode.OBSERVE)).isTrue();
    assertThat(modeOf(two, "billing")).isEqualTo(Mode.OBSERVE);
    assertThat(errors()).as("withheld, and said once").hasSize(1);

    pdp2.putPolicy("billing.rego", "package billing\nimport rego.v1\nallow if input.ok\n");
    two.recheck();

    assertThat(modeOf(two, "billing")).isEqualTo(Mode.ENFORCE);
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .contains(
            "route mode changed: route=billing from=observe to=enforce by=carol on=another-node");
  }

  /** A node that starts with a stored mode its policy cannot serve runs the configured mode. */
  @Test
  void start_storedEnforceOnAPathUndefinedHere_runsTheConfiguredModeAndSaysSo() throws Exception {
    new RouteModeOverrides(store1)
        .put(new RouteModeOverride("billing", "enforce", "carol", Instant.now()));

    RouteModes two =
        RouteModes.start(ROLLOUT, new RouteModeOverrides(store2), InstantSource.system());
    two.checkPoliciesOf(policy(false));

    assertThat(modeOf(two, "billing")).isEqualTo(Mode.OBSERVE);
    assertThat(errors())
        .singleElement()
        .asString()
        .contains("route=billing wanted=enforce by carol at ")
        .contains("on=store-at-start: its policy billing/allow names no rule or data");
    // The mode stays in the store for the nodes that can serve it, and can be reset here.
    assertThat(two.reset("billing", "erin")).isNotNull();
    assertThat(new RouteModeOverrides(store1).all()).isEmpty();
  }
}
