package dev.vigil.insight;

import dev.vigil.gateway.Route;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.Mode;
import dev.vigil.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an identity could reach if it were compromised: each configured route and action asked of
 * the policy in service (and of a candidate, to measure how much it would take away), and the
 * workloads and routes it reaches from there in the traffic the log shows.
 *
 * <p><b>Reach under policy.</b> For every route the subject can call (the edge gateway's for a
 * user, the sidecars' inbound listeners for a workload) and every action of {@link Route#ACTIONS},
 * a request is built by the gateway's own input builders ({@link BlastSubject#input}) with the
 * first of {@code GET}, {@code POST}, {@code DELETE} the route turns into that action, and decided
 * by each policy as replay decides ({@link CandidatePolicy}): in enforce mode, with the policy's
 * clock at the window's end. An action no method turns into on that route (admin, unless the route
 * fixes it) is not offered: no request can ask it there. A route in observe or monitor mode lets
 * the request through whatever the policy answers: it is reachable, and marked not enforced.
 *
 * <p><b>Lateral movement.</b> See {@link LateralMovement}.
 *
 * <p>Reads the log and decides with decision points of its own that log nothing: nothing live
 * changes. Immutable once measured.
 */
public final class BlastRadius {

  /** The methods tried for an action, in this order; the first the route maps to it is asked. */
  static final List<String> METHODS = List.of("GET", "POST", "DELETE");

  /**
   * The routes a subject may call.
   *
   * @param edge the edge gateway's routes, called by users
   * @param sidecars each sidecar's inbound routes, by the SPIFFE ID of the workload it fronts
   */
  public record Estate(List<Route> edge, Map<String, List<Route>> sidecars) {
    public Estate {
      edge = List.copyOf(edge);
      sidecars = Map.copyOf(sidecars);
    }
  }

  /**
   * A policy's answer to one request.
   *
   * @param allowed whether it allowed
   * @param why for a denial: the first condition that failed, else the reason (and obligations)
   */
  public record Answer(boolean allowed, String why) {}

  /**
   * One action on one route.
   *
   * @param method the method asked, or null when the route offers no way to ask the action
   * @param inService the answer of the policy in service; null when not offered
   * @param candidate the candidate's answer; null without a candidate or when not offered
   */
  public record Reach(String action, String method, Answer inService, Answer candidate) {

    public boolean offered() {
      return method != null;
    }
  }

  /**
   * One route and what the subject could do there.
   *
   * @param kind {@code route} for the edge gateway's, {@code sidecar} for a sidecar's
   * @param workload the SPIFFE ID of the workload behind the route: the one a sidecar fronts, or
   *     the one an edge route's upstream must prove ({@code upstream_spiffe_id}); else null
   */
  public record RouteReach(
      String kind,
      String name,
      String workload,
      Mode mode,
      Map<String, String> resource,
      List<Reach> actions) {

    /** Whether requests go through here whatever the policy answers (observe, monitor). */
    public boolean notEnforced() {
      return mode != Mode.ENFORCE;
    }

    /** Whether the action can be done here under the policy in service or the candidate. */
    boolean reachable(Reach r, boolean candidate) {
      Answer a = candidate ? r.candidate() : r.inService();
      return r.offered() && (notEnforced() || a.allowed());
    }
  }

  /** A route and action that is reachable under one policy and not under the other. */
  public record Change(String route, String action) {}

  private final BlastSubject subject;
  private final Window window;
  private final String inService;
  private final String candidate;
  private final List<RouteReach> routes;
  private final LateralMovement lateral;

  private BlastRadius(
      BlastSubject subject,
      Window window,
      String inService,
      String candidate,
      List<RouteReach> routes,
      LateralMovement lateral) {
    this.subject = subject;
    this.window = window;
    this.inService = inService;
    this.candidate = candidate;
    this.routes = List.copyOf(routes);
    this.lateral = lateral;
  }

  /**
   * Measures the blast radius of {@code subject}.
   *
   * @param inService the policy in service
   * @param candidate a candidate to compare with, or null
   * @param onlyRoute only this route is asked, or null for all
   * @throws IllegalArgumentException when {@code onlyRoute} names no route the subject can call
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static BlastRadius measure(
      Store store,
      Window window,
      BlastSubject subject,
      Estate estate,
      CandidatePolicy inService,
      CandidatePolicy candidate,
      String onlyRoute) {
    Objects.requireNonNull(inService, "inService");
    List<RouteReach> routes = new ArrayList<>();
    if (subject.workload()) {
      estate
          .sidecars()
          .forEach(
              (workload, inbound) -> {
                for (Route r : inbound) {
                  routes.add(ask(subject, "sidecar", workload, r, window, inService, candidate));
                }
              });
    } else {
      for (Route r : estate.edge()) {
        String behind = r.upstreamSpiffeId() == null ? null : r.upstreamSpiffeId().toString();
        routes.add(ask(subject, "route", behind, r, window, inService, candidate));
      }
    }
    if (onlyRoute != null) {
      routes.removeIf(r -> !r.name().equals(onlyRoute));
      if (routes.isEmpty()) {
        throw new IllegalArgumentException(
            "--route \""
                + Texts.clean(onlyRoute)
                + "\" is no route a "
                + subject.kind()
                + " calls in the configuration given");
      }
    }
    routes.sort(
        java.util.Comparator.comparing(RouteReach::name)
            .thenComparing(r -> r.workload() == null ? "" : r.workload()));
    LateralMovement lateral = LateralMovement.trace(store, window, subject, estate);
    return new BlastRadius(
        subject,
        window,
        label(inService),
        candidate == null ? null : label(candidate),
        routes,
        lateral);
  }

  private static RouteReach ask(
      BlastSubject subject,
      String kind,
      String workload,
      Route route,
      Window window,
      CandidatePolicy inService,
      CandidatePolicy candidate) {
    Instant at = window.until();
    List<Reach> actions = new ArrayList<>();
    for (String action : Route.ACTIONS) {
      String method = methodFor(route, action);
      if (method == null) {
        actions.add(new Reach(action, null, null, null));
        continue;
      }
      var input = subject.input(route, method, at);
      Answer now = answer(inService.decide(route.policyPath(), input, at));
      Answer then =
          candidate == null ? null : answer(candidate.decide(route.policyPath(), input, at));
      actions.add(new Reach(action, method, now, then));
    }
    return new RouteReach(
        kind, route.name(), workload, route.mode(), route.resource(), List.copyOf(actions));
  }

  /** What a TCP route's connection is asked with instead of a method: it has none. */
  static final String CONNECTION = "(connection)";

  /**
   * The first method {@code route} turns into {@code action}, or null when none does. A sidecar's
   * TCP route is asked once per connection, with its own action (else {@code write}).
   */
  static String methodFor(Route route, String action) {
    if (tcp(route)) {
      return route.actionFor("").equals(action) ? CONNECTION : null;
    }
    for (String m : METHODS) {
      if (route.actionFor(m).equals(action)) {
        return m;
      }
    }
    return null;
  }

  /** Whether {@code route} relays a TCP stream (a sidecar's {@code protocol: tcp}). */
  static boolean tcp(Route route) {
    return "tcp".equals(route.upstream().getScheme());
  }

  private static Answer answer(Decision d) {
    if (d.allowed()) {
      return new Answer(true, null);
    }
    String why = d.explanation() != null ? d.explanation().message() : d.reason();
    if (d.obligations() != null && !d.obligations().asMap().isEmpty()) {
      why = why + "; obligations " + dev.vigil.rego.value.Json.write(d.obligations());
    }
    return new Answer(false, why);
  }

  private static String label(CandidatePolicy p) {
    return p.source() + (p.revision().isEmpty() ? "" : " (revision " + p.revision() + ")");
  }

  public BlastSubject subject() {
    return subject;
  }

  public Window window() {
    return window;
  }

  public List<RouteReach> routes() {
    return routes;
  }

  public LateralMovement lateral() {
    return lateral;
  }

  /** Whether a candidate was compared. */
  public boolean compared() {
    return candidate != null;
  }

  /** Route actions offered to the subject. */
  public int offered() {
    return (int) routes.stream().flatMap(r -> r.actions().stream()).filter(Reach::offered).count();
  }

  /** Route actions reachable under the policy in service, or under the candidate. */
  public int reachable(boolean underCandidate) {
    int n = 0;
    for (RouteReach r : routes) {
      for (Reach a : r.actions()) {
        if (r.reachable(a, underCandidate)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Route actions reachable only because the route does not enforce. */
  public int notEnforced() {
    int n = 0;
    for (RouteReach r : routes) {
      for (Reach a : r.actions()) {
        if (r.notEnforced() && a.offered() && !a.inService().allowed()) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * The route actions reachable under the policy in service and not under the candidate ({@code
   * removed} true: the reduction), or the other way round; empty without a candidate.
   */
  public List<Change> changes(boolean removed) {
    List<Change> out = new ArrayList<>();
    if (!compared()) {
      return out;
    }
    for (RouteReach r : routes) {
      for (Reach a : r.actions()) {
        if (r.reachable(a, !removed) != r.reachable(a, removed) && r.reachable(a, !removed)) {
          out.add(new Change(r.name(), a.action()));
        }
      }
    }
    return out;
  }

  /** The report for people. */
  public String text() {
    return BlastRadiusReport.text(this, inService, candidate);
  }

  /** The report as one JSON object (docs/insight.md, "Blast radius"). */
  public String json() {
    return BlastRadiusReport.json(this, inService, candidate);
  }
}
