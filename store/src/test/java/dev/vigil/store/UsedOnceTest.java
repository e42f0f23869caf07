package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A single-use value is used once across nodes until it expires, then its row goes. */
class UsedOnceTest {

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T17:00:00Z"));

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void use_onceAcrossNodes_untilItExpires(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      UsedOnce nodeA = UsedOnce.open(a, now::get);
      UsedOnce nodeB = UsedOnce.open(b, now::get);
      long until = now.get().getEpochSecond() + 600;

      assertThat(nodeA.use("oidc-state:x", until)).isTrue();
      assertThat(nodeB.use("oidc-state:x", until)).isFalse();
      assertThat(nodeB.use("oidc-state:y", until)).isTrue();
      assertThat(TestStores.count(a, "SELECT COUNT(*) FROM used_once")).isEqualTo(2);

      now.set(now.get().plusSeconds(601));
      assertThat(nodeB.use("oidc-state:z", until + 600)).isTrue();
      assertThat(TestStores.count(a, "SELECT COUNT(*) FROM used_once"))
          .as("the expired values removed")
          .isEqualTo(1);
    }
  }

  @Test
  void inMemory_usesOnce() {
    UsedOnce once = UsedOnce.inMemory(now::get);
    long until = now.get().getEpochSecond() + 600;
    assertThat(once.use("v", until)).isTrue();
    assertThat(once.use("v", until)).isFalse();
  }
}
