package dev.vigil.insight;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.GrantHistory;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An access review of a window, person by person: who they are (as last logged), the routes they
 * reached, the entitlements they may ask for or approve, the just-in-time grants they held and
 * whether they used them; then the findings a reviewer acts on, each with the decision or grant ids
 * that show it.
 *
 * <p>How it is taken: the grants whose life touched the window are read first (read only: no grant
 * is marked expired), then the window's decisions one at a time. A decision of a signed-in person
 * counts for that person (a user id with its identity provider: the same id of two providers is two
 * people) and for the route it named. A grant is <em>used</em> by an allowed decision whose {@code
 * input.grants} held it while it counted (from its start to its expiry or revocation). A decision
 * is <em>privileged</em> when its {@code input.resource} is of criticality {@code high} or {@code
 * critical}, or of classification {@code restricted} or {@code confidential}, or its route is one
 * of the configured routes with such a resource.
 *
 * <p>Privileged roles are those given; without them they are derived from the window: a role some
 * holder of which was allowed on a privileged route, and none of whose holders that made requests
 * there was allowed none. A role everyone has, held by people a privileged route refused, is thus
 * not taken for one.
 *
 * <p>Memory is bounded: at most {@value #MAX_PEOPLE} people, {@value #MAX_ROUTES} person-route
 * entries in all and {@value #MAX_GRANTS} grants; what did not fit is counted, and findings that
 * rest on an absence (a user never seen, an entitlement nobody asked for) are not made from a
 * capped list. Immutable once taken.
 */
public final class AccessReview {

  /** People kept. */
  public static final int MAX_PEOPLE = 10_000;

  /** Entries of a person's routes kept, all people together. */
  public static final int MAX_ROUTES = 50_000;

  /** Grants read. */
  public static final int MAX_GRANTS = 10_000;

  /** How much a review keeps: people, person-route entries in all, grants. */
  record Limits(int people, int routes, int grants) {
    static final Limits DEFAULT = new Limits(MAX_PEOPLE, MAX_ROUTES, MAX_GRANTS);
  }

  /** Decision ids kept as evidence of one thing. */
  static final int EXAMPLES = 3;

  /** The identity provider of a decision that names none. */
  static final String NO_IDP = "-";

  /** The identity provider of local users, as grants and decisions name it. */
  static final String LOCAL = "local";

  public static final String DORMANT_PRIVILEGE = "dormant_privilege";
  public static final String UNUSED_GRANT = "unused_grant";
  public static final String BREAK_GLASS = "break_glass";
  public static final String SELF_APPROVED = "self_approved";
  public static final String NEVER_SIGNED_IN = "never_signed_in";
  public static final String UNREQUESTED_ENTITLEMENT = "unrequested_entitlement";

  /** The kinds of finding, in the order they are listed. */
  static final List<String> KINDS =
      List.of(
          DORMANT_PRIVILEGE,
          UNUSED_GRANT,
          BREAK_GLASS,
          SELF_APPROVED,
          NEVER_SIGNED_IN,
          UNREQUESTED_ENTITLEMENT);

  /** A local user of the configuration. */
  public record LocalUser(String id, String email, List<String> roles, List<String> groups) {
    public LocalUser {
      roles = List.copyOf(roles);
      groups = List.copyOf(groups);
    }
  }

  /**
   * What the review is told besides the log and the grants.
   *
   * @param users the configured local users, or null without a configuration
   * @param entitlements the configured entitlements, or null without a configuration
   * @param privilegedRoutes the configured routes whose resource is privileged
   * @param privilegedRoles the privileged roles, or null to derive them from the window
   */
  public record Setup(
      List<LocalUser> users,
      List<Entitlement> entitlements,
      Set<String> privilegedRoutes,
      Set<String> privilegedRoles) {
    public Setup {
      users = users == null ? null : List.copyOf(users);
      entitlements = entitlements == null ? null : List.copyOf(entitlements);
      privilegedRoutes = Set.copyOf(privilegedRoutes);
      privilegedRoles = privilegedRoles == null ? null : Set.copyOf(privilegedRoles);
    }

    /** Without a configuration: roles derived, no users or entitlements to compare with. */
    public static Setup none() {
      return new Setup(null, null, Set.of(), null);
    }

    /**
     * What a node's configuration tells: its local users, its entitlements and its routes whose
     * resource is privileged.
     *
     * @param privilegedRoles the privileged roles, or null to derive them from the window
     */
    public static Setup of(VigilConfig config, Set<String> privilegedRoles) {
      List<LocalUser> users = new ArrayList<>();
      for (dev.vigil.gateway.auth.LocalUser u : config.users()) {
        String email = u.email() == null || u.email().isEmpty() ? null : u.email();
        users.add(new LocalUser(u.username(), email, u.roles(), u.groups()));
      }
      Set<String> privilegedRoutes = new HashSet<>();
      for (Route r : config.routes()) {
        if (privilegedResource(
            r.resource().get("classification"), r.resource().get("criticality"))) {
          privilegedRoutes.add(r.name());
        }
      }
      return new Setup(users, config.entitlements(), privilegedRoutes, privilegedRoles);
    }
  }

  /**
   * One route a person reached.
   *
   * @param notEvaluated let through by observe mode without a policy
   */
  public record RouteUse(
      String route,
      boolean privileged,
      long allowed,
      long denied,
      long notEvaluated,
      Instant lastUse) {}

  /**
   * One grant a person held or asked for in the window.
   *
   * @param state its state at the end of the window
   * @param uses the allowed decisions that held it while it counted
   * @param lastUse the latest of them, or null
   * @param examples up to three of their ids
   */
  public record GrantUse(
      Grant grant, Grant.State state, long uses, Instant lastUse, List<String> examples) {

    /** Whether it ever counted: approved or taken by break-glass. */
    public boolean held() {
      return grant.startsAt() != null;
    }
  }

  /**
   * One person of the review.
   *
   * @param idp {@code local}, a provider's name, or {@code -} when the log names none
   * @param configured a local user of the configuration
   * @param requests their decisions in the window
   * @param lastSeen their latest decision, or null when none
   * @param mayRequest the configured entitlements they may ask for (null without a configuration)
   * @param mayApprove those whose requests they may decide (null without a configuration)
   */
  public record Person(
      String id,
      String idp,
      String email,
      List<String> roles,
      List<String> groups,
      boolean configured,
      long requests,
      Instant lastSeen,
      List<RouteUse> routes,
      List<String> mayRequest,
      List<String> mayApprove,
      List<GrantUse> grants) {}

  /**
   * Something for the reviewer to act on.
   *
   * @param kind one of the constants above, such as {@value #DORMANT_PRIVILEGE}
   * @param subject the person's id, or null for a finding about an entitlement
   * @param idp the person's identity provider, or null
   * @param detail what was found, in words
   * @param evidence decision ids or grant ids that show it
   */
  public record Finding(
      String kind, String subject, String idp, String detail, List<String> evidence) {}

  private final Window window;
  private final String route;
  private final long decisions;
  private final long otherCallers;
  private final List<Person> people;
  private final List<Finding> findings;
  private final Set<String> privilegedRoles;
  private final boolean rolesDerived;
  private final List<String> notes;
  private final boolean capped;

  private AccessReview(Tally t, List<Person> people, List<Finding> findings, Set<String> roles) {
    this.window = t.window;
    this.route = t.route;
    this.decisions = t.decisions;
    this.otherCallers = t.otherCallers;
    this.people = List.copyOf(people);
    this.findings = List.copyOf(findings);
    this.privilegedRoles = Collections.unmodifiableSortedSet(new TreeSet<>(roles));
    this.rolesDerived = t.setup.privilegedRoles() == null;
    this.notes = List.copyOf(t.notes());
    this.capped = t.peopleBeyond + t.routesBeyond + t.grantsBeyond > 0;
  }

  /**
   * Reviews {@code window}: reads the grants that touched it and the decisions it holds.
   *
   * @param route only decisions of this route, or null for all (grants are all read)
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static AccessReview take(Store store, Window window, String route, Setup setup) {
    return take(store, window, route, setup, Limits.DEFAULT);
  }

  /** Reviews {@code window} keeping no more than {@code limits}. */
  static AccessReview take(Store store, Window window, String route, Setup setup, Limits limits) {
    Objects.requireNonNull(setup, "setup");
    GrantHistory.Page page =
        GrantHistory.read(store, window.since(), window.until(), limits.grants());
    Tally t = new Tally(window, route, setup, page, limits);
    new DecisionScan(store).forEach(window.since(), window.until(), route, t::add);
    return t.finish();
  }

  /**
   * Whether a resource of {@code classification} and {@code criticality} (either may be null) is
   * privileged: criticality {@code high} or {@code critical}, or classification {@code restricted}
   * or {@code confidential}, in any case.
   */
  public static boolean privilegedResource(String classification, String criticality) {
    String cl = classification == null ? "" : classification.toLowerCase(Locale.ROOT);
    String cr = criticality == null ? "" : criticality.toLowerCase(Locale.ROOT);
    return cr.equals("high")
        || cr.equals("critical")
        || cl.equals("restricted")
        || cl.equals("confidential");
  }

  public Window window() {
    return window;
  }

  /** Decisions the window held (of the route, when one was given). */
  public long decisions() {
    return decisions;
  }

  /** Decisions of workloads and anonymous callers: no person's. */
  public long otherCallers() {
    return otherCallers;
  }

  /** The people, by id then identity provider. */
  public List<Person> people() {
    return people;
  }

  /** The findings, by kind (in the order of {@link #KINDS}), then subject. */
  public List<Finding> findings() {
    return findings;
  }

  /** The findings of one kind. */
  public List<Finding> findings(String kind) {
    return findings.stream().filter(f -> f.kind().equals(kind)).toList();
  }

  /** The privileged roles, sorted. */
  public Set<String> privilegedRoles() {
    return privilegedRoles;
  }

  /** Whether the privileged roles were derived from the window rather than given. */
  public boolean rolesDerived() {
    return rolesDerived;
  }

  /** What was left out, and what was not looked at for want of it. */
  public List<String> notes() {
    return notes;
  }

  /** Whether a list was full and something was left out (the notes say what). */
  public boolean capped() {
    return capped;
  }

  /** The review as text: the findings first, then each person. */
  public String text() {
    return AccessReviewFormat.text(this, route);
  }

  /** The review as one JSON document. */
  public String json() {
    return AccessReviewFormat.json(this, route);
  }

  /** The review as CSV (RFC 4180), one row per finding, person, route, grant and entitlement. */
  public String csv() {
    return AccessReviewFormat.csv(this);
  }

  /** A person while the decisions are read. */
  private static final class Seen {
    final String id;
    final String idp;
    String email;
    List<String> roles = List.of();
    List<String> groups = List.of();
    boolean configured;
    long requests;
    Instant last;
    String lastDecision;
    final Map<String, RouteCount> routes = new HashMap<>();
    long privilegedUses;
    boolean privilegedAllowed;
    boolean privilegedAsked;

    Seen(String id, String idp) {
      this.id = id;
      this.idp = idp;
    }
  }

  private static final class RouteCount {
    boolean privileged;
    long allowed;
    long denied;
    long notEvaluated;
    Instant last;
  }

  private static final class GrantCount {
    final Grant grant;
    long uses;
    Instant last;
    final List<String> examples = new ArrayList<>(EXAMPLES);

    GrantCount(Grant grant) {
      this.grant = grant;
    }

    /** Whether it counted at {@code t}: started, and neither expired nor revoked. */
    boolean countedAt(Instant t) {
      if (grant.startsAt() == null || t.isBefore(grant.startsAt())) {
        return false;
      }
      Instant end = end();
      return end == null || t.isBefore(end);
    }

    Instant end() {
      return grant.countsUntil();
    }
  }

  /** The review while it is taken; one thread. */
  private static final class Tally {
    final Window window;
    final String route;
    final Setup setup;
    final Limits limits;
    final List<Grant> grants;
    final long grantsBeyond;
    final Map<String, GrantCount> byGrant = new LinkedHashMap<>();
    final Map<String, Seen> people = new HashMap<>();
    long decisions;
    long otherCallers;
    long peopleBeyond;
    long routeEntries;
    long routesBeyond;

    Tally(Window window, String route, Setup setup, GrantHistory.Page page, Limits limits) {
      this.window = window;
      this.route = route;
      this.setup = setup;
      this.limits = limits;
      this.grants = page.grants();
      this.grantsBeyond = page.beyond();
      page.grants().forEach(g -> byGrant.put(g.id(), new GrantCount(g)));
    }

    void add(DecisionRecord r) {
      if (!window.contains(r.timestamp())) {
        return;
      }
      decisions++;
      DecisionFacts f = DecisionFacts.of(r);
      if (!f.caller().equals(DecisionFacts.USER)) {
        otherCallers++;
        return;
      }
      Seen p = person(f.callerId(), f.idp() == null ? NO_IDP : f.idp());
      if (p == null) {
        return;
      }
      Instant t = r.timestamp();
      p.requests++;
      if (p.last == null || t.isAfter(p.last)) {
        p.last = t;
        p.lastDecision = r.decisionId();
        p.email = f.email();
        p.roles = f.roles();
        p.groups = f.groups();
      }
      boolean privileged =
          privilegedResource(f.classification(), f.criticality())
              || (r.route() != null && setup.privilegedRoutes().contains(r.route()));
      count(p, r.route() != null ? r.route() : "path:" + r.path(), r, privileged);
      if (privileged) {
        p.privilegedUses += r.allowed() || r.notEvaluated() ? 1 : 0;
        p.privilegedAllowed |= r.allowed();
        p.privilegedAsked |= !r.notEvaluated();
      }
      if (r.allowed()) {
        for (String id : f.grantIds()) {
          GrantCount g = byGrant.get(id);
          if (g != null && f.heldBy(g.grant) && g.countedAt(t)) {
            g.uses++;
            g.last = g.last == null || t.isAfter(g.last) ? t : g.last;
            if (g.examples.size() < EXAMPLES) {
              g.examples.add(r.decisionId());
            }
          }
        }
      }
    }

    private Seen person(String id, String idp) {
      String key = idp + "\u0000" + id;
      Seen p = people.get(key);
      if (p == null) {
        if (people.size() >= limits.people()) {
          // A decision, a configured user or a grant's holder that did not fit.
          peopleBeyond++;
          return null;
        }
        p = new Seen(id, idp);
        people.put(key, p);
      }
      return p;
    }

    private void count(Seen p, String name, DecisionRecord r, boolean privileged) {
      RouteCount c = p.routes.get(name);
      if (c == null) {
        if (routeEntries >= limits.routes()) {
          routesBeyond++;
          return;
        }
        routeEntries++;
        c = new RouteCount();
        p.routes.put(name, c);
      }
      c.privileged |= privileged;
      if (r.allowed()) {
        c.allowed++;
      } else if (r.notEvaluated()) {
        c.notEvaluated++;
      } else {
        c.denied++;
      }
      if (c.last == null || r.timestamp().isAfter(c.last)) {
        c.last = r.timestamp();
      }
    }

    AccessReview finish() {
      Set<String> seenBefore = new HashSet<>(people.keySet());
      if (setup.users() != null) {
        for (LocalUser u : setup.users()) {
          Seen p = person(u.id(), LOCAL);
          if (p != null) {
            p.configured = true;
            if (p.requests == 0) {
              p.email = u.email();
              p.roles = u.roles();
              p.groups = u.groups();
            }
          }
        }
      }
      for (Grant g : grants) {
        person(g.subject(), g.idp());
      }
      Set<String> roles =
          setup.privilegedRoles() != null ? setup.privilegedRoles() : derivedRoles();
      List<Person> out = new ArrayList<>();
      for (Seen s : people.values()) {
        out.add(person(s));
      }
      out.sort(Comparator.comparing(Person::id).thenComparing(Person::idp));
      List<Finding> found = new ArrayList<>();
      dormant(roles, found);
      grantFindings(found);
      if (setup.users() != null && peopleBeyond == 0) {
        for (LocalUser u : setup.users()) {
          if (!seenBefore.contains(LOCAL + "\u0000" + u.id())) {
            found.add(neverSeen(u, roles));
          }
        }
      }
      unrequested(found);
      found.sort(
          Comparator.comparingInt((Finding f) -> KINDS.indexOf(f.kind()))
              .thenComparing(f -> f.subject() == null ? "" : f.subject())
              .thenComparing(Finding::detail));
      return new AccessReview(this, out, found, roles);
    }

    /** The roles of people allowed on a privileged route, but of none that were only refused. */
    private Set<String> derivedRoles() {
      Set<String> allowed = new TreeSet<>();
      Set<String> refused = new HashSet<>();
      for (Seen s : people.values()) {
        if (s.privilegedAllowed) {
          allowed.addAll(s.roles);
        } else if (s.privilegedAsked) {
          refused.addAll(s.roles);
        }
      }
      allowed.removeAll(refused);
      return allowed;
    }

    private Person person(Seen s) {
      List<RouteUse> routes = new ArrayList<>();
      s.routes.forEach(
          (name, c) ->
              routes.add(
                  new RouteUse(name, c.privileged, c.allowed, c.denied, c.notEvaluated, c.last)));
      routes.sort(Comparator.comparing(RouteUse::route));
      List<GrantUse> held = new ArrayList<>();
      for (GrantCount g : byGrant.values()) {
        if (g.grant.subject().equals(s.id) && g.grant.idp().equals(s.idp)) {
          held.add(use(g));
        }
      }
      List<String> mayRequest = null;
      List<String> mayApprove = null;
      if (setup.entitlements() != null) {
        mayRequest = new ArrayList<>();
        mayApprove = new ArrayList<>();
        for (Entitlement e : setup.entitlements()) {
          mayRequest.add(e.name());
          // Local approvers match local users, a provider's approvers that provider's users.
          if (e.approvableBy(s.id, s.idp, s.groups)) {
            mayApprove.add(e.name());
          }
        }
      }
      return new Person(
          s.id,
          s.idp,
          s.email,
          s.roles,
          s.groups,
          s.configured,
          s.requests,
          s.last,
          routes,
          mayRequest,
          mayApprove,
          held);
    }

    private GrantUse use(GrantCount g) {
      return new GrantUse(
          g.grant, g.grant.stateAt(window.until()), g.uses, g.last, List.copyOf(g.examples));
    }

    private void dormant(Set<String> roles, List<Finding> found) {
      for (Seen s : people.values()) {
        List<String> held =
            s.roles.stream().filter(roles::contains).sorted().map(Texts::clean).toList();
        if (s.requests > 0 && !held.isEmpty() && s.privilegedUses == 0) {
          found.add(
              new Finding(
                  DORMANT_PRIVILEGE,
                  s.id,
                  s.idp,
                  "holds "
                      + String.join(", ", held)
                      + " but reached no privileged route in the window (requests: "
                      + s.requests
                      + ")",
                  List.of(s.lastDecision)));
        }
      }
    }

    private void grantFindings(List<Finding> found) {
      for (GrantCount c : byGrant.values()) {
        Grant g = c.grant;
        if (g.breakGlass()) {
          List<String> evidence = new ArrayList<>();
          evidence.add(g.id());
          evidence.addAll(c.examples);
          found.add(
              new Finding(
                  BREAK_GLASS,
                  g.subject(),
                  g.idp(),
                  g.entitlement()
                      + " taken at "
                      + g.startsAt()
                      + " for "
                      + AccessReviewFormat.duration(g.duration())
                      + " ("
                      + Texts.clean(g.reason())
                      + "); "
                      + (g.reviewedAt() == null
                          ? "not reviewed"
                          : "reviewed by " + g.reviewedBy() + " at " + g.reviewedAt())
                      + "; uses "
                      + c.uses,
                  evidence));
        } else if (g.decidedBy() != null
            && g.decidedBy().equals(g.subject())
            && g.decidedByProvider().equals(g.idp())) {
          found.add(
              new Finding(
                  SELF_APPROVED,
                  g.subject(),
                  g.idp(),
                  g.entitlement()
                      + " "
                      + g.state().wireName()
                      + " by its own holder at "
                      + g.decidedAt(),
                  List.of(g.id())));
        }
        if (g.startsAt() != null && c.uses == 0 && startedBeforeEnd(c)) {
          found.add(
              new Finding(
                  UNUSED_GRANT,
                  g.subject(),
                  g.idp(),
                  g.entitlement()
                      + (g.breakGlass() ? " taken by break-glass" : " approved by " + g.decider())
                      + " at "
                      + g.startsAt()
                      + " for "
                      + AccessReviewFormat.duration(g.duration())
                      + ", held by no allowed request",
                  List.of(g.id())));
        }
      }
    }

    /** Whether the grant counted at some time of the window. */
    private boolean startedBeforeEnd(GrantCount c) {
      Instant end = c.end();
      return c.grant.startsAt().isBefore(window.until())
          && (end == null || end.isAfter(window.since()));
    }

    private Finding neverSeen(LocalUser u, Set<String> roles) {
      List<String> held = u.roles().stream().filter(roles::contains).sorted().toList();
      return new Finding(
          NEVER_SIGNED_IN,
          u.id(),
          LOCAL,
          "configured local user with no request in the window"
              + (held.isEmpty() ? "" : "; holds privileged " + String.join(", ", held)),
          List.of());
    }

    private void unrequested(List<Finding> found) {
      if (setup.entitlements() == null || grantsBeyond > 0) {
        return;
      }
      Set<String> asked = new HashSet<>();
      for (Grant g : grants) {
        if (window.contains(g.requestedAt())) {
          asked.add(g.entitlement());
        }
      }
      for (Entitlement e : setup.entitlements()) {
        if (!asked.contains(e.name())) {
          found.add(
              new Finding(
                  UNREQUESTED_ENTITLEMENT,
                  null,
                  null,
                  e.name() + ": nobody asked for it or took it in the window",
                  List.of()));
        }
      }
    }

    List<String> notes() {
      List<String> notes = new ArrayList<>();
      if (peopleBeyond > 0) {
        notes.add(
            "people stop at "
                + limits.people()
                + ": "
                + peopleBeyond
                + " decisions, configured users and grant holders of further people are left out,"
                + " and no configured user is named as never seen");
      }
      if (routesBeyond > 0) {
        notes.add(
            "routes stop at "
                + limits.routes()
                + " entries in all: "
                + routesBeyond
                + " decisions of further ones are not listed (they still count as uses)");
      }
      if (grantsBeyond > 0) {
        notes.add(
            "grants stop at "
                + limits.grants()
                + ": "
                + grantsBeyond
                + " later grants are not reviewed, and no entitlement is named as unrequested");
      }
      if (route != null) {
        notes.add(
            "only decisions of route "
                + route
                + " were read: uses of grants and privileged routes elsewhere are not seen");
      }
      return notes;
    }
  }
}
