package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

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
import org.junit.jupiter.api.Test;
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

  static final Entitlement CORP =
      new Entitlement(
          "prod-db-admin",
          List.of("carol"),
          Duration.ofHours(1),
          false,
          Duration.ofMinutes(30),
          List.of(
              ProviderApprover.group("corp", "sre"), ProviderApprover.user("corp", "00u-rita")));

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_providerGroupMember_activeWithProviderInGrantAndTrail(String kind) throws Exception {
    Grants g = open(kind);
    g.entitlements(List.of(CORP));
    Grant asked = g.request("alice", "local", "prod-db-admin", "30m", "INC-9");

    assertThat(g.pendingFor("00u-sam", "corp", Set.of("sre")))
        .extracting(Grant::id)
        .contains(asked.id());
    Grant ok = g.approve(asked.id(), "00u-sam", "corp", Set.of("sre"), "ok");

    assertThat(ok.state()).isEqualTo(Grant.State.ACTIVE);
    assertThat(ok.decidedBy()).isEqualTo("00u-sam");
    assertThat(ok.decidedByProvider()).isEqualTo("corp");
    assertThat(ok.decider()).isEqualTo("00u-sam (corp)");
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(asked.id());
    assertThat(g.events(asked.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::actorIdp)
        .containsExactly(tuple("requested", "alice", null), tuple("approved", "00u-sam", "corp"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_providerNamesOnlyMatchTheirProvider_refused(String kind) throws Exception {
    Grants g = open(kind);
    g.entitlements(List.of(CORP));
    Grant asked = g.request("alice", "local", "prod-db-admin", "30m", "INC-9");

    // The group of another provider, a local user in a group "sre", a local "00u-rita".
    assertThat(
            refused(() -> g.approve(asked.id(), "00u-sam", "partner", Set.of("sre"), null)).code())
        .isEqualTo("forbidden");
    assertThat(refused(() -> g.approve(asked.id(), "bob", Set.of("sre"), null)).code())
        .isEqualTo("forbidden");
    assertThat(refused(() -> g.approve(asked.id(), "00u-rita", Set.of(), null)).code())
        .isEqualTo("forbidden");
    // carol of the provider is not the local carol.
    assertThat(refused(() -> g.deny(asked.id(), "carol", "corp", Set.of(), "no")).code())
        .isEqualTo("forbidden");
    assertThat(g.pendingFor("00u-sam", "partner", Set.of("sre"))).isEmpty();
    assertThat(g.get(asked.id()).orElseThrow().state()).isEqualTo(Grant.State.PENDING);

    Grant denied = g.deny(asked.id(), "00u-rita", "corp", Set.of(), "not now");
    assertThat(denied.state()).isEqualTo(Grant.State.DENIED);
    assertThat(denied.decider()).isEqualTo("00u-rita (corp)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void approve_ownRequestOfAProviderUser_refused_sameIdOfAnotherSignInAccepted(String kind)
      throws Exception {
    Grants g = open(kind);
    g.entitlements(List.of(CORP));
    Grant own = g.request("00u-rita", "corp", "prod-db-admin", "30m", "INC-9");

    GrantException e = refused(() -> g.approve(own.id(), "00u-rita", "corp", Set.of("sre"), null));

    assertThat(e.code()).isEqualTo("forbidden");
    assertThat(e.getMessage()).contains("your own request");
    assertThat(g.pendingFor("00u-rita", "corp", Set.of("sre"))).isEmpty();
    assertThat(g.events(own.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::actorIdp)
        .containsExactly(tuple("requested", "00u-rita", "corp"));
    // A person is a user id of one sign-in: the local carol is someone else than corp's carol.
    Grant other = g.request("carol", "corp", "prod-db-admin", "30m", "INC-10");
    assertThat(g.approve(other.id(), "carol", Set.of(), null).decider()).isEqualTo("carol");
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

  /**
   * Regression: a request and a break-glass answered with the clock's nanoseconds, while the store
   * keeps milliseconds, so the grant a caller was given (its expiry among them) differed from the
   * same grant listed a moment later.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void requestAndBreakGlass_clockWithNanoseconds_answerTheGrantAsStored(String kind)
      throws Exception {
    now.set(Instant.parse("2026-12-06T10:00:00.123456789Z"));
    Grants g = open(kind);

    Grant asked = g.request("alice", "local", "prod-db-admin", "30m", "incident 42");
    Grant taken = g.breakGlass("bob", "local", "prod-db-admin", "10m", "database down");

    assertThat(asked.requestedAt()).isEqualTo(Instant.parse("2026-12-06T10:00:00.123Z"));
    assertThat(asked).isEqualTo(g.get(asked.id()).orElseThrow());
    assertThat(taken.expiresAt()).isEqualTo(Instant.parse("2026-12-06T10:10:00.123Z"));
    assertThat(taken).isEqualTo(g.get(taken.id()).orElseThrow());
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
  void breakGlass_oneHeldAlready_refusedNamingItUntilItEnds(String kind) throws Exception {
    // Regression: a second break-glass of the same entitlement was taken while the first still
    // counted, so two overlapping grants chained access past break_glass_max_duration.
    Grants g = open(kind);
    Grant first = g.breakGlass("alice", "local", "prod-db-admin", null, "database down");
    step(Duration.ofMinutes(20));

    GrantException again =
        refused(() -> g.breakGlass("alice", "local", "prod-db-admin", null, "still down"));

    assertThat(again.code()).isEqualTo("conflict");
    assertThat(again.getMessage())
        .contains(first.id())
        .contains("until " + first.expiresAt())
        .contains("prod-db-admin");
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(first.id());
    // Another person, the same user id of another provider, or a request, are not held back.
    Grant bobs = g.breakGlass("bob", "local", "prod-db-admin", null, "database down");
    Grant partners = g.breakGlass("alice", "partner", "prod-db-admin", null, "database down");
    assertThat(List.of(bobs.state(), partners.state())).containsOnly(Grant.State.ACTIVE);
    assertThat(g.request("alice", "local", "prod-db-admin", "1h", "longer fix").state())
        .isEqualTo(Grant.State.PENDING);

    // Once it has ended, by time or by a revocation, another may be taken.
    step(Duration.ofMinutes(10));
    Grant second = g.breakGlass("alice", "local", "prod-db-admin", "10m", "down again");
    g.revoke(second.id(), "admin", "enough");
    Grant third = g.breakGlass("alice", "local", "prod-db-admin", "5m", "down once more");
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(third.id());
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
  void request_undecidedForADay_expires_cannotBeApproved_noLongerCountsAsWaiting(String kind)
      throws Exception {
    Grants g = open(kind);
    Grant old = g.request("alice", "local", "prod-db-admin", "1h", "r0");
    for (int i = 1; i < Grants.MAX_PENDING; i++) {
      g.request("alice", "local", "prod-db-admin", "1h", "r" + i);
    }
    step(Grant.DEFAULT_REQUEST_LIFETIME.minusSeconds(1));
    assertThat(g.pending()).hasSize(Grants.MAX_PENDING);

    step(Duration.ofSeconds(1));

    assertThat(g.pending()).isEmpty();
    assertThat(g.pendingFor("carol", Set.of())).isEmpty();
    GrantException late = refused(() -> g.approve(old.id(), "carol", Set.of(), null));
    assertThat(late.code()).isEqualTo("conflict");
    assertThat(late.getMessage()).contains("is expired, not pending");
    // Expired unanswered, they no longer hold alice's places.
    assertThat(g.request("alice", "local", "prod-db-admin", "1h", "again").state())
        .isEqualTo(Grant.State.PENDING);
    g.refresh();
    Grant stored = g.get(old.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(Grant.State.EXPIRED);
    assertThat(g.events(old.id()))
        .extracting(GrantEvent::action, GrantEvent::reason)
        .contains(tuple("expired", "no decision within 24h"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void request_lifetimeConfigured_lapsesThen_andKeepsItsOwnLifetimeWhenTheSettingChanges(
      String kind) throws Exception {
    Grants g = open(kind);
    g.requestLifetime(Duration.ofMinutes(90));
    Grant short1 = g.request("alice", "local", "prod-db-admin", "1h", "short");
    g.requestLifetime(Duration.ofHours(48));
    Grant long1 = g.request("bob", "local", "prod-db-admin", "1h", "long");

    assertThat(short1.lapsesAt()).isEqualTo(short1.requestedAt().plus(Duration.ofMinutes(90)));
    step(Duration.ofMinutes(90).minusSeconds(1));
    assertThat(g.pending())
        .extracting(Grant::id)
        .containsExactlyInAnyOrder(short1.id(), long1.id());

    step(Duration.ofSeconds(1));
    g.refresh();

    assertThat(g.pending()).extracting(Grant::id).containsExactly(long1.id());
    assertThat(refused(() -> g.approve(short1.id(), "carol", Set.of(), null)).code())
        .isEqualTo("conflict");
    assertThat(g.events(short1.id()))
        .extracting(GrantEvent::action, GrantEvent::reason)
        .contains(tuple("expired", "no decision within 1h30m"));
    // Past the former fixed 24 hours, the request made under 48h still waits.
    step(Duration.ofHours(30));
    g.refresh();
    assertThat(g.get(long1.id()).orElseThrow().stateAt(now.get())).isEqualTo(Grant.State.PENDING);
    assertThat(g.approve(long1.id(), "carol", Set.of(), null).state())
        .isEqualTo(Grant.State.ACTIVE);
    // A denied request has no end: its lapse is cleared, not shown as an expiry.
    Grant denied = g.request("bob", "local", "prod-db-admin", "1h", "again");
    assertThat(denied.expiresAt()).isNotNull();
    assertThat(g.deny(denied.id(), "carol", Set.of(), "no").expiresAt()).isNull();
  }

  @Test
  void requestLifetime_outsideAMinuteToAWeek_refused() throws Exception {
    Grants g = open("sqlite");

    assertThatThrownBy(() -> g.requestLifetime(Duration.ofSeconds(30)))
        .hasMessage("request_lifetime: 30s is not from 1m to 7d");
    assertThatThrownBy(() -> g.requestLifetime(Duration.ofDays(8)))
        .hasMessage("request_lifetime: 8d is not from 1m to 7d");
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

  static Entitlement db(Duration max, boolean breakGlass, Duration breakGlassMax) {
    return new Entitlement(DB.name(), DB.approvers(), max, breakGlass, breakGlassMax);
  }

  /** Asks for prod-db-admin as alice of {@code idp} and has carol approve it. */
  Grant approved(String idp, String duration) {
    Grant asked = grants.request("alice", idp, DB.name(), duration, "maintenance");
    return grants.approve(asked.id(), "carol", Set.of(), null);
  }

  static org.assertj.core.groups.Tuple event(String action, String actor, String reason) {
    return org.assertj.core.groups.Tuple.tuple(action, actor, reason);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void configure_entitlementRemoved_activeGrantsEndAtOnceWithTheReason(String kind)
      throws Exception {
    // Regression: a reload only stopped the reload's own node counting such grants; the store
    // kept them active, with no word in their trail, and they counted again if the name came back.
    Grants g = open(kind);
    Grant ok = approved("local", "1h");
    Grant glass = g.breakGlass("bob", "local", DB.name(), null, "outage");
    Grant waiting = g.request("erin", "local", DB.name(), "1h", "later");

    g.configure(List.of(NO_GLASS), Holders.ANYONE);

    String why = "config_changed: entitlement \"prod-db-admin\" is no longer configured";
    for (Grant x : List.of(ok, glass)) {
      Grant stored = g.get(x.id()).orElseThrow();
      assertThat(stored.state()).isEqualTo(Grant.State.REVOKED);
      assertThat(stored.endedBy()).isEqualTo("vigil");
      assertThat(stored.endedAt()).isEqualTo(now.get());
      assertThat(g.events(x.id()))
          .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::reason)
          .last()
          .isEqualTo(event("revoked", "vigil", why));
    }
    assertThat(g.active("alice", "local")).isEmpty();
    assertThat(g.active("bob", "local")).isEmpty();
    assertThat(g.activeNow()).isEmpty();
    // Put back, the entitlement does not bring them back.
    g.configure(List.of(DB, NO_GLASS), Holders.ANYONE);
    assertThat(g.active("alice", "local")).isEmpty();
    // A request is no grant yet: it waits, and an approval is bounded by the configuration then.
    assertThat(g.get(waiting.id()).orElseThrow().state()).isEqualTo(Grant.State.PENDING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void configure_breakGlassTurnedOff_breakGlassGrantsEndApprovedOnesStay(String kind)
      throws Exception {
    Grants g = open(kind);
    Grant ok = approved("local", "1h");
    Grant glass = g.breakGlass("alice", "local", DB.name(), "20m", "outage");

    g.configure(
        List.of(db(DB.maxDuration(), false, DB.breakGlassMaxDuration()), NO_GLASS), Holders.ANYONE);

    assertThat(g.get(glass.id()).orElseThrow().state()).isEqualTo(Grant.State.REVOKED);
    assertThat(g.events(glass.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::reason)
        .containsExactly(
            event("break_glass", "alice", "outage"),
            event(
                "revoked",
                "vigil",
                "config_changed: entitlement \"prod-db-admin\" no longer allows break-glass"));
    assertThat(g.get(ok.id()).orElseThrow()).isEqualTo(ok);
    assertThat(g.active("alice", "local")).extracting(Grant::id).containsExactly(ok.id());
    // A break-glass grant not yet reviewed stays on the list to review.
    assertThat(g.unreviewed()).extracting(Grant::id).containsExactly(glass.id());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void configure_capsLowered_grantsShortenedFromTheirStartOrEndedWhenPastIt(String kind)
      throws Exception {
    Grants g = open(kind);
    Grant ok = approved("local", "1h");
    Grant glass = g.breakGlass("bob", "local", DB.name(), "30m", "outage");
    Instant start = now.get();
    step(Duration.ofMinutes(10));

    g.configure(
        List.of(db(Duration.ofMinutes(20), true, Duration.ofMinutes(5)), NO_GLASS), Holders.ANYONE);

    // The approved grant now ends 20 minutes after its start; it still counts, with that end.
    Grant shorter = g.get(ok.id()).orElseThrow();
    assertThat(shorter.state()).isEqualTo(Grant.State.ACTIVE);
    assertThat(shorter.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(20)));
    assertThat(g.active("alice", "local"))
        .singleElement()
        .extracting(Grant::expiresAt)
        .isEqualTo(start.plus(Duration.ofMinutes(20)));
    assertThat(g.events(ok.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::reason)
        .last()
        .isEqualTo(
            event(
                "shortened",
                "vigil",
                "config_changed: max_duration of \"prod-db-admin\" is 20m now, from its start"));
    // Break-glass may last 5 minutes now: the grant, 10 minutes old, ends at once.
    assertThat(g.active("bob", "local")).isEmpty();
    Grant ended = g.get(glass.id()).orElseThrow();
    assertThat(ended.state()).isEqualTo(Grant.State.EXPIRED);
    assertThat(ended.expiresAt()).isEqualTo(now.get());
    assertThat(g.events(glass.id()))
        .extracting(GrantEvent::action)
        .containsExactly("break_glass", "shortened", "expired");
    assertThat(g.events(glass.id()).get(1).reason())
        .isEqualTo(
            "config_changed: break_glass_max_duration of \"prod-db-admin\" is 5m now,"
                + " from its start");

    step(Duration.ofMinutes(10));
    assertThat(g.active("alice", "local")).isEmpty();
    // Raised again, a cap does not lengthen what was cut.
    g.configure(List.of(DB, NO_GLASS), Holders.ANYONE);
    assertThat(g.get(ok.id()).orElseThrow().expiresAt())
        .isEqualTo(start.plus(Duration.ofMinutes(20)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void configure_holderOrProviderRemoved_theirGrantsEnd_requestCannotBeApproved(String kind)
      throws Exception {
    Grants g = open(kind);
    Grant local = approved("local", "1h");
    Grant partner = approved("partner", "1h");
    Grant bobs = g.breakGlass("bob", "local", DB.name(), null, "outage");
    Grant waiting = g.request("alice", "local", DB.name(), "1h", "later");

    g.configure(List.of(DB, NO_GLASS), Holders.of(List.of("bob", "carol"), List.of("partner")));

    assertThat(g.get(local.id()).orElseThrow().state()).isEqualTo(Grant.State.REVOKED);
    assertThat(g.events(local.id()).getLast().reason())
        .isEqualTo("config_changed: holder alice is no longer a configured user");
    assertThat(g.active("alice", "local")).isEmpty();
    // The same user id of a provider still configured is another person: hers stays.
    assertThat(g.active("alice", "partner")).extracting(Grant::id).containsExactly(partner.id());
    assertThat(g.active("bob", "local")).extracting(Grant::id).containsExactly(bobs.id());
    GrantException e = refused(() -> g.approve(waiting.id(), "carol", Set.of(), null));
    assertThat(e.code()).isEqualTo("conflict");
    assertThat(e.getMessage()).contains("no longer a configured user");
    // Nor can they ask or take a grant any more (a session of theirs may still be in flight).
    GrantException asks = refused(() -> g.request("alice", "local", DB.name(), "1h", "again"));
    GrantException takes = refused(() -> g.breakGlass("alice", "local", DB.name(), null, "x"));
    assertThat(List.of(asks.code(), takes.code())).containsOnly("forbidden");
    assertThat(takes.getMessage()).contains("holder alice is no longer a configured user");
    // It can still be denied, so that it stops waiting.
    assertThat(g.deny(waiting.id(), "carol", Set.of(), "gone").state())
        .isEqualTo(Grant.State.DENIED);

    g.configure(List.of(DB, NO_GLASS), Holders.of(List.of("bob", "carol"), List.of()));

    assertThat(g.get(partner.id()).orElseThrow().state()).isEqualTo(Grant.State.REVOKED);
    assertThat(g.events(partner.id()).getLast().reason())
        .isEqualTo("config_changed: provider partner of holder alice is no longer configured");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void active_nodeConfiguredStricterThanTheStore_countsOnlyWhatItsConfigurationAllows(String kind)
      throws Exception {
    // A node whose configuration is stricter than what another node stored (a reload not yet
    // applied everywhere, or a store it could not write) bounds the grants itself.
    Grants g = open(kind);
    Grant ok = approved("local", "1h");
    Grant glass = g.breakGlass("bob", "local", DB.name(), null, "outage");

    try (Grants strict =
        Grants.open(
            store, clock, List.of(db(Duration.ofMinutes(15), false, Duration.ofMinutes(5))))) {
      assertThat(strict.active("alice", "local"))
          .singleElement()
          .extracting(Grant::expiresAt)
          .isEqualTo(ok.startsAt().plus(Duration.ofMinutes(15)));
      assertThat(strict.active("bob", "local")).isEmpty();
      step(Duration.ofMinutes(15));
      assertThat(strict.active("alice", "local")).isEmpty();
    }
    // Opening is no change of configuration: the store is untouched.
    assertThat(g.get(ok.id()).orElseThrow()).isEqualTo(ok);
    assertThat(g.get(glass.id()).orElseThrow().state()).isEqualTo(Grant.State.ACTIVE);
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
  void postgresql_cutByAReloadOnOneNode_reachesTheOtherThroughTheFeed() throws Exception {
    StoreLocation pg = schemas.createLocation();
    try (Store st = Store.open(pg);
        Grants a = Grants.open(st, clock, List.of(DB));
        Grants b = Grants.open(st, clock, List.of(DB))) {
      b.start(Duration.ofHours(1));
      Grant asked = a.request("alice", "local", "prod-db-admin", "1h", "maintenance");
      Grant ok = a.approve(asked.id(), "carol", Set.of(), null);
      Grant glass = a.breakGlass("bob", "local", "prod-db-admin", null, "outage");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (b.active("bob", "local").isEmpty() && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(b.active("bob", "local")).extracting(Grant::id).containsExactly(glass.id());

      // Only a reloads: b's own configuration still allows both as they were.
      a.configure(
          List.of(db(Duration.ofMinutes(20), false, Duration.ofMinutes(30))), Holders.ANYONE);

      Instant cut = ok.startsAt().plus(Duration.ofMinutes(20));
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((!b.active("bob", "local").isEmpty()
              || b.active("alice", "local").stream().noneMatch(x -> x.expiresAt().equals(cut)))
          && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertThat(b.active("bob", "local")).isEmpty();
      assertThat(b.active("alice", "local"))
          .singleElement()
          .extracting(Grant::expiresAt)
          .isEqualTo(cut);
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
