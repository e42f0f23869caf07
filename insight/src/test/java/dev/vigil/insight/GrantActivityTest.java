package dev.vigil.insight;

import static dev.vigil.insight.AccessReviewTest.BILLING;
import static dev.vigil.insight.AccessReviewTest.DB;
import static dev.vigil.insight.AccessReviewTest.DEV;
import static dev.vigil.insight.AccessReviewTest.NONE;
import static dev.vigil.insight.AccessReviewTest.SRE;
import static dev.vigil.insight.AccessReviewTest.USERS;
import static dev.vigil.insight.AccessReviewTest.WIKI;
import static dev.vigil.insight.AccessReviewTest.day;
import static dev.vigil.insight.AccessReviewTest.grantJson;
import static dev.vigil.insight.AccessReviewTest.held;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.access.Holders;
import dev.vigil.insight.AccessReview.LocalUser;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The requests a grant's holder made with it, read back from a real decision log: only the
 * holder's, only those that showed the grant, only while it counted.
 */
class GrantActivityTest {

  @TempDir Path tmp;

  @Test
  void of_revokedGrant_theHoldersRequestsWithItWhileItCounted() {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      String used;
      String later;
      Grant dave;
      Grant bob;
      try (Traffic t = new Traffic(store, AccessReviewTest.POLICY);
          Grants grants = Grants.open(store, t.clock(), List.of(DB, BILLING, WIKI))) {
        grants.configure(
            List.of(DB, BILLING, WIKI),
            Holders.of(USERS.stream().map(LocalUser::id).toList(), List.of()));
        t.at(day(3, 0));
        Grant asked = grants.request("dave", "local", "prod-db-admin", "1h", "INC-7: reindex");
        // Before the approval: the grant does not count yet.
        t.person("dave", DEV, NONE, "db", "high", "[]");
        t.at(day(3, 1));
        grants.approve(asked.id(), "carol", Set.of("dba"), "ok");
        Grant approved = grants.get(asked.id()).orElseThrow();
        t.at(day(3, 1).plus(Duration.ofMinutes(10)));
        used = t.person("dave", DEV, NONE, "db", "high", held(grants, "dave"));
        t.at(day(3, 1).plus(Duration.ofMinutes(12)));
        // Someone else's input naming dave's grant is not dave's session.
        t.person("alice", SRE, NONE, "db", "high", "[" + grantJson(asked.id(), approved) + "]");
        t.at(day(3, 1).plus(Duration.ofMinutes(15)));
        // Dave without the grant in his input: not made with it.
        t.person("dave", DEV, NONE, "wiki", "low", "[]");
        t.at(day(3, 1).plus(Duration.ofMinutes(20)));
        later = t.person("dave", DEV, NONE, "db", "high", held(grants, "dave"));
        t.at(day(3, 1).plus(Duration.ofMinutes(40)));
        grants.revoke(asked.id(), "admin", "done early");
        t.at(day(3, 1).plus(Duration.ofMinutes(45)));
        // A stale input still listing the revoked grant: after its end.
        t.person("dave", DEV, NONE, "db", "high", "[" + grantJson(asked.id(), approved) + "]");
        dave = grants.get(asked.id()).orElseThrow();
        Grant pending = grants.request("bob", "local", "billing-read", "2h", "quarter close");
        bob = grants.get(pending.id()).orElseThrow();
      }

      GrantActivity activity = GrantActivity.of(new DecisionScan(store), dave, day(10, 0));
      GrantActivity none = GrantActivity.of(new DecisionScan(store), bob, day(10, 0));

      assertThat(activity.uses())
          .extracting(GrantActivity.Use::decisionId)
          .containsExactly(used, later);
      GrantActivity.Use first = activity.uses().getFirst();
      assertThat(first.at()).isEqualTo(day(3, 1).plus(Duration.ofMinutes(10)));
      assertThat(first.outcome()).isEqualTo("allow");
      assertThat(first.method()).isEqualTo("GET");
      assertThat(first.host()).isEqualTo("app.example");
      assertThat(first.path()).isEqualTo("/x");
      assertThat(first.route()).isEqualTo("db");
      assertThat(activity.beyond()).isZero();
      assertThat(none.uses()).isEmpty();
      GrantActivity capped = GrantActivity.of(new DecisionScan(store), dave, day(10, 0), 1);
      assertThat(capped.uses()).extracting(GrantActivity.Use::decisionId).containsExactly(used);
      assertThat(capped.beyond()).isEqualTo(1);
    }
  }
}
