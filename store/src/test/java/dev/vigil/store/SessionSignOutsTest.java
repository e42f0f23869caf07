package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sign-outs outlast a restart of the node and reach the other nodes of a PostgreSQL store (the real
 * one at 127.0.0.1:5432, a fresh schema per test); expired ones go; a store that cannot be written
 * still leaves the session refused on this node.
 */
class SessionSignOutsTest {

  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Duration LIFETIME = Duration.ofHours(8);

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T09:00:00Z"));
  private final InstantSource clock = () -> now.get();

  private long nowS() {
    return now.get().getEpochSecond();
  }

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

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void signOut_thenRestart_stillRefused(String dialect) throws Exception {
    StoreLocation where = TestStores.fresh(dialect, tmp);
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      boolean stored =
          signOuts.signOut("session-1", nowS(), nowS() + 3600).get(10, TimeUnit.SECONDS);
      assertThat(stored).isTrue();
      assertThat(signOuts.refuses("session-1")).isTrue();
    }

    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      assertThat(signOuts.refuses("session-1")).as("after a restart").isTrue();
      assertThat(signOuts.refuses("session-2")).isFalse();
    }
  }

  @Test
  void signOut_inOneRealm_notRefusedInAnother() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp));
        SessionSignOuts gateway = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      gateway.signOut("session-1", nowS(), nowS() + 3600).get(10, TimeUnit.SECONDS);

      try (SessionSignOuts console = SessionSignOuts.open(store, "console", LIFETIME, clock)) {
        assertThat(console.refuses("session-1")).isFalse();
      }
    }
  }

  @Test
  void signOut_onOneNode_refusedByAnotherNodeOfTheStore() throws Exception {
    StoreLocation pg = TestStores.freshPostgres();
    try (Store store1 = Store.open(pg);
        Store store2 = Store.open(pg);
        SessionSignOuts node1 = SessionSignOuts.open(store1, "gateway", LIFETIME, clock);
        SessionSignOuts node2 = SessionSignOuts.open(store2, "gateway", LIFETIME, clock)) {
      assertThat(node2.refuses("session-1")).isFalse();

      node1.signOut("session-1", nowS(), nowS() + 3600).get(10, TimeUnit.SECONDS);

      assertThat(eventually(() -> node2.refuses("session-1"))).as("refused on node 2").isTrue();
      assertThat(node2.refuses("session-2")).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.vigil.store.TestStores#dialects")
  void signOut_storesOnlyTheHashOfTheId(String dialect) throws Exception {
    try (Store store = Store.open(TestStores.fresh(dialect, tmp));
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      signOuts.signOut("secret-session-id", nowS(), nowS() + 3600).get(10, TimeUnit.SECONDS);

      try (Connection c = store.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT id_sha256 FROM session_sign_outs");
          ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        // printf secret-session-id | sha256sum
        assertThat(rs.getString(1))
            .isEqualTo("8b24f1a166ac8c394bb462b6248124c3f3bc5d61a675d4b4b8052f6494eb9d98");
      }
    }
  }

  @Test
  void open_removesExpiredSignOuts_andNoLongerRefusesThem() throws Exception {
    StoreLocation where = TestStores.sqlite(tmp);
    Duration lifetime = Duration.ofMinutes(10);
    long issued = nowS();
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", lifetime, clock)) {
      signOuts.signOut("old", issued, issued + 600).get(10, TimeUnit.SECONDS);
      now.set(now.get().plus(Duration.ofMinutes(5)));
      signOuts.signOut("young", nowS(), nowS() + 600).get(10, TimeUnit.SECONDS);
    }

    now.set(now.get().plus(Duration.ofMinutes(6)));
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", lifetime, clock)) {
      assertThat(signOuts.refuses("old")).isFalse();
      assertThat(signOuts.refuses("young")).isTrue();
      assertThat(TestStores.count(store, "SELECT count(*) FROM session_sign_outs")).isEqualTo(1);
    }
  }

  @Test
  void open_withLongerLifetime_keepsRefusingWhatTheShorterOneWouldHaveExpired() throws Exception {
    StoreLocation where = TestStores.sqlite(tmp);
    long issued = nowS();
    try (Store store = Store.open(where);
        SessionSignOuts signOuts =
            SessionSignOuts.open(store, "gateway", Duration.ofMinutes(10), clock)) {
      signOuts.signOut("s", issued, issued + 600).get(10, TimeUnit.SECONDS);
    }

    // Restarted with sessions lasting an hour: the session would open again at 20 minutes.
    now.set(now.get().plus(Duration.ofMinutes(20)));
    try (Store store = Store.open(where);
        SessionSignOuts signOuts =
            SessionSignOuts.open(store, "gateway", Duration.ofHours(1), clock)) {
      assertThat(signOuts.refuses("s")).isTrue();
      assertThat(TestStores.count(store, "SELECT count(*) FROM session_sign_outs")).isEqualTo(1);
    }
  }

  @Test
  void signOut_storeUnwritable_isRefusedHereAndReportedNotStored() throws Exception {
    Store store = Store.open(TestStores.sqlite(tmp));
    try (SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      store.close();

      boolean stored = signOuts.signOut("s", nowS(), nowS() + 3600).get(30, TimeUnit.SECONDS);

      assertThat(stored).isFalse();
      assertThat(signOuts.refuses("s")).isTrue();
    }
  }

  @Test
  void signOut_storeFailsThenRecovers_isStoredByTheRetry() throws Exception {
    StoreLocation where = TestStores.sqlite(tmp);
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      execute(store, "ALTER TABLE session_sign_outs RENAME TO session_sign_outs_away");
      assertThat(signOuts.signOut("s", nowS(), nowS() + 3600).get(30, TimeUnit.SECONDS)).isFalse();
      execute(store, "ALTER TABLE session_sign_outs_away RENAME TO session_sign_outs");

      signOuts.retryUnsaved();
    }

    try (Store store = Store.open(where);
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", LIFETIME, clock)) {
      assertThat(signOuts.refuses("s")).as("stored by the retry").isTrue();
    }
  }

  private static void execute(Store store, String sql) throws Exception {
    try (Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void open_storeUnreadable_fails() throws Exception {
    Store store = Store.open(TestStores.sqlite(tmp));
    store.close();

    assertThatThrownBy(() -> SessionSignOuts.open(store, "gateway", LIFETIME, clock))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void open_realmNotAWord_isRefusedNamingIt() throws Exception {
    try (Store store = Store.open(TestStores.sqlite(tmp))) {
      assertThatThrownBy(() -> SessionSignOuts.open(store, "Gate way", LIFETIME, clock))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"Gate way\"");
    }
  }

  @Test
  void inMemory_refusesUntilTheProcessEnds() {
    SessionSignOuts signOuts = SessionSignOuts.inMemory(clock);

    assertThat(signOuts.signOut("s", nowS(), nowS() + 60)).isCompletedWithValue(true);
    assertThat(signOuts.refuses("s")).isTrue();
    assertThat(signOuts.refuses("t")).isFalse();
  }
}
