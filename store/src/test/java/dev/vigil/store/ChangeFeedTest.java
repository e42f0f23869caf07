package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed over the real PostgreSQL at 127.0.0.1:5432 (a fresh schema per test): a change
 * published through one store reaches a follower on another store of the same schema, on its own
 * channel only; SQLite follows nothing.
 */
class ChangeFeedTest {

  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir Path tmp;

  /** Polls {@code condition} until it holds or {@link #BOUND} passes; returns the last answer. */
  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  @Test
  void publish_onAnotherStoreOfTheSchema_reachesTheFollowerAfterItsResync() throws Exception {
    StoreLocation pg = TestStores.freshPostgres();
    List<List<String>> got = new CopyOnWriteArrayList<>();
    try (Store sender = Store.open(pg);
        Store receiver = Store.open(pg);
        ChangeFeed feed = ChangeFeed.follow(receiver, "vigil_test_feed", got::add)) {
      assertThat(eventually(() -> got.contains(List.of(ChangeFeed.RESYNC)))).isTrue();

      ChangeFeed.publish(sender, "vigil_test_other", "elsewhere");
      ChangeFeed.publish(sender, "vigil_test_feed", "changed", "echo");

      assertThat(eventually(() -> got.contains(List.of("changed", "echo")))).isTrue();
      assertThat(got).doesNotContain(List.of("elsewhere"));
    }
  }

  @Test
  void follow_threadIsNamedAfterTheChannel() throws Exception {
    List<String> threads = new CopyOnWriteArrayList<>();
    try (Store store = Store.open(TestStores.freshPostgres());
        ChangeFeed feed =
            ChangeFeed.follow(
                store, "vigil_test_named", e -> threads.add(Thread.currentThread().getName()))) {
      assertThat(eventually(() -> !threads.isEmpty())).isTrue();
    }

    assertThat(threads.getFirst()).isEqualTo("vigil-test-named-feed");
  }

  @Test
  void sqlite_publishesAndFollowsNothing() throws Exception {
    List<List<String>> got = new CopyOnWriteArrayList<>();
    try (Store store = Store.open(TestStores.sqlite(tmp));
        ChangeFeed feed = ChangeFeed.follow(store, "vigil_test_feed", got::add)) {
      ChangeFeed.publish(store, "vigil_test_feed", "changed", "echo");
    }

    assertThat(got).isEmpty();
  }

  @Test
  void follow_channelNotAnIdentifier_isRefusedNamingIt() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp))) {
      assertThatThrownBy(() -> ChangeFeed.follow(store, "x; DROP TABLE y", e -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"x; DROP TABLE y\"");
    }
  }
}
