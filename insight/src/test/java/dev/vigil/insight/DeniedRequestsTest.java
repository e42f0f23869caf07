package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.insight.DeniedRequests.Group;
import dev.vigil.insight.DeniedRequests.Jump;
import dev.vigil.pdp.Mode;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeniedRequestsTest {

  @TempDir Path tmp;

  /** The second day after T0; the first day is the window before it. */
  private static final Window DAY_TWO =
      new Window(Traffic.T0.plus(Duration.ofDays(1)), Traffic.T0.plus(Duration.ofDays(2)));

  private static final List<String> NONE = List.of();

  @Test
  void analyse_groupsDenialsByRouteSubjectConditionAndReason() throws Exception {
    List<String> bobIds = new ArrayList<>();
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(Duration.ofHours(30));
        for (int i = 0; i < 4; i++) {
          bobIds.add(t.user("bob", NONE, List.of("dev"), "wiki", "GET", Mode.ENFORCE, null));
        }
        t.user("carol", NONE, List.of("dev"), "wiki", "GET", Mode.MONITOR, null);
        t.user("alice", NONE, List.of("sre"), "wiki", "GET", Mode.ENFORCE, null);
        t.anonymous("wiki", "GET", Mode.OBSERVE);
        t.workload("spiffe://dev.example/x", "dev.example", "ledger", "GET", Mode.ENFORCE);
        t.noRoute("intranet.example", "/");
      }
      DeniedRequests d = DeniedRequests.analyse(store, DAY_TWO, null, 10);

      // alice allowed; the anonymous request on an observe route asked no policy.
      assertThat(d.decisions()).isEqualTo(9);
      assertThat(d.denials()).isEqualTo(7);
      assertThat(d.enforced()).isEqualTo(6);
      assertThat(d.byRoute())
          .extracting(Group::key, Group::count)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("wiki", 5L),
              org.assertj.core.groups.Tuple.tuple("edge", 1L),
              org.assertj.core.groups.Tuple.tuple("ledger", 1L));
      Group bob = d.bySubject().get(0);
      assertThat(bob.key()).isEqualTo("bob");
      assertThat(bob.count()).isEqualTo(4);
      assertThat(bob.examples()).hasSize(DeniedRequests.EXAMPLES);
      assertThat(bobIds).containsAll(bob.examples());
      assertThat(d.bySubject())
          .extracting(Group::key)
          .containsExactly("bob", "anonymous", "carol", "spiffe://dev.example/x");
      assertThat(d.byCondition())
          .extracting(Group::key, Group::count)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "data.authz.allow at authz.rego:6: \"sre\" in input.subject.roles", 6L),
              org.assertj.core.groups.Tuple.tuple("(not explained)", 1L));
      assertThat(d.byReason())
          .extracting(Group::key, Group::count)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("denied", 6L),
              org.assertj.core.groups.Tuple.tuple(
                  "refused: no route serves this host and path", 1L));
    }
  }

  @Test
  void analyse_subjectWhoseDenialsDoubled_isFlaggedAsAJump() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        // The window before: bob denied twice, dave three times, on the wiki.
        t.at(Duration.ofHours(5));
        for (int i = 0; i < 2; i++) {
          t.user("bob", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        for (int i = 0; i < 3; i++) {
          t.user("dave", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        // This window: bob 7 (+5, more than double), dave 6 (doubled, but only +3), erin 4 (new,
        // below the least rise), frank 5 (new).
        t.at(Duration.ofHours(29));
        for (int i = 0; i < 7; i++) {
          t.user("bob", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        for (int i = 0; i < 6; i++) {
          t.user("dave", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        for (int i = 0; i < 4; i++) {
          t.user("erin", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        for (int i = 0; i < 5; i++) {
          t.user("frank", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
      }
      DeniedRequests d = DeniedRequests.analyse(store, DAY_TWO, null, 10);

      assertThat(d.previousDenials()).isEqualTo(5);
      assertThat(d.denials()).isEqualTo(22);
      assertThat(d.jumps())
          .containsExactly(
              new Jump("route", "wiki", 5, 22),
              new Jump("subject", "bob", 2, 7),
              new Jump("subject", "frank", 0, 5));
      assertThat(d.text())
          .contains("JUMP subject bob: 7 denials, 2 in the window before")
          .doesNotContain("JUMP subject dave")
          .doesNotContain("JUMP subject erin");
      assertThat(d.json()).contains("\"kind\": \"subject\"").contains("\"previous\": 2");
    }
  }

  @Test
  void analyse_windowBoundaries_previousWindowEndsWhereThisOneStarts() throws Exception {
    Instant since = DAY_TWO.since();
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(since.minus(Duration.ofDays(1)).minusNanos(1000));
        t.user("before-both", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        t.at(since.minus(Duration.ofDays(1)));
        t.user("previous-first", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        t.at(since.minusNanos(1000));
        t.user("previous-last", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        t.at(since);
        t.user("first", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        t.at(DAY_TWO.until());
        t.user("after", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
      }
      DeniedRequests d = DeniedRequests.analyse(store, DAY_TWO, null, 10);

      assertThat(d.previousDenials()).isEqualTo(2);
      assertThat(d.bySubject()).extracting(Group::key).containsExactly("first");
    }
  }

  @Test
  void analyse_topN_keepsTheLargestGroups() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      try (Traffic t = new Traffic(store)) {
        t.at(Duration.ofHours(30));
        for (int i = 0; i < 3; i++) {
          t.user("u" + i, NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
        }
        t.user("u2", NONE, NONE, "wiki", "GET", Mode.ENFORCE, null);
      }
      DeniedRequests d = DeniedRequests.analyse(store, DAY_TWO, null, 2);

      assertThat(d.bySubject())
          .extracting(Group::key, Group::count)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("u2", 2L),
              org.assertj.core.groups.Tuple.tuple("u0", 1L));
    }
  }

  @Test
  void builder_topBelowOne_refused() {
    assertThatThrownBy(() -> DeniedRequests.builder(DAY_TWO, 0))
        .hasMessage("top must be 1 or more, not 0");
  }
}
