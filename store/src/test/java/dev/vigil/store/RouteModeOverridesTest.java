package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Route modes set in the console are stored, replaced, removed and read back after a reopen. */
class RouteModeOverridesTest {

  @TempDir Path tmp;

  private static final Instant T0 = Instant.parse("2026-12-05T03:50:00.123Z");

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void put_thenReopen_readsTheSameOverride(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    RouteModeOverride set = new RouteModeOverride("echo", "enforce", "alice", T0);
    try (Store store = Store.open(where)) {
      new RouteModeOverrides(store).put(set);
    }

    try (Store store = Store.open(where)) {
      assertThat(new RouteModeOverrides(store).all()).containsExactly(set);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void put_sameRouteTwice_keepsOnlyTheLatest(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      RouteModeOverrides overrides = new RouteModeOverrides(store);
      RouteModeOverride other = new RouteModeOverride("admin", "observe", "carol", T0);
      overrides.put(new RouteModeOverride("echo", "enforce", "alice", T0));
      overrides.put(other);

      RouteModeOverride latest =
          new RouteModeOverride("echo", "monitor", "bob", T0.plusSeconds(60));
      overrides.put(latest);

      assertThat(overrides.all()).containsExactly(other, latest);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void delete_removesOnlyThatRoute_andSaysWhetherThereWasOne(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      RouteModeOverrides overrides = new RouteModeOverrides(store);
      RouteModeOverride other = new RouteModeOverride("admin", "observe", "carol", T0);
      overrides.put(new RouteModeOverride("echo", "enforce", "alice", T0));
      overrides.put(other);

      assertThat(overrides.delete("echo")).isTrue();
      assertThat(overrides.delete("echo")).isFalse();
      assertThat(overrides.all()).containsExactly(other);
    }
  }
}
