package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
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
