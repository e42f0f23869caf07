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
import dev.vigil.pdp.bundle.BundleReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A route whose policy path is misspelt was served without a word: every request was denied as
 * undefined, and only the decision log said why, one request at a time.
 */
class RoutePolicyCheckTest {

  private static Route route(String name, String policy) {
    return route(name, policy, Mode.ENFORCE);
  }

  private static Route route(String name, String policy, Mode mode) {
    return new Route(
        name,
        name + ".example",
        "/",
        URI.create("http://127.0.0.1:9"),
        policy,
        mode,
        Map.of(),
        null);
  }

  private static DecisionPoint pdp(String rego) throws Exception {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "t",
            Map.of(
                "wiki.rego", rego.getBytes(StandardCharsets.UTF_8),
                "flags/data.json", "{\"on\": true}".getBytes(StandardCharsets.UTF_8))));
    return pdp;
  }

  @Test
  void undefined_namesOnlyRoutesNothingDefines() throws Exception {
    DecisionPoint pdp = pdp("package wiki\n\nallow if input.ok\n\nrules.read := true\n");
    List<Route> routes =
        List.of(
            route("a", "wiki/allow"),
            route("b", "data.wiki.allow"),
            route("c", "wiki/alow"),
            route("d", "wikki/allow"),
            route("e", "flags/on"),
            route("f", "flags/off"),
            route("g", "wiki/rules/read"),
            route("h", "wiki"));

    RoutePolicyCheck check = new RoutePolicyCheck(() -> new RouteTable(routes), pdp);

    assertThat(check.undefined()).containsExactly("c=wiki/alow", "d=wikki/allow", "f=flags/off");
  }

  /** An observed route is not evaluated: it may name a policy still to be written (the demo's). */
  @Test
  void undefined_leavesOutObservedRoutes() throws Exception {
    DecisionPoint pdp = pdp("package wiki\n\nallow if input.ok\n");
    List<Route> routes =
        List.of(
            route("reports", "reports/allow", Mode.OBSERVE),
            route("billing", "billing/allow", Mode.MONITOR),
            route("wiki", "wiki/allow", Mode.ENFORCE));

    RoutePolicyCheck check = new RoutePolicyCheck(() -> new RouteTable(routes), pdp);

    assertThat(check.undefined()).containsExactly("billing=billing/allow");
  }

  @Test
  void run_warnsWhenTheUndefinedRoutesChange_onlyThen() throws Exception {
    DecisionPoint pdp = pdp("package wiki\n\nallow if input.ok\n");
    AtomicReference<RouteTable> table =
        new AtomicReference<>(new RouteTable(List.of(route("wiki", "wiki/alow"))));
    RoutePolicyCheck check = new RoutePolicyCheck(table::get, pdp);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(RoutePolicyCheck.class);
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(logged);
    try {
      check.run();
      check.run();
      table.set(new RouteTable(List.of(route("wiki", "wiki/allow"))));
      check.run();
    } finally {
      logger.detachAppender(logged);
      logger.setLevel(before);
    }

    assertThat(logged.list).hasSize(2);
    assertThat(logged.list.get(0).getLevel()).isEqualTo(Level.WARN);
    assertThat(logged.list.get(0).getFormattedMessage()).contains("[wiki=wiki/alow]");
    assertThat(logged.list.get(1).getFormattedMessage())
        .isEqualTo("every route's policy path is defined by the policy in service");
  }

  /**
   * Regression: control_plane.authz_policy was never checked against the policy: a path nothing
   * defines denied every external-authorization request as undefined, without a word. It is watched
   * beside the routes, by its key; a path the decision point observes is left out.
   */
  @Test
  void undefinedPaths_namesConfiguredPathsNothingDefines_byKey() throws Exception {
    DecisionPoint pdp = pdp("package wiki\n\nallow if input.ok\n");
    RoutePolicyCheck check =
        new RoutePolicyCheck(
            () -> new RouteTable(List.of()),
            pdp,
            Map.of(
                "control_plane.authz_policy", "wiki/alow",
                "--default-decision", "data.wiki.allow"));

    assertThat(check.undefinedPaths()).containsExactly("control_plane.authz_policy=wiki/alow");

    DecisionPoint observing =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withModes(
                    new dev.vigil.pdp.ModeTable(Map.of("wiki", Mode.OBSERVE), Mode.ENFORCE)));
    observing.putPolicy("wiki.rego", "package wiki\n\nallow if input.ok\n");
    assertThat(
            new RoutePolicyCheck(
                    () -> new RouteTable(List.of()),
                    observing,
                    Map.of("control_plane.authz_policy", "wiki/alow"))
                .undefinedPaths())
        .as("observed: not evaluated")
        .isEmpty();
  }

  @Test
  void run_warnsOfAConfiguredPathOnceAndWhenDefinedAgain() throws Exception {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("wiki.rego", "package wiki\n\nallow if input.ok\n");
    RoutePolicyCheck check =
        new RoutePolicyCheck(
            () -> new RouteTable(List.of()),
            pdp,
            Map.of("control_plane.authz_policy", "authz/allow"));
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(RoutePolicyCheck.class);
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(logged);
    try {
      check.run();
      check.run();
      pdp.putPolicy("authz.rego", "package authz\n\nallow if input.ok\n");
      check.run();
    } finally {
      logger.detachAppender(logged);
      logger.setLevel(before);
    }

    assertThat(logged.list).hasSize(2);
    assertThat(logged.list.get(0).getLevel()).isEqualTo(Level.WARN);
    assertThat(logged.list.get(0).getFormattedMessage())
        .contains("[control_plane.authz_policy=authz/allow]");
    assertThat(logged.list.get(1).getFormattedMessage())
        .isEqualTo("every configured policy path is defined by the policy in service");
  }
}
