package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Assertion keys are published, extended, read per issuer until they expire, and pruned. */
class AssertionKeysTest {

  @TempDir Path tmp;

  private static final Instant T0 = Instant.parse("2026-12-05T08:50:00.123Z");

  private static AssertionKey key(String kid, String issuer, Instant notAfter) {
    return new AssertionKey(kid, issuer, "node-" + kid, "{\"kid\":\"" + kid + "\"}", T0, notAfter);
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void publish_thenReopen_readsTheKeysOfTheIssuer(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    AssertionKey a = key("a", "vigil", T0.plusSeconds(300));
    try (Store store = Store.open(where)) {
      new AssertionKeys(store).publish(a);
      new AssertionKeys(store).publish(key("s", "vigil-sidecar", T0.plusSeconds(300)));
    }

    try (Store store = Store.open(where)) {
      assertThat(new AssertionKeys(store).current("vigil", T0)).containsExactly(a);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void publish_knownKid_movesOnlyNotAfter(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      AssertionKeys keys = new AssertionKeys(store);
      AssertionKey a = key("a", "vigil", T0.plusSeconds(60));
      keys.publish(a);

      keys.publish(
          new AssertionKey("a", "vigil", "other", "{}", T0.plusSeconds(9), T0.plusSeconds(600)));

      assertThat(keys.current("vigil", T0.plusSeconds(120)))
          .containsExactly(a.until(T0.plusSeconds(600)));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void currentAndPrune_keyPastNotAfter_leavesTheSetAndTheTable(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp))) {
      AssertionKeys keys = new AssertionKeys(store);
      AssertionKey old = key("old", "vigil", T0.plusSeconds(60));
      AssertionKey live = key("live", "vigil", T0.plusSeconds(600));
      keys.publish(old);
      keys.publish(live);

      assertThat(keys.current("vigil", T0.plusSeconds(59))).containsExactly(live, old);
      assertThat(keys.current("vigil", T0.plusSeconds(60))).containsExactly(live);
      assertThat(TestStores.count(store, "SELECT count(*) FROM assertion_keys")).isEqualTo(2);

      assertThat(keys.prune(T0.plusSeconds(60))).isEqualTo(1);
      assertThat(TestStores.count(store, "SELECT count(*) FROM assertion_keys")).isEqualTo(1);
    }
  }
}
