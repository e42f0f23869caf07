package dev.vigil.cli;

import dev.vigil.console.RoutePolicyCheck;
import dev.vigil.gateway.Route;
import dev.vigil.pdp.DecisionPoint;
import java.util.List;
import java.util.function.Function;

/**
 * Checks the policy paths of routes (of {@code vigil up}, or a sidecar's inbound listeners), and
 * the other configured policy paths (the external-authorization endpoints' path), against the
 * bundle loaded: a misspelt path in a monitored or enforced route would be decided by a document
 * that does not exist, every request of it denied as undefined or let through, whatever the policy
 * meant for it says.
 */
final class RoutePolicies {

  private RoutePolicies() {}

  /**
   * Returns the error for the first monitored or enforced route whose policy names no rule or data
   * in the active policy, or null. An observed route is not evaluated, and may name a policy still
   * to be written.
   *
   * @param places where each route's policy key is written ({@code file:line: key}), or null when
   *     unknown; the error starts with it, as every error about a configuration file does
   */
  static String namingNothing(
      List<Route> routes, Function<Route, String> places, DecisionPoint pdp, String bundle) {
    for (Route r : routes) {
      if (RoutePolicyCheck.namesNothing(r, pdp)) {
        String place = places.apply(r);
        return (place == null ? "" : place + ": ")
            + "route \""
            + r.name()
            + "\": policy \""
            + r.policyPath()
            + "\" names no rule or data in bundle "
            + bundle
            + " (write it, or observe the route until it exists); its rules: "
            + listed(pdp.rulePaths());
      }
    }
    return null;
  }

  /**
   * Returns the error for a policy path set by a key or option other than a route's (such as {@code
   * control_plane.authz_policy}) that names no rule or data in the active policy, or null: every
   * decision asked of it would be undefined, a denial. A path the decision point observes is not
   * evaluated, and may name a policy still to be written (see {@link
   * RoutePolicyCheck#namesNothing(String, DecisionPoint)}).
   *
   * @param place where it is written ({@code file:line: key}), or the option's name
   * @param asks what asks the path, for the error ({@code the external-authorization endpoints})
   */
  static String pathNamingNothing(
      String place, String path, String asks, DecisionPoint pdp, String bundle) {
    if (!RoutePolicyCheck.namesNothing(path, pdp)) {
      return null;
    }
    return place
        + ": policy \""
        + path
        + "\" names no rule or data in bundle "
        + bundle
        + ": every decision "
        + asks
        + " ask would be undefined, a denial (write the policy, or correct the path); its rules: "
        + listed(pdp.rulePaths());
  }

  /**
   * Returns a {@link DecisionPoint.ChangeCheck} that refuses a write through OPA's API ({@code PUT}
   * or {@code DELETE /v1/policies/{id}}, a data write) which would leave {@code path} naming
   * nothing while it names something now: the refusal a reload of the configuration gives to such a
   * path, without which every decision {@code asks} ask would silently become a denial.
   *
   * @param place where the path is written ({@code file:line: key}), or the option's name
   * @param asks what asks the path, for the error
   */
  static DecisionPoint.ChangeCheck keepsDefined(
      String place, String path, String asks, DecisionPoint pdp) {
    return defines -> {
      if (RoutePolicyCheck.namesNothing(path, pdp)
          || !RoutePolicyCheck.namesNothing(path, pdp, defines)) {
        return null;
      }
      return place
          + ": policy \""
          + path
          + "\" would name no rule or data once this change is made: every decision "
          + asks
          + " ask would be undefined, a denial; the change is refused and the policies in"
          + " service are unchanged (keep the rule, or change the path and restart first)";
    };
  }

  /** Lists up to ten rule paths, for an error about a path that names none of them. */
  static String listed(List<String> rules) {
    if (rules.isEmpty()) {
      return "none";
    }
    return String.join(", ", rules.subList(0, Math.min(10, rules.size())))
        + (rules.size() > 10 ? ", ..." : "");
  }
}
