package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which grants a span holds, read without a change, on SQLite and on PostgreSQL. */
class GrantHistoryTest {

  @TempDir Path tmp;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_granthistory_");

  static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void read_span_holdsTheGrantsWhoseLifeTouchedIt(String kind) throws Exception {
    StoreLocation where =
        kind.equals("sqlite") ? StoreLocation.embedded(tmp) : schemas.createLocation();
    AtomicReference<Instant> now = new AtomicReference<>(T0);
    try (Store store = Store.open(where);
        Grants g = Grants.open(store, now::get, List.of(GrantsTest.DB))) {
      // Long before the span: one left pending, one denied, one that expired.
      Grant pending = g.request("alice", "local", "prod-db-admin", "30m", "waiting");
      Grant denied = g.request("bob", "local", "prod-db-admin", "30m", "no");
      g.deny(denied.id(), "carol", Set.of(), "not now");
      Grant expired = g.request("dave", "local", "prod-db-admin", "30m", "old");
      g.approve(expired.id(), "carol", Set.of(), null);
      // Approved 10 minutes before the span opens: it counts into it.
      now.set(T0.plus(Duration.ofHours(5)));
      Grant overlapping = g.request("erin", "local", "prod-db-admin", "30m", "INC-1");
      g.approve(overlapping.id(), "carol", Set.of(), null);
      // Taken in the span, and one asked for after it.
      now.set(T0.plus(Duration.ofHours(6)));
      Grant glass = g.breakGlass("frank", "local", "prod-db-admin", "15m", "INC-2");
      now.set(T0.plus(Duration.ofHours(8)));
      Grant after = g.request("gina", "local", "prod-db-admin", "30m", "later");
      Instant since = T0.plus(Duration.ofHours(5)).plus(Duration.ofMinutes(10));
      Instant until = T0.plus(Duration.ofHours(7));

      GrantHistory.Page all = GrantHistory.read(store, since, until, 10);
      GrantHistory.Page one = GrantHistory.read(store, since, until, 1);

      assertThat(all.grants())
          .extracting(Grant::id)
          .containsExactly(pending.id(), overlapping.id(), glass.id());
      assertThat(all.beyond()).isZero();
      assertThat(one.grants()).extracting(Grant::id).containsExactly(pending.id());
      assertThat(one.beyond()).isEqualTo(2);
      assertThat(after.id()).isNotIn(all.grants().stream().map(Grant::id).toList());
      assertThatThrownBy(() -> GrantHistory.read(store, since, until, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("max must be 1 or more, not 0");
    }
  }
}
