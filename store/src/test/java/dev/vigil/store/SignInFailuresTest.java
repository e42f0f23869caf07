package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failed sign-ins counted in the store add up across nodes (two stores opened on one location),
 * start afresh once forgotten, and keep the longest lock.
 */
class SignInFailuresTest {

  private static final long FORGET = 15 * 60_000;
  private static final long T0 = 1_800_000_000_000L;

  @TempDir Path tmp;

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void fail_onTwoNodes_countsTogether(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      SignInFailures nodeA = SignInFailures.open(a);
      SignInFailures nodeB = SignInFailures.open(b);

      assertThat(nodeA.fail("account:dana", T0, FORGET)).isEqualTo(1);
      assertThat(nodeB.fail("account:dana", T0 + 1, FORGET)).isEqualTo(2);
      assertThat(nodeA.fail("account:dana", T0 + 2, FORGET)).isEqualTo(3);
      assertThat(nodeB.fail("account:erin", T0 + 3, FORGET)).as("another key").isEqualTo(1);

      nodeA.lock("account:dana", T0 + 60_000);
      assertThat(nodeB.lockedUntil(List.of("account:dana", "address:10.0.0.1")))
          .isEqualTo(T0 + 60_000);
      assertThat(nodeB.lockedUntil(List.of("account:erin"))).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void failAndLockSeveralKeys_oneCallEach_locksReadPerKey(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      SignInFailures failures = SignInFailures.open(store);
      failures.fail("address:10.0.0.1", T0, FORGET);

      int[] counts = failures.fail(List.of("account:dana", "address:10.0.0.1"), T0 + 1, FORGET);
      failures.lock(Map.of("account:dana", T0 + 60_000, "address:10.0.0.1", T0 + 120_000));

      assertThat(counts).containsExactly(1, 2);
      assertThat(failures.calls()).as("one call per method").isEqualTo(3);
      assertThat(failures.locks(List.of("account:dana", "address:10.0.0.1", "account:erin")))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("account:dana", T0 + 60_000, "address:10.0.0.1", T0 + 120_000));
      failures.lock(Map.of("account:dana", T0 + 30_000));
      assertThat(failures.locks(List.of("account:dana")))
          .as("a shorter lock leaves the longer")
          .containsEntry("account:dana", T0 + 60_000);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void fail_afterForgetTime_startsAfresh_andTheLockCounts(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      SignInFailures failures = SignInFailures.open(store);
      failures.fail("account:dana", T0, FORGET);
      failures.fail("account:dana", T0, FORGET);
      failures.lock("account:dana", T0 + 10 * 60_000);

      // Forgotten only FORGET after the lock ends, not after the last failure.
      assertThat(failures.fail("account:dana", T0 + FORGET + 1, FORGET)).isEqualTo(3);
      assertThat(failures.fail("account:dana", T0 + FORGET + 1 + FORGET, FORGET)).isEqualTo(1);
    }
  }

  /**
   * Regression: every failure removed the forgotten rows, a statement per key and two per failed
   * sign-in. Now a burst removes them once, and the first failure after the interval again.
   */
  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void fail_burst_removesForgottenRowsOncePerInterval(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      SignInFailures failures = SignInFailures.open(store);
      insertForgotten(store, "before", T0);

      failures.fail("account:dana", T0, FORGET);
      assertThat(rows(store, "before")).as("removed by the first failure").isZero();

      insertForgotten(store, "during", T0);
      long every = SignInFailures.PRUNE_EVERY.toMillis();
      for (int i = 1; i <= 20; i++) {
        failures.fail("account:dana", T0 + i * (every - 1) / 20, FORGET);
        failures.fail("address:10.0.0.1", T0 + i * (every - 1) / 20, FORGET);
      }
      assertThat(rows(store, "during")).as("kept through the burst").isOne();
      assertThat(failures.fail("account:dana", T0 + every - 1, FORGET))
          .as("every failure counted")
          .isEqualTo(22);

      failures.fail("address:10.0.0.1", T0 + every, FORGET);

      assertThat(rows(store, "during")).as("removed once the interval is over").isZero();
      assertThat(failures.fail("account:dana", T0 + every, FORGET)).isEqualTo(23);
    }
  }

  @Test
  void fail_clockSetBack_removesForgottenRowsAtOnce() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp))) {
      SignInFailures failures = SignInFailures.open(store);
      failures.fail("account:dana", T0, FORGET);
      long back = T0 - 2 * SignInFailures.PRUNE_EVERY.toMillis();
      insertForgotten(store, "old", back);

      failures.fail("account:dana", back, FORGET);

      assertThat(rows(store, "old")).isZero();
    }
  }

  /**
   * Stores a row of {@code key} forgotten at {@code nowMs}: its last failure and lock long past.
   */
  private static void insertForgotten(Store store, String key, long nowMs) throws Exception {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO sign_in_failures (key_sha256, failures, last_ms, locked_until_ms)"
                    + " VALUES (?, 3, ?, ?)")) {
      ps.setString(1, SignInFailures.hash(key));
      ps.setLong(2, nowMs - FORGET - 1);
      ps.setLong(3, nowMs - FORGET - 1);
      ps.executeUpdate();
    }
  }

  private static long rows(Store store, String key) throws Exception {
    return TestStores.count(
        store,
        "SELECT COUNT(*) FROM sign_in_failures WHERE key_sha256 = '"
            + SignInFailures.hash(key)
            + "'");
  }

  @Test
  void lock_neverShortens_clearForgets_andNamesAreNotStored() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp))) {
      SignInFailures failures = SignInFailures.open(store);
      failures.fail("account:dana", T0, FORGET);
      failures.lock("account:dana", T0 + 120_000);
      failures.lock("account:dana", T0 + 60_000);
      assertThat(failures.lockedUntil(List.of("account:dana"))).isEqualTo(T0 + 120_000);
      assertThat(
              TestStores.count(
                  store, "SELECT COUNT(*) FROM sign_in_failures WHERE key_sha256 LIKE '%dana%'"))
          .isZero();

      failures.clear("account:dana");

      assertThat(failures.lockedUntil(List.of("account:dana"))).isZero();
      assertThat(failures.fail("account:dana", T0 + 1, FORGET)).isEqualTo(1);
    }
  }

  @Test
  void storeClosed_throwsNamingTheCause() throws Exception {
    Store store = Store.open(TestStores.sqlite(tmp));
    SignInFailures failures = SignInFailures.open(store);
    store.close();

    assertThatThrownBy(() -> failures.fail("account:dana", T0, FORGET))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot count the failed sign-ins in the store");
    assertThatThrownBy(() -> failures.lockedUntil(List.of("account:dana")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot read the failed sign-ins");
  }
}
