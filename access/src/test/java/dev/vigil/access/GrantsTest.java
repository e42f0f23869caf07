package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules of just-in-time grants, each on SQLite and on PostgreSQL, with a clock the tests step
 * through each expiry.
 */
class GrantsTest {

  static final Entitlement DB =
      new Entitlement(
          "prod-db-admin",
          List.of("carol", "group:dba"),
          Duration.ofHours(1),
          true,
          Duration.ofMinutes(30));
  static final Entitlement NO_GLASS =
      new Entitlement(
          "billing-read", List.of("carol"), Duration.ofHours(2), false, Duration.ofMinutes(30));

  @TempDir Path tmp;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_grants_");
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
  final InstantSource clock = () -> now.get();
  Store store;
  Grants grants;

  Grants open(String kind) throws Exception {
    StoreLocation where =
        kind.equals("sqlite")
            ? StoreLocation.embedded(tmp.resolve("data"))
            : schemas.createLocation();
    store = Store.open(where);
    grants = Grants.open(store, clock, List.of(DB, NO_GLASS));
    return grants;
  }

  @AfterEach
  void close() {
    if (grants != null) {
      grants.close();
    }
    if (store != null) {
      store.close();
    }
  }

  void step(Duration d) {
    now.set(now.get().plus(d));
  }

  static GrantException refused(Runnable r) {
    try {
      r.run();
    } catch (GrantException e) {
      return e;
    }
    throw new AssertionError("not refused");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_byApprover_activeUntilDurationThenExpiredByClock(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "30m", "incident 42");

    assertThat(asked.state()).isEqualTo(Grant.State.PENDING);
    assertThat(g.active("alice", "local")).isEmpty();
    step(Duration.ofMinutes(10));
    Grant ok = g.approve(asked.id(), "carol", Set.of(), "go ahead");

    assertThat(ok.state()).isEqualTo(Grant.State.ACTIVE);
    assertThat(ok.decidedBy()).isEqualTo("carol");
    // The clock starts at the approval, not at the request.
    assertThat(ok.startsAt()).isEqualTo(now.get());
    assertThat(ok.expiresAt()).isEqualTo(now.get().plus(Duration.ofMinutes(30)));
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(asked.id());
    assertThat(g.active("alice", "oidc-partner")).isEmpty();
    assertThat(g.active("bob", "local")).isEmpty();

    step(Duration.ofMinutes(29));
    assertThat(g.active("alice", "local")).hasSize(1);
    // No refresh in between: the read itself sees the expiry.
    step(Duration.ofMinutes(1));
    assertThat(g.active("alice", "local")).isEmpty();
    assertThat(g.get(asked.id()).orElseThrow().stateAt(now.get())).isEqualTo(Grant.State.EXPIRED);

    g.refresh();
    assertThat(g.get(asked.id()).orElseThrow().state()).isEqualTo(Grant.State.EXPIRED);
    assertThat(g.events(asked.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("requested", "alice", "incident 42"),
            org.assertj.core.groups.Tuple.tuple("approved", "carol", "go ahead"),
            org.assertj.core.groups.Tuple.tuple("expired", "vigil", "duration ended"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_ownRequest_refusedEvenForAnApprover(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("carol", "local", "prod-db-admin", "1h", "maintenance");

    GrantException e = refused(() -> g.approve(asked.id(), "carol", Set.of("dba"), null));

    assertThat(e.code()).isEqualTo("forbidden");
    assertThat(e.getMessage()).contains("your own request");
    assertThat(g.get(asked.id()).orElseThrow().state()).isEqualTo(Grant.State.PENDING);
    assertThat(g.pendingFor("carol", Set.of("dba"))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_notAnApprover_refused_groupMemberAccepted(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");

    assertThat(refused(() -> g.approve(asked.id(), "bob", Set.of("dev"), null)).code())
        .isEqualTo("forbidden");
    assertThat(g.pendingFor("bob", Set.of("dev"))).isEmpty();
    assertThat(g.pendingFor("dave", Set.of("dba"))).extracting(Grant::id).contains(asked.id());
    assertThat(g.approve(asked.id(), "dave", Set.of("dba"), null).decidedBy()).isEqualTo("dave");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_notPending_conflictNamingTheState(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");
    g.deny(asked.id(), "carol", Set.of(), "not during the freeze");

    GrantException e = refused(() -> g.approve(asked.id(), "carol", Set.of(), null));

    assertThat(e.code()).isEqualTo("conflict");
    assertThat(e.getMessage()).contains("is denied, not pending");
    assertThat(g.active("alice", "local")).isEmpty();
    assertThat(g.get(asked.id()).orElseThrow().decisionReason()).isEqualTo("not during the freeze");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void revoke_active_endsAtOnce(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");
    g.approve(asked.id(), "carol", Set.of(), null);

    Grant ended = g.revoke(asked.id(), "admin", "done early");

    assertThat(ended.state()).isEqualTo(Grant.State.REVOKED);
    assertThat(ended.endedBy()).isEqualTo("admin");
    assertThat(g.active("alice", "local")).isEmpty();
    assertThat(refused(() -> g.revoke(asked.id(), "admin", "again")).code()).isEqualTo("conflict");
    assertThat(g.events(asked.id())).extracting(GrantEvent::action).endsWith("revoked");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void breakGlass_allowed_activeAtOnceUnreviewedUntilReviewed(String kind) throws Exception {
    Grants g = open(kind);

    Grant taken = g.breakGlass("alice", "local", "prod-db-admin", null, "database down at 3am");

    assertThat(taken.state()).isEqualTo(Grant.State.ACTIVE);
    assertThat(taken.breakGlass()).isTrue();
    assertThat(taken.expiresAt()).isEqualTo(now.get().plus(Duration.ofMinutes(30)));
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(taken.id());
    assertThat(g.unreviewed()).extracting(Grant::id).containsExactly(taken.id());

    // Its holder, an administrator too, cannot be the check on it.
    GrantException own = refused(() -> g.review(taken.id(), taken.subject(), "fine by me"));
    assertThat(own.code()).isEqualTo("forbidden");
    assertThat(g.unreviewed()).extracting(Grant::id).containsExactly(taken.id());
    Grant reviewed = g.review(taken.id(), "admin", "justified");

    assertThat(reviewed.reviewedBy()).isEqualTo("admin");
    assertThat(g.unreviewed()).isEmpty();
    assertThat(refused(() -> g.review(taken.id(), "admin", null)).code()).isEqualTo("conflict");
    assertThat(g.events(taken.id()))
        .extracting(GrantEvent::action)
        .containsExactly("break_glass", "reviewed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void breakGlass_notAllowedOrTooLongOrNoReason_refusedNamingTheField(String kind)
      throws Exception {
    Grants g = open(kind);

    GrantException off =
        refused(() -> g.breakGlass("alice", "local", "billing-read", null, "urgent"));
    GrantException tooLong =
        refused(() -> g.breakGlass("alice", "local", "prod-db-admin", "31m", "urgent"));
    GrantException noReason =
        refused(() -> g.breakGlass("alice", "local", "prod-db-admin", "10m", " "));

    assertThat(off.field()).isEqualTo("entitlement");
    assertThat(off.getMessage()).contains("does not allow break-glass");
    assertThat(tooLong.field()).isEqualTo("duration");
    assertThat(tooLong.getMessage()).contains("break_glass_max_duration");
    assertThat(noReason.field()).isEqualTo("reason");
    assertThat(g.active("alice", "local")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void request_badInput_refusedNamingTheField(String kind) throws Exception {
    Grants g = open(kind);

    assertThat(refused(() -> g.request("a", "local", "nope", "1h", "x")).field())
        .isEqualTo("entitlement");
    assertThat(refused(() -> g.request("a", "local", null, "1h", "x")).field())
        .isEqualTo("entitlement");
    GrantException tooLong = refused(() -> g.request("a", "local", "prod-db-admin", "2h", "x"));
    assertThat(tooLong.field()).isEqualTo("duration");
    assertThat(tooLong.getMessage()).contains("longer than the max_duration");
    for (String bad :
        List.of(
            "1 hour",
            "-5m",
            "0m",
            "0h0m",
            "1d",
            "m",
            "1h30",
            "99999999h",
            "999999h",
            "PT1H",
            "1h-30m",
            "+5m",
            "\uFF11h",
            "\u0661\u0660m")) {
      assertThat(refused(() -> g.request("a", "local", "prod-db-admin", bad, "x")).field())
          .as(bad)
          .isEqualTo("duration");
    }
    assertThat(refused(() -> g.request("a", "local", "prod-db-admin", "1h", null)).field())
        .isEqualTo("reason");
    assertThat(
            refused(() -> g.request("a", "local", "prod-db-admin", "1h", "x".repeat(501))).field())
        .isEqualTo("reason");
    // Characters that break the log line, or show it reversed: refused as a newline is.
    for (String bad : List.of("a\nb", "a\u0085b", "a\u2028b", "a\u2029b", "a\u202Eb", "a\u2067b")) {
      assertThat(refused(() -> g.request("a", "local", "prod-db-admin", "1h", bad)).field())
          .as(bad)
          .isEqualTo("reason");
    }
    assertThat(refused(() -> g.deny("gr-none", "carol", Set.of(), "x")).code())
        .isEqualTo("not_found");
    assertThat(g.of("a", "local")).isEmpty();
    // Absent, the duration is the entitlement's maximum.
    assertThat(g.request("a", "local", "prod-db-admin", null, "x").duration())
        .isEqualTo(Duration.ofHours(1));
    assertThat(g.request("a", "local", "prod-db-admin", "1h0m", "x").duration())
        .isEqualTo(Duration.ofHours(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void request_tooManyWaiting_refusedUntilOneIsDecided(String kind) throws Exception {
    Grants g = open(kind);
    Grant first = g.request("alice", "local", "prod-db-admin", "1h", "r0");
    for (int i = 1; i < Grants.MAX_PENDING; i++) {
      g.request("alice", "local", "prod-db-admin", "1h", "r" + i);
    }

    assertThat(refused(() -> g.request("alice", "local", "prod-db-admin", "1h", "one more")).code())
        .isEqualTo("conflict");
    g.deny(first.id(), "carol", Set.of(), "no");
    assertThat(g.request("alice", "local", "prod-db-admin", "1h", "one more").state())
        .isEqualTo(Grant.State.PENDING);
    // Another person's requests are counted apart.
    assertThat(g.request("bob", "local", "prod-db-admin", "1h", "x").state())
        .isEqualTo(Grant.State.PENDING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void of_sameUserIdOfAnotherProvider_isAnotherPerson(String kind) throws Exception {
    // An OpenID Connect user whose id is "alice" is not the local alice: they must not read her
    // grants (reasons included) nor use up her waiting requests.
    Grants g = open(kind);
    Grant local = g.request("alice", "local", "prod-db-admin", "1h", "INC-7 local");
    for (int i = 0; i < Grants.MAX_PENDING; i++) {
      g.request("alice", "oidc", "prod-db-admin", "1h", "r" + i);
    }

    assertThat(g.of("alice", "oidc"))
        .hasSize(Grants.MAX_PENDING)
        .noneMatch(x -> x.id().equals(local.id()));
    assertThat(g.of("alice", "local")).extracting(Grant::id).containsExactly(local.id());
    assertThat(g.request("alice", "local", "prod-db-admin", "1h", "second").state())
        .isEqualTo(Grant.State.PENDING);
    assertThat(refused(() -> g.request("alice", "oidc", "prod-db-admin", "1h", "x")).code())
        .isEqualTo("conflict");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void deny_withoutReason_refused(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");

    assertThat(refused(() -> g.deny(asked.id(), "carol", Set.of(), "")).field())
        .isEqualTo("reason");
    assertThat(g.get(asked.id()).orElseThrow().state()).isEqualTo(Grant.State.PENDING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void active_entitlementNoLongerConfigured_doesNotCount(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");
    g.approve(asked.id(), "carol", Set.of(), null);

    g.entitlements(List.of(NO_GLASS));

    assertThat(g.active("alice", "local")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void active_storeUnreadable_noGrants(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");
    g.approve(asked.id(), "carol", Set.of(), null);
    store.close();

    assertThatThrownBy(g::refresh).isInstanceOf(RuntimeException.class);

    assertThat(g.active("alice", "local")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void trail_survivesReopen(String kind) throws Exception {
    Grants g = open(kind);
    Grant asked = g.request("alice", "local", "prod-db-admin", "1h", "maintenance");
    g.approve(asked.id(), "carol", Set.of(), "ok");
    g.close();

    Grants again = Grants.open(store, clock, List.of(DB));

    assertThat(again.active("alice", "local")).extracting(Grant::id).containsExactly(asked.id());
    assertThat(again.events(asked.id()))
        .extracting(GrantEvent::action)
        .containsExactly("requested", "approved");
    again.close();
  }

  @org.junit.jupiter.api.Test
  void breakGlass_loggedAsAWarningWithTheGrantAndReason() throws Exception {
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Grants.class);
    logged.start();
    logger.addAppender(logged);
    try {
      Grant taken = open("sqlite").breakGlass("alice", "local", "prod-db-admin", "5m", "db down");

      assertThat(logged.list)
          .filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
          .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .singleElement()
          .asString()
          .contains("break-glass", taken.id(), "subject=alice", "prod-db-admin", "db down");
    } finally {
      logger.detachAppender(logged);
    }
  }

  @org.junit.jupiter.api.Test
  void postgresql_approvalOnOneNode_reachesTheOtherThroughTheFeed() throws Exception {
    StoreLocation pg = schemas.createLocation();
    try (Store st = Store.open(pg);
        Grants a = Grants.open(st, clock, List.of(DB));
        Grants b = Grants.open(st, clock, List.of(DB))) {
      b.start(Duration.ofHours(1));
      Grant asked = a.request("alice", "local", "prod-db-admin", "1h", "maintenance");
      a.approve(asked.id(), "carol", Set.of(), null);

      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (b.active("alice", "local").isEmpty() && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(b.active("alice", "local")).extracting(Grant::id).containsExactly(asked.id());

      a.revoke(asked.id(), "admin", "done");
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!b.active("alice", "local").isEmpty() && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(b.active("alice", "local")).isEmpty();
    }
  }
}
