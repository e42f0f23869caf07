package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check that {@code vigil up} and {@code vigil sidecar} make of their routes' policies. */
class RoutePoliciesTest {

  @TempDir Path tmp;

  private DecisionPoint pdp() throws Exception {
    Files.writeString(
        tmp.resolve("authz.rego"),
        "package authz\nimport rego.v1\ndefault allow := false\nlimits := {\"max\": 3}\n");
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(BundleReader.read(tmp));
    return pdp;
  }

  private static Route route(String name, String policy, Mode mode) {
    return new Route(
        name, "*", "/", URI.create("http://127.0.0.1:9"), policy, mode, Map.of(), null);
  }

  @Test
  void namingNothing_enforcedRouteWithAMisspeltPolicy_isNamedWithTheRules() throws Exception {
    String wrong =
        RoutePolicies.namingNothing(
            List.of(
                route("app", "authz/allow", Mode.ENFORCE),
                route("api", "authz/alow", Mode.ENFORCE)),
            r -> null,
            pdp(),
            "b");

    assertThat(wrong)
        .isEqualTo(
            "route \"api\": policy \"authz/alow\" names no rule or data in bundle b (write it,"
                + " or observe the route until it exists); its rules: authz/allow, authz/limits");
  }

  @Test
  void namingNothing_monitoredMisspeltButObservedOrInsideARule_fine() throws Exception {
    DecisionPoint pdp = pdp();

    assertThat(
            RoutePolicies.namingNothing(
                List.of(route("m", "authz/alow", Mode.MONITOR)), r -> null, pdp, "b"))
        .startsWith("route \"m\"");
    assertThat(
            RoutePolicies.namingNothing(
                List.of(
                    route("reports", "reports/allow", Mode.OBSERVE),
                    route("max", "authz/limits/max", Mode.ENFORCE)),
                r -> null,
                pdp,
                "b"))
        .isNull();
  }

  @Test
  void namingNothing_placeOfThePolicyKeyKnown_errorStartsWithIt() throws Exception {
    String wrong =
        RoutePolicies.namingNothing(
            List.of(route("api", "authz/alow", Mode.ENFORCE)),
            r -> "vigil.yaml:12: routes[0].policy",
            pdp(),
            "b");

    assertThat(wrong).startsWith("vigil.yaml:12: routes[0].policy: route \"api\": policy");
  }
}
