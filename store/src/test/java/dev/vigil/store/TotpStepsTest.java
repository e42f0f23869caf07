package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A one-time code's step is taken once across every node sharing a store (two stores opened on one
 * location stand for two nodes: SQLite in one folder, PostgreSQL in one fresh schema), survives a
 * restart, and only moves forward.
 */
class TotpStepsTest {

  private static final String SECRET = "JBSWY3DPEHPK3PXP";

  @TempDir Path tmp;

  private static TotpSteps steps(Store store) {
    return TotpSteps.open(store, () -> Instant.parse("2026-12-05T17:00:00Z"));
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void take_aStepTakenOnOneNode_isRefusedOnTheOther(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      assertThat(steps(a).take("erin", SECRET, 100)).isTrue();

      assertThat(steps(b).take("erin", SECRET, 100)).as("the same step on another node").isFalse();
      assertThat(steps(b).take("erin", SECRET, 99)).as("an earlier step").isFalse();
      assertThat(steps(a).take("erin", SECRET, 100)).as("again on the first node").isFalse();
      assertThat(steps(b).take("erin", SECRET, 101)).as("the next step").isTrue();
      assertThat(steps(a).take("erin", SECRET, 101)).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void take_afterRestart_stillRefused(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store store = Store.open(where)) {
      assertThat(steps(store).take("erin", SECRET, 7)).isTrue();
    }
    try (Store store = Store.open(where)) {
      assertThat(steps(store).take("erin", SECRET, 7)).isFalse();
      assertThat(TestStores.count(store, "SELECT step FROM totp_steps")).isEqualTo(7);
    }
  }

  @Test
  void take_keysByUserAndSecret_andStoresNeither() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp))) {
      TotpSteps steps = steps(store);
      assertThat(steps.take("erin", SECRET, 50)).isTrue();

      assertThat(steps.take("dave", SECRET, 50)).as("another user").isTrue();
      assertThat(steps.take("erin", "KRSXG5CTMVRXEZLU", 50)).as("a new secret").isTrue();
      // Lengths are part of the key: ("ab", "c") and ("a", "bc") are different secrets.
      assertThat(TotpSteps.key("ab", "c")).isNotEqualTo(TotpSteps.key("a", "bc"));
      assertThat(TestStores.count(store, "SELECT COUNT(*) FROM totp_steps")).isEqualTo(3);
      assertThat(
              TestStores.count(
                  store,
                  "SELECT COUNT(*) FROM totp_steps WHERE key_sha256 LIKE '%erin%'"
                      + " OR key_sha256 LIKE '%"
                      + SECRET
                      + "%'"))
          .isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void take_raceOfEightAttemptsOnTwoNodes_oneWins(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        for (long step = 1000; step < 1020; step++) {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Boolean>> attempts = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            TotpSteps node = steps(i % 2 == 0 ? a : b);
            long s = step;
            Callable<Boolean> attempt =
                () -> {
                  go.await();
                  return node.take("erin", SECRET, s);
                };
            attempts.add(pool.submit(attempt));
          }
          go.countDown();
          int won = 0;
          for (Future<Boolean> f : attempts) {
            won += f.get() ? 1 : 0;
          }
          assertThat(won).as("attempts that took step %d", step).isEqualTo(1);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void take_storeClosed_throwsNamingTheCause() throws Exception {
    Store store = Store.open(TestStores.sqlite(tmp));
    TotpSteps steps = steps(store);
    store.close();

    assertThatThrownBy(() -> steps.take("erin", SECRET, 1))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot record the one-time code's use");
  }

  @Test
  void inMemory_takesEachStepOnce() {
    TotpSteps steps = TotpSteps.inMemory();
    assertThat(steps.take("erin", SECRET, 5)).isTrue();
    assertThat(steps.take("erin", SECRET, 5)).isFalse();
    assertThat(steps.take("erin", SECRET, 4)).isFalse();
    assertThat(steps.take("erin", SECRET, 6)).isTrue();
  }
}
