package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns of monitored and enforced routes whose policy path nothing in the policy in service defines
 * (see {@link DecisionPoint#defines}): every request on such a route is denied as undefined, or in
 * monitor mode logged as a denial, which is what a misspelt path in the file or a policy not
 * written yet looks like. Run at start, after each reload of the configuration, after each bundle
 * activation and after each write of policies or data through OPA's API; it warns when the set of
 * such routes changes, and says so once they are all defined again.
 *
 * <p>The other policy paths of the configuration, such as {@code control_plane.authz_policy} (the
 * path the external-authorization endpoints ask), are watched the same way, each by the key or
 * option that sets it, with warnings of their own: a path nothing defines denies every decision
 * asked of it. A path the decision point observes (its mode table) is not evaluated, and is left
 * out, as an observed route is.
 *
 * <p>Thread-safe: runs are serialised.
 */
public final class RoutePolicyCheck implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(RoutePolicyCheck.class);

  private final Supplier<RouteTable> routes;
  private final DecisionPoint pdp;
  private final Map<String, String> paths;
  private final AtomicReference<List<String>> reported = new AtomicReference<>(List.of());
  private final AtomicReference<List<String>> reportedPaths = new AtomicReference<>(List.of());

  /**
   * @param routes the route table in service
   * @param pdp the decision point the routes ask
   */
  public RoutePolicyCheck(Supplier<RouteTable> routes, DecisionPoint pdp) {
    this(routes, pdp, Map.of());
  }

  /**
   * @param routes the route table in service
   * @param pdp the decision point the routes ask
   * @param paths the other policy paths in service, by the key or option that sets them (such as
   *     {@code control_plane.authz_policy})
   */
  public RoutePolicyCheck(
      Supplier<RouteTable> routes, DecisionPoint pdp, Map<String, String> paths) {
    this.routes = routes;
    this.pdp = pdp;
    this.paths = new TreeMap<>(paths);
  }

  /** Returns {@code route=policy} for each route whose policy path nothing defines, by name. */
  public List<String> undefined() {
    TreeSet<String> out = new TreeSet<>();
    for (Route r : routes.get().routes()) {
      if (namesNothing(r, pdp)) {
        out.add(r.name() + "=" + r.policyPath());
      }
    }
    return List.copyOf(out);
  }

  /** Returns {@code key=path} for each of the other paths that nothing defines, by key. */
  public List<String> undefinedPaths() {
    return paths.entrySet().stream()
        .filter(e -> namesNothing(e.getValue(), pdp))
        .map(e -> e.getKey() + "=" + e.getValue())
        .toList();
  }

  /**
   * Returns true when {@code route} is monitored or enforced and its policy path names no rule or
   * data of {@code pdp}'s policy. An observed route is not evaluated, and may name a policy still
   * to be written.
   */
  public static boolean namesNothing(Route route, DecisionPoint pdp) {
    return route.mode() != Mode.OBSERVE && !pdp.defines(PolicyPath.parse(route.policyPath()));
  }

  /**
   * Returns true when {@code path}, asked by something other than a route (an
   * external-authorization endpoint, OPA's default decision), names no rule or data of {@code
   * pdp}'s policy and is not observed by its mode table: every decision asked of it is undefined, a
   * denial.
   *
   * @throws IllegalArgumentException when {@code path} is not a policy path
   */
  public static boolean namesNothing(String path, DecisionPoint pdp) {
    return namesNothing(path, pdp, pdp::defines);
  }

  /**
   * As {@link #namesNothing(String, DecisionPoint)}, for the policy set {@code defines} tells of
   * (one a write through the API would put in service; see {@link DecisionPoint.ChangeCheck}).
   */
  public static boolean namesNothing(
      String path, DecisionPoint pdp, Predicate<PolicyPath> defines) {
    PolicyPath p = PolicyPath.parse(path);
    return pdp.modes().modeOf(p) != Mode.OBSERVE && !defines.test(p);
  }

  @Override
  public synchronized void run() {
    List<String> now = undefined();
    if (!now.equals(reported.getAndSet(now))) {
      if (now.isEmpty()) {
        log.info("every route's policy path is defined by the policy in service");
      } else {
        log.warn(
            "routes whose policy path no rule or data of the policy in service defines: {}; every"
                + " decision on them is undefined, a denial, until a policy defines the path:"
                + " check the route's policy key against the package and rule names",
            now);
      }
    }
    List<String> others = undefinedPaths();
    if (!others.equals(reportedPaths.getAndSet(others))) {
      if (others.isEmpty()) {
        log.info("every configured policy path is defined by the policy in service");
      } else {
        log.warn(
            "configured policy paths that no rule or data of the policy in service defines: {};"
                + " every decision asked of them is undefined, a denial (for"
                + " control_plane.authz_policy: every request to /v1/authz/envoy, nginx and"
                + " traefik is denied), until a policy defines the path: check it against the"
                + " package and rule names",
            others);
      }
    }
  }
}
