package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regressions: a signed-out session cookie opened again after the node restarted (the sign-out was
 * held in memory only), and another node of the same PostgreSQL store (the real one at
 * 127.0.0.1:5432, a fresh schema per test) with the same session key never refused it.
 */
class SessionSignOutBetweenNodesTest {

  private static final Duration IDLE = Duration.ofMinutes(30);
  private static final Duration ABSOLUTE = Duration.ofHours(8);
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";

  @TempDir Path tmp;

  private final byte[] key = SessionCodec.newKey();
  private final InstantSource clock = InstantSource.system();
  private final LocalUser bob =
      new LocalUser("bob", "bob@example.com", List.of("dev"), List.of("eng"), "x", null);

  private SessionCodec codec(SessionSignOuts signOuts) {
    return new SessionCodec(key, IDLE, ABSOLUTE, clock, signOuts);
  }

  private SessionSignOuts signOuts(Store store) {
    return SessionSignOuts.open(store, "gateway", ABSOLUTE, clock);
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

  @Test
  void signOut_thenRestartOverTheSameStore_cookieStaysRefused() throws Exception {
    StoreLocation where = StoreLocation.embedded(tmp);
    String cookie;
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec before = codec(signOuts);
      Session s = before.start(bob, List.of("pwd"));
      cookie = before.seal(s);
      assertThat(before.signOut(s).get(10, TimeUnit.SECONDS)).isTrue();
    }

    try (Store store = Store.open(where);
        SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec after = codec(signOuts);

      assertThat(after.open(cookie)).as("signed-out cookie after a restart").isNull();
      assertThat(after.open(after.seal(after.start(bob, List.of("pwd"))))).isNotNull();
    }
  }

  @Test
  void signOut_onOneNode_refusedOnAnotherNodeOfTheStore() throws Exception {
    StoreLocation pg = freshPostgres();
    try (Store store1 = Store.open(pg);
        Store store2 = Store.open(pg);
        SessionSignOuts signOuts1 = signOuts(store1);
        SessionSignOuts signOuts2 = signOuts(store2)) {
      SessionCodec node1 = codec(signOuts1);
      SessionCodec node2 = codec(signOuts2);
      Session s = node1.start(bob, List.of("pwd"));
      String cookie = node1.seal(s);
      assertThat(node2.open(cookie))
          .as("one session key: node 2 opens node 1's cookie")
          .isNotNull();

      node1.signOut(s).get(10, TimeUnit.SECONDS);

      assertThat(eventually(() -> node2.open(cookie) == null)).as("refused on node 2").isTrue();
      assertThat(node1.open(cookie)).isNull();
    }
  }

  /**
   * Regression: a sign-out was kept until the end the signing-out node computed from its own {@code
   * session_absolute}; once that node removed it as expired, a node of the same store with a longer
   * lifetime accepted the cookie again after its restart (or a node that joined later did).
   */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void signOut_onNodeWithShorterLifetime_refusedByLongerNodeAfterTheShorterPruned(String dialect)
      throws Exception {
    StoreLocation where = dialect.equals("sqlite") ? StoreLocation.embedded(tmp) : freshPostgres();
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-05T09:00:00Z"));
    InstantSource at = now::get;
    Duration shortLife = Duration.ofHours(8);
    Duration longLife = Duration.ofHours(24);
    String cookie;
    long start = now.get().getEpochSecond();
    try (Store longStore = Store.open(where);
        Store shortStore = Store.open(where);
        SessionSignOuts longOuts = SessionSignOuts.open(longStore, "gateway", longLife, at);
        SessionSignOuts shortOuts = SessionSignOuts.open(shortStore, "gateway", shortLife, at)) {
      SessionCodec longNode = new SessionCodec(key, IDLE, longLife, at, longOuts);
      SessionCodec shortNode = new SessionCodec(key, IDLE, shortLife, at, shortOuts);
      Session started = longNode.start(bob, List.of("pwd"));
      now.set(now.get().plus(Duration.ofHours(7)).plus(Duration.ofMinutes(50)));
      // In use all along: its cookie as the last request, now, left it.
      cookie = longNode.seal(started.touched(now.get().getEpochSecond()));

      Session seen = shortNode.open(cookie);
      assertThat(shortNode.signOut(seen).get(10, TimeUnit.SECONDS)).as("stored").isTrue();
    }

    // Past the short node's lifetime, within the long node's and the idle time: both restart,
    // the short node first, and it removes the sign-outs it takes for expired.
    now.set(Instant.ofEpochSecond(start).plus(Duration.ofHours(8)).plus(Duration.ofMinutes(5)));
    try (Store shortStore = Store.open(where);
        SessionSignOuts shortOuts = SessionSignOuts.open(shortStore, "gateway", shortLife, at);
        Store longStore = Store.open(where);
        SessionSignOuts longOuts = SessionSignOuts.open(longStore, "gateway", longLife, at)) {
      SessionCodec longNode = new SessionCodec(key, IDLE, longLife, at, longOuts);

      assertThat(longNode.open(cookie)).as("signed out on the shorter node").isNull();
      assertThat(signOutRows(longStore)).isOne();
    }

    // Past the session's own end no node accepts it, and the sign-out goes.
    now.set(Instant.ofEpochSecond(start).plus(longLife).plusSeconds(1));
    try (Store shortStore = Store.open(where);
        SessionSignOuts shortOuts = SessionSignOuts.open(shortStore, "gateway", shortLife, at)) {
      assertThat(signOutRows(shortStore)).isZero();
    }
  }

  private static long signOutRows(Store store) throws Exception {
    try (Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM session_sign_outs")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void signOut_storeUnwritable_refusedHereAllTheSame() throws Exception {
    Store store = Store.open(StoreLocation.embedded(tmp));
    try (SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec codec = codec(signOuts);
      Session s = codec.start(bob, List.of("pwd"));
      String cookie = codec.seal(s);
      store.close();

      assertThat(codec.signOut(s).get(30, TimeUnit.SECONDS)).as("stored").isFalse();
      assertThat(codec.open(cookie)).isNull();
    }
  }

  /** This test's own schema, by its fresh name; dropped when the test ends. */
  private String schema;

  private StoreLocation freshPostgres() throws Exception {
    schema = "vigil_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return StoreLocation.parse("postgresql://127.0.0.1:5432/test?currentSchema=" + schema);
  }

  /** Tests left their schema behind, one more for every run. */
  @AfterEach
  void dropOwnSchema() throws Exception {
    if (schema == null) {
      return;
    }
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
