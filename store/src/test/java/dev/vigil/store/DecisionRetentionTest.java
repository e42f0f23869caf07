package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retention timer prunes on its own, keeps what is recent, and outlives a failed prune. */
class DecisionRetentionTest {

  @TempDir Path tmp;

  private static DecisionRecord at(String id, Instant t) {
    return new DecisionRecord(id, t, "gw/allow", "u", "app", true, "enforce", true, "n1", "{}");
  }

  @Test
  void timer_prunesOlderThanRetention_keepsTheRest() throws Exception {
    Instant now = Instant.parse("2026-12-05T00:00:00Z");
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("r")));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults())) {
      log.append(at("old", now.minus(Duration.ofDays(40)))).get(10, TimeUnit.SECONDS);
      log.append(at("recent", now.minus(Duration.ofDays(2)))).get(10, TimeUnit.SECONDS);
      DecisionReader reader = new DecisionReader(store);

      try (DecisionRetention r =
          DecisionRetention.start(
              store, Duration.ofDays(30), Duration.ofMillis(20), InstantSource.fixed(now))) {
        for (int i = 0; i < 500 && reader.get("old").isPresent(); i++) {
          Thread.sleep(10);
        }
      }

      assertThat(reader.get("old")).isEmpty();
      assertThat(reader.get("recent")).isPresent();
      assertThat(reader.count()).isEqualTo(1);
    }
  }

  @Test
  void pruneOnce_storeClosed_logsAndCarriesOn() throws Exception {
    Store store = Store.open(TestStores.sqlite(tmp.resolve("closed")));
    try (DecisionRetention r =
        DecisionRetention.start(
            store, Duration.ofDays(1), Duration.ofHours(1), InstantSource.system())) {
      store.close();

      r.pruneOnce(); // must not throw
    }
  }

  @Test
  void start_retentionUnderTheMinimum_refused() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("short")))) {
      assertThatThrownBy(
              () ->
                  DecisionRetention.start(
                      store, DecisionRetention.MINIMUM.minusSeconds(1), InstantSource.system()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is too short to keep decisions: at least 1h");
    }
  }

  /** The one check behind --log-retain, decision_log.retain and vigil logs --prune-before. */
  @Test
  void requireMinimum_underAnHour_refusedQuotingTheValueAsWritten() {
    assertThatThrownBy(() -> DecisionRetention.requireMinimum(Duration.ofMinutes(59), "59m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"59m\" is too short to keep decisions: at least 1h");
    assertThatThrownBy(() -> DecisionRetention.requireMinimum(Duration.ZERO, "0s"))
        .hasMessage("\"0s\" is too short to keep decisions: at least 1h");
    assertThat(DecisionRetention.requireMinimum(Duration.ofHours(1), "1h"))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void start_zeroRetention_refused() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp.resolve("zero")))) {
      assertThatThrownBy(
              () ->
                  DecisionRetention.start(
                      store, Duration.ZERO, Duration.ofHours(1), InstantSource.system()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
