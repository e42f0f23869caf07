package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.access.Holders;
import dev.vigil.insight.AccessReview.Finding;
import dev.vigil.insight.AccessReview.GrantUse;
import dev.vigil.insight.AccessReview.LocalUser;
import dev.vigil.insight.AccessReview.Person;
import dev.vigil.insight.AccessReview.RouteUse;
import dev.vigil.insight.AccessReview.Setup;
import dev.vigil.pdp.Mode;
import dev.vigil.rego.value.Json;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Access reviews of real traffic (a decision point with its durable log) and real grants (asked
 * for, approved, revoked and taken by break-glass through the access module), on SQLite and on
 * PostgreSQL.
 */
class AccessReviewTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_review_");

  /** SREs anything; anyone holding a just-in-time grant anything; the rest nothing. */
  static final String POLICY =
      """
      package authz
      import rego.v1

      default allow := false

      allow if "sre" in input.subject.roles

      allow if count(input.grants) > 0
      """;

  static final Entitlement DB =
      new Entitlement(
          "prod-db-admin",
          List.of("carol", "group:dba"),
          Duration.ofHours(2),
          true,
          Duration.ofMinutes(30));
  static final Entitlement BILLING =
      new Entitlement(
          "billing-read", List.of("carol"), Duration.ofHours(2), false, Duration.ofMinutes(30));
  static final Entitlement WIKI =
      new Entitlement(
          "wiki-admin", List.of("dave"), Duration.ofHours(1), false, Duration.ofHours(1));

  static final List<String> SRE = List.of("sre");
  static final List<String> DEV = List.of("dev");
  static final List<String> NONE = List.of();

  static final List<LocalUser> USERS =
      List.of(
          new LocalUser("alice", "alice@example.com", SRE, NONE),
          new LocalUser("bob", "bob@example.com", SRE, NONE),
          new LocalUser("carol", "carol@example.com", DEV, List.of("dba")),
          new LocalUser("dave", "dave@example.com", DEV, NONE),
          new LocalUser("erin", "erin@example.com", SRE, NONE));

  static final Setup SETUP = new Setup(USERS, List.of(DB, BILLING, WIKI), Set.of("payroll"), null);

  static final Window MONTH = new Window(Traffic.T0, Traffic.T0.plus(Duration.ofDays(30)));

  /** The ids of what {@link #record} made, by name. */
  final Map<String, String> ids = new java.util.HashMap<>();

  static Instant day(int d, int hours) {
    return Traffic.T0.plus(Duration.ofDays(d)).plus(Duration.ofHours(hours));
  }

  /**
   * The grants that count for {@code who} now, as the gateway puts them in {@code input.grants}.
   */
  static String held(Grants grants, String who) {
    List<String> out = new ArrayList<>();
    for (Grant g : grants.active(who, Holders.LOCAL)) {
      out.add(grantJson(g.id(), g));
    }
    return "[" + String.join(",", out) + "]";
  }

  static String grantJson(String id, Grant g) {
    return "{\"id\":%s,\"entitlement\":%s,\"expires_at\":%s,\"approved_by\":%s,\"break_glass\":%s}"
        .formatted(
            Json.quote(id),
            Json.quote(g.entitlement()),
            Json.quote(g.expiresAt().toString()),
            Json.quote(g.breakGlass() ? "" : g.decidedBy()),
            g.breakGlass());
  }

  /**
   * Alice (SRE) reads the database and the wiki, and later takes the database by break-glass and
   * reads payroll with it; bob (SRE) only reads the wiki and never uses the billing grant carol
   * approves him; carol (dev, approver) is refused the database; dave (dev) reads it with a grant
   * carol approves, which an administrator then revokes (a later decision still listing it is no
   * use); dave's billing request is denied; erin never signs in; nobody asks for wiki-admin; one
   * workload call.
   */
  void record(Store store) {
    try (Traffic t = new Traffic(store, POLICY);
        Grants grants = Grants.open(store, t.clock(), List.of(DB, BILLING, WIKI))) {
      grants.configure(
          List.of(DB, BILLING, WIKI),
          Holders.of(USERS.stream().map(LocalUser::id).toList(), List.of()));

      t.at(day(1, 0));
      ids.put("alice-db", t.person("alice", SRE, NONE, "db", "high", "[]"));
      t.at(day(1, 1));
      ids.put("alice-wiki", t.person("alice", SRE, NONE, "wiki", "low", "[]"));
      t.at(day(2, 0));
      ids.put("bob-wiki", t.person("bob", SRE, NONE, "wiki", "low", "[]"));
      t.at(day(2, 1));
      ids.put("carol-db", t.person("carol", DEV, List.of("dba"), "db", "high", "[]"));
      t.workload("spiffe://prod.example/billing", "prod.example", "ledger", "GET", Mode.ENFORCE);

      t.at(day(3, 0));
      Grant daveDb = grants.request("dave", "local", "prod-db-admin", "1h", "INC-7: reindex");
      t.at(day(3, 1));
      grants.approve(daveDb.id(), "carol", Set.of("dba"), "ok");
      t.at(day(3, 1).plus(Duration.ofMinutes(30)));
      ids.put("dave-db", t.person("dave", DEV, NONE, "db", "high", held(grants, "dave")));
      ids.put("dave-grant", daveDb.id());
      Grant approved = grants.get(daveDb.id()).orElseThrow();
      t.at(day(3, 1).plus(Duration.ofMinutes(40)));
      grants.revoke(daveDb.id(), "admin", "done early");
      t.at(day(3, 1).plus(Duration.ofMinutes(45)));
      // A stale input still listing the revoked grant: allowed, but no use of it.
      ids.put(
          "dave-stale",
          t.person("dave", DEV, NONE, "db", "high", "[" + grantJson(daveDb.id(), approved) + "]"));

      t.at(day(4, 0));
      Grant bobBilling = grants.request("bob", "local", "billing-read", "2h", "quarter close");
      grants.approve(bobBilling.id(), "carol", Set.of("dba"), null);
      ids.put("bob-grant", bobBilling.id());
      Grant daveBilling = grants.request("dave", "local", "billing-read", "1h", "curious");
      grants.deny(daveBilling.id(), "carol", Set.of("dba"), "no need");
      ids.put("dave-denied", daveBilling.id());

      t.at(day(5, 0));
      Grant glass = grants.breakGlass("alice", "local", "prod-db-admin", "30m", "INC-9: outage");
      ids.put("alice-glass", glass.id());
      t.at(day(5, 0).plusSeconds(600));
      ids.put(
          "alice-payroll", t.person("alice", SRE, NONE, "payroll", null, held(grants, "alice")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void take_realTrafficAndGrants_findsWhatToReview(String kind) throws Exception {
    StoreLocation where =
        kind.equals("sqlite") ? StoreLocation.embedded(tmp) : schemas.createLocation();
    try (Store store = Store.open(where)) {
      record(store);

      AccessReview r = AccessReview.take(store, MONTH, null, SETUP);

      assertThat(r.decisions()).isEqualTo(8);
      assertThat(r.otherCallers()).isEqualTo(1);
      // dev is no privileged role: carol, a dev, was refused the database.
      assertThat(r.privilegedRoles()).containsExactly("sre");
      assertThat(r.rolesDerived()).isTrue();
      assertThat(r.findings())
          .extracting(Finding::kind, Finding::subject, Finding::evidence)
          .containsExactly(
              tuple(AccessReview.DORMANT_PRIVILEGE, "bob", List.of(ids.get("bob-wiki"))),
              tuple(AccessReview.UNUSED_GRANT, "bob", List.of(ids.get("bob-grant"))),
              tuple(
                  AccessReview.BREAK_GLASS,
                  "alice",
                  List.of(ids.get("alice-glass"), ids.get("alice-payroll"))),
              tuple(AccessReview.NEVER_SIGNED_IN, "erin", List.of()),
              tuple(AccessReview.UNREQUESTED_ENTITLEMENT, null, List.of()));
      assertThat(r.findings(AccessReview.BREAK_GLASS).get(0).detail())
          .isEqualTo(
              "prod-db-admin taken at "
                  + day(5, 0)
                  + " for 30m (INC-9: outage); not reviewed; uses 1");
      assertThat(r.findings(AccessReview.NEVER_SIGNED_IN).get(0).detail())
          .endsWith("; holds privileged sre");
      assertThat(r.findings(AccessReview.UNREQUESTED_ENTITLEMENT).get(0).detail())
          .startsWith("wiki-admin:");
      assertThat(r.notes()).isEmpty();

      assertThat(r.people())
          .extracting(Person::id, Person::idp, Person::requests, Person::configured)
          .containsExactly(
              tuple("alice", "local", 3L, true),
              tuple("bob", "local", 1L, true),
              tuple("carol", "local", 1L, true),
              tuple("dave", "local", 2L, true),
              tuple("erin", "local", 0L, true));
      Person alice = r.people().get(0);
      assertThat(alice.email()).isEqualTo("alice@example.com");
      assertThat(alice.roles()).containsExactly("sre");
      assertThat(alice.lastSeen()).isEqualTo(day(5, 0).plusSeconds(600));
      assertThat(alice.routes())
          .extracting(RouteUse::route, RouteUse::privileged, RouteUse::allowed, RouteUse::denied)
          .containsExactly(
              tuple("db", true, 1L, 0L),
              tuple("payroll", true, 1L, 0L),
              tuple("wiki", false, 1L, 0L));
      assertThat(alice.mayRequest()).containsExactly("prod-db-admin", "billing-read", "wiki-admin");
      assertThat(alice.mayApprove()).isEmpty();
      assertThat(alice.grants())
          .extracting(g -> g.grant().id(), GrantUse::uses, GrantUse::lastUse)
          .containsExactly(tuple(ids.get("alice-glass"), 1L, day(5, 0).plusSeconds(600)));

      Person carol = r.people().get(2);
      assertThat(carol.routes())
          .extracting(RouteUse::route, RouteUse::allowed, RouteUse::denied)
          .containsExactly(tuple("db", 0L, 1L));
      // An approver through her own name and through group dba; never of her own requests.
      assertThat(carol.mayApprove()).containsExactly("prod-db-admin", "billing-read");

      Person dave = r.people().get(3);
      assertThat(dave.mayApprove()).containsExactly("wiki-admin");
      assertThat(dave.grants())
          .extracting(g -> g.grant().id(), GrantUse::state, GrantUse::uses, GrantUse::examples)
          .containsExactly(
              tuple(ids.get("dave-grant"), Grant.State.REVOKED, 1L, List.of(ids.get("dave-db"))),
              tuple(ids.get("dave-denied"), Grant.State.DENIED, 0L, List.of()));
      assertThat(dave.grants().get(0).grant().decidedBy()).isEqualTo("carol");
      assertThat(dave.grants().get(0).grant().endedBy()).isEqualTo("admin");

      Person erin = r.people().get(4);
      assertThat(erin.lastSeen()).isNull();
      assertThat(erin.routes()).isEmpty();
    }
  }

  @Test
  void take_givenPrivilegedRoles_usesThemNotTheDerivedOnes() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);

      AccessReview r =
          AccessReview.take(
              store, MONTH, null, new Setup(null, null, Set.of("payroll"), Set.of("dev")));

      // dave reached the database; carol, refused it, reached no privileged route.
      assertThat(r.rolesDerived()).isFalse();
      assertThat(r.findings())
          .extracting(Finding::kind, Finding::subject, Finding::evidence)
          .containsExactly(
              tuple(AccessReview.DORMANT_PRIVILEGE, "carol", List.of(ids.get("carol-db"))),
              tuple(AccessReview.UNUSED_GRANT, "bob", List.of(ids.get("bob-grant"))),
              tuple(
                  AccessReview.BREAK_GLASS,
                  "alice",
                  List.of(ids.get("alice-glass"), ids.get("alice-payroll"))));
      // Without a configuration: nobody's entitlements, no never-seen users.
      assertThat(r.people())
          .extracting(Person::id)
          .containsExactly("alice", "bob", "carol", "dave");
      assertThat(r.people().get(0).mayRequest()).isNull();
    }
  }

  @Test
  void take_windowAfterTheGrants_seesNeitherTheirUseNorThem() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);

      AccessReview r = AccessReview.take(store, new Window(day(6, 0), day(30, 0)), null, SETUP);

      assertThat(r.decisions()).isZero();
      assertThat(r.people()).extracting(Person::requests).containsOnly(0L);
      assertThat(r.people().stream().flatMap(p -> p.grants().stream())).isEmpty();
      assertThat(r.findings())
          .extracting(Finding::kind)
          .containsExactly(
              AccessReview.NEVER_SIGNED_IN,
              AccessReview.NEVER_SIGNED_IN,
              AccessReview.NEVER_SIGNED_IN,
              AccessReview.NEVER_SIGNED_IN,
              AccessReview.NEVER_SIGNED_IN,
              AccessReview.UNREQUESTED_ENTITLEMENT,
              AccessReview.UNREQUESTED_ENTITLEMENT,
              AccessReview.UNREQUESTED_ENTITLEMENT);
    }
  }

  @Test
  void take_smallLimits_keepsThatMuchAndSaysWhatIsLeftOut() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);

      AccessReview r =
          AccessReview.take(store, MONTH, null, SETUP, new AccessReview.Limits(2, 2, 2));

      assertThat(r.capped()).isTrue();
      assertThat(r.people()).hasSize(2);
      assertThat(r.people().stream().mapToLong(p -> p.routes().size()).sum()).isEqualTo(2);
      // The two oldest grants: dave's database grant, and one of the two asked for on day 4.
      assertThat(r.people().stream().flatMap(p -> p.grants().stream()).map(g -> g.grant().id()))
          .isSubsetOf(ids.get("dave-grant"), ids.get("bob-grant"), ids.get("dave-denied"));
      assertThat(r.notes()).hasSize(3);
      assertThat(r.notes().get(0)).startsWith("people stop at 2: ");
      assertThat(r.notes().get(1)).startsWith("routes stop at 2 entries in all: ");
      assertThat(r.notes().get(2))
          .isEqualTo(
              "grants stop at 2: 2 later grants are not reviewed, and no entitlement is named as"
                  + " unrequested");
      // Absences are not claimed from capped lists.
      assertThat(r.findings(AccessReview.NEVER_SIGNED_IN)).isEmpty();
      assertThat(r.findings(AccessReview.UNREQUESTED_ENTITLEMENT)).isEmpty();
      assertThat(r.text()).contains("note: grants stop at 2: ");
      assertThat(r.json()).contains("\"capped\": true");
    }
  }

  /** A provider's user approving their own grant is named; a namesake of another sign-in is not. */
  @Test
  void take_selfApprovalOfAProviderUser_namedOnlyForTheSameSignIn() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      long at = day(1, 0).toEpochMilli();
      for (String[] row :
          List.of(
              new String[] {"gr-own", "00u-rita", "corp", "00u-rita", "corp"},
              new String[] {"gr-namesake", "carol", "corp", "carol", null})) {
        try (Connection c = store.dataSource().getConnection();
            PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO grants (id, subject, idp, entitlement, reason, requested_at_ms,"
                        + " duration_s, state, decided_by, decided_by_idp, decided_at_ms,"
                        + " starts_at_ms, expires_at_ms, break_glass) VALUES (?, ?, ?,"
                        + " 'prod-db-admin', 'mine', ?, 3600, 'active', ?, ?, ?, ?, ?, 0)")) {
          ps.setString(1, row[0]);
          ps.setString(2, row[1]);
          ps.setString(3, row[2]);
          ps.setLong(4, at);
          ps.setString(5, row[3]);
          ps.setString(6, row[4]);
          ps.setLong(7, at);
          ps.setLong(8, at);
          ps.setLong(9, at + 3_600_000);
          ps.executeUpdate();
        }
      }

      AccessReview r = AccessReview.take(store, MONTH, null, Setup.none());

      assertThat(r.findings(AccessReview.SELF_APPROVED))
          .extracting(Finding::subject, Finding::idp, Finding::evidence)
          .containsExactly(tuple("00u-rita", "corp", List.of("gr-own")));
    }
  }

  /**
   * Vigil refuses an approval by the requester, but a store written by hand or by another tool may
   * hold one: the review names it.
   */
  @Test
  void take_grantApprovedByItsHolderInTheStore_isASelfApproval() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Connection c = store.dataSource().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO grants (id, subject, idp, entitlement, reason, requested_at_ms,"
                      + " duration_s, state, decided_by, decided_at_ms, starts_at_ms,"
                      + " expires_at_ms, break_glass) VALUES ('gr-self', 'carol', 'local',"
                      + " 'prod-db-admin', 'mine', ?, 3600, 'active', 'carol', ?, ?, ?, 0)")) {
        long at = day(1, 0).toEpochMilli();
        ps.setLong(1, at);
        ps.setLong(2, at);
        ps.setLong(3, at);
        ps.setLong(4, at + 3_600_000);
        ps.executeUpdate();
      }

      AccessReview r = AccessReview.take(store, MONTH, null, Setup.none());

      assertThat(r.findings())
          .extracting(Finding::kind, Finding::subject, Finding::evidence)
          .containsExactly(
              tuple(AccessReview.UNUSED_GRANT, "carol", List.of("gr-self")),
              tuple(AccessReview.SELF_APPROVED, "carol", List.of("gr-self")));
      // Read only: the grant past its end is not marked expired in the store.
      try (Connection c = store.dataSource().getConnection();
          var rs = c.createStatement().executeQuery("SELECT state FROM grants")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("active");
      }
    }
  }

  @Test
  void formats_textJsonCsv_carryTheFindingsAndPeople() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      record(store);

      AccessReview r = AccessReview.take(store, MONTH, null, SETUP);

      assertThat(r.text())
          .startsWith("access review, " + MONTH + ": 8 decisions, 5 people, 4 grants\n")
          .contains("privileged roles (derived from the window): sre\n")
          .contains("findings (5):\n")
          .contains(
              "  dormant_privilege        bob (local)  holds sre but reached no privileged route"
                  + " in the window (requests: 1)\n"
                  + "                           evidence: "
                  + ids.get("bob-wiki"))
          .contains("    route db                       privileged  1 allowed  0 denied  last ")
          .contains(
              "    grant "
                  + ids.get("bob-grant")
                  + "  billing-read expired, approved by carol at "
                  + day(4, 0)
                  + ", 2h  used 0");
      assertThat(r.json())
          .contains("\"privileged_roles\": [\n    \"sre\"\n  ]")
          .contains("\"kind\": \"unused_grant\"")
          .contains("\"capped\": false");
      String[] rows = r.csv().split("\r\n");
      assertThat(rows[0])
          .isEqualTo(
              "record,subject,idp,email,roles,groups,item,state,allowed,denied,uses,last,detail,"
                  + "evidence");
      assertThat(rows[1])
          .startsWith("finding,bob,local,,,,dormant_privilege,,,,,,")
          .endsWith("," + ids.get("bob-wiki"));
      assertThat(rows)
          .contains("person,erin,local,erin@example.com,sre,,,configured,0,0,,,,")
          .contains("may_approve,carol,local,,,,billing-read,,,,,,,");
    }
  }

  @Test
  void cell_formulaOrSeparator_isDisarmedAndQuoted() {
    assertThat(AccessReviewFormat.cell("=HYPERLINK(\"x\")"))
        .isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
    assertThat(AccessReviewFormat.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(AccessReviewFormat.cell("-")).isEqualTo("-");
    assertThat(AccessReviewFormat.cell("-1+2")).isEqualTo("'-1+2");
    assertThat(AccessReviewFormat.cell("plain")).isEqualTo("plain");
  }
}
